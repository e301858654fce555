#!/usr/bin/env node
// Screenshots a report.html in Debian's headless Chromium (the README's pictures):
//   node scripts/screenshot-report.mjs REPORT.html OUT.png [WIDTH] [HEIGHT]
// Build the report first (`vader report DIR`); the page is opened from file://, offline.
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

const [page, out, width = "1280", height = "900"] = process.argv.slice(2);
if (!page || !out) {
  console.error("Usage: node scripts/screenshot-report.mjs REPORT.html OUT.png [WIDTH] [HEIGHT]");
  process.exit(2);
}
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
try {
  const tab = await browser.newPage({ viewport: { width: Number(width), height: Number(height) } });
  await tab.goto(pathToFileURL(resolve(page)).href);
  await tab.waitForFunction(() => [...document.querySelectorAll("video")].every((video) => video.readyState >= 2));
  await tab.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
