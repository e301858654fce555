// report.html of a real (tiny) run, opened in headless Chromium from file:// after the folder was
// moved: no console errors, no network, every video decodes with the run's length, every chart is
// drawn. Chromium is Debian's package at /usr/bin/chromium (never downloaded), driven by playwright-core.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { report } from "../../src/cli/report.js";
import { train } from "../../src/cli/train.js";
import { PACKAGE_ROOT } from "../../src/transport/package-root.js";

const CHROMIUM = "/usr/bin/chromium";
const SAMPLE_FPS = 8; // what vader train saves its samples at (Run.saveSample's default)
const SCREENSHOT = join(PACKAGE_ROOT, "test-artifacts", "report.png");

describe("report.html of a run, in a real browser", () => {
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium; .ci/run does). This test never downloads a browser.`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("shows the run's charts and before/after videos from file://, offline, after the folder moved", async () => {
    const runsDir = mkdtempSync(join(tmpdir(), "vader-report-"));
    const lines: string[] = [];
    const runDirectory = await train({ runsDir, name: "short", steps: 3, tiny: true }, (line) => lines.push(line));
    expect(lines).toContain(`report: ${join(runDirectory, "report.html")}`); // vader train writes it at its end

    // `vader report DIR` writes it again, from the files alone.
    const printed: string[] = [];
    expect(report({ dir: runDirectory }, (line) => printed.push(line))).toEqual([join(runDirectory, "report.html")]);
    expect(printed).toEqual([`report: ${join(runDirectory, "report.html")}`]);

    // Relative paths only: the moved copy plays its own videos.
    const moved = join(mkdtempSync(join(tmpdir(), "vader-report-moved-")), "run");
    cpSync(runDirectory, moved, { recursive: true });
    const page = join(moved, "report.html");
    const config = JSON.parse(readFileSync(join(moved, "config.json"), "utf8")) as { model: { frames: number } };
    const expectedSeconds = config.model.frames / SAMPLE_FPS;

    const context = await (browser as Browser).newContext({ viewport: { width: 1280, height: 900 } });
    const tab = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    tab.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    tab.on("pageerror", (error) => errors.push(error.message));
    tab.on("request", (request) => requests.push(request.url()));
    tab.on("requestfailed", (request) => errors.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
    await tab.goto(pathToFileURL(page).href, { waitUntil: "load" });

    // Every video decodes (HAVE_CURRENT_DATA) and lasts frames / fps.
    await tab.waitForFunction(() => Array.from(document.querySelectorAll("video")).every((video) => video.readyState >= 2 && Number.isFinite(video.duration)), null, { timeout: 30_000 });
    const videos = await tab.$$eval("video", (elements) => elements.map((video) => ({ src: video.getAttribute("src"), readyState: video.readyState, duration: video.duration })));
    expect(videos.map((video) => video.src).sort()).toEqual(["after-0.mp4", "before-0.mp4"]);
    for (const video of videos) {
      expect(video.readyState).toBeGreaterThanOrEqual(2);
      expect(Math.abs(video.duration - expectedSeconds), `${video.src}: ${video.duration} s, expected ${expectedSeconds} s`).toBeLessThanOrEqual(0.1);
    }

    // Every chart holds the run's 3 steps and has drawn its lines (opaque coloured pixels; axes and grid are grey).
    const charts = await tab.evaluate(() => {
      const drawn = (window as unknown as { vaderReport?: { charts: { id: string; points: number }[] } }).vaderReport?.charts ?? [];
      return drawn.map(({ id, points }) => {
        const canvas = document.querySelector(`#${id} canvas`) as HTMLCanvasElement | null;
        const pixels = canvas?.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
        let painted = 0;
        let line = 0;
        for (let index = 0; index < pixels.length; index += 4) {
          const [red, green, blue, alpha] = [pixels[index] ?? 0, pixels[index + 1] ?? 0, pixels[index + 2] ?? 0, pixels[index + 3] ?? 0];
          if (alpha > 0) painted++;
          if (alpha === 255 && Math.max(red, green, blue) - Math.min(red, green, blue) > 60) line++; // opaque and coloured: a series, not the grey grid
        }
        return { id, points, painted, line };
      });
    });
    expect(charts.map((chart) => chart.id)).toEqual(["chart-reward-steps", "chart-reward-queries", "chart-loss", "chart-grad-norm"]);
    for (const chart of charts) {
      expect(chart.points, chart.id).toBe(3);
      expect(chart.painted, `${chart.id}: a blank canvas`).toBeGreaterThan(0);
      expect(chart.line, `${chart.id}: no line drawn`).toBeGreaterThan(0);
    }
    expect(await tab.locator("figcaption").allTextContents()).toEqual(["a dog playing a guitar on a porch"]);
    expect(await tab.locator("details summary").allTextContents()).toContain("config.json");

    mkdirSync(join(PACKAGE_ROOT, "test-artifacts"), { recursive: true });
    await tab.screenshot({ path: SCREENSHOT, fullPage: true });
    await context.close();

    expect(errors).toEqual([]);
    const network = requests.filter((url) => !url.startsWith("file://"));
    expect(network, "the page fetched something other than its own files").toEqual([]);
    expect(requests.filter((url) => url.endsWith(".mp4")).length).toBeGreaterThanOrEqual(2);
    console.log(`report.html: ${(statSync(page).size / 1024).toFixed(1)} KB; screenshot: ${SCREENSHOT}`);
  });
});
