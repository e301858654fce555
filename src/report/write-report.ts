// report.html for a run directory or a comparison's folder: `vader train` and `compare()` write one
// at their end, `vader report DIR` writes it again. The page is self-contained (uPlot inlined, no
// network) apart from the videos and weights beside it, which it names by relative paths.
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { comparisonReportHtml, runReportHtml, type ChartLibrary } from "./report-html.js";
import { isRunDirectory, readComparisonReportInput, readRunReportInput } from "./report-input.js";

/** The file name of a run's or a comparison's HTML report (beside its config.json or results.json). */
export const REPORT_FILE = "report.html";

let library: ChartLibrary | undefined;

/** uPlot's minified script and style, read once from the installed package. */
export function chartLibrary(): ChartLibrary {
  if (library) return library;
  const require = createRequire(import.meta.url);
  const manifest = JSON.parse(readFileSync(require.resolve("uplot/package.json"), "utf8")) as { version: string };
  // Its banner is a link; the page carries no URL, so the attribution says the same without one.
  const script = readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8").replace(/^\/\*![^*]*\*\/\s*/, "");
  const style = readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8");
  library = { name: "uPlot", version: `${manifest.version} (MIT License, Copyright (c) 2022 Leon Sorokin, github.com/leeoniya/uPlot)`, script, style };
  return library;
}

/** Writes next to the target, then renames, so a reader never sees half a page. */
function writeAtomically(path: string, text: string): string {
  const staging = `${path}.writing`;
  writeFileSync(staging, text);
  renameSync(staging, path);
  return path;
}

function folderOf(flag: string, directory: string, what: string): string {
  const full = resolve(directory);
  if (!existsSync(full) || !statSync(full).isDirectory()) throw new ConfigError(flag, [`${full} is not a folder; give ${what}`]);
  return full;
}

/** Writes `report.html` into a run directory (config, reward curves, judge, before/after videos, LoRA files); returns its path. */
export function writeRunReport(directory: string): string {
  const full = folderOf("run directory", directory, "a run directory of vader train (with config.json and metrics.jsonl)");
  if (!isRunDirectory(full)) throw new ConfigError("run directory", [`${full} holds neither config.json nor metrics.jsonl; give a run directory of vader train`]);
  return writeAtomically(join(full, REPORT_FILE), runReportHtml(readRunReportInput(full), chartLibrary()));
}

/**
 * Writes `report.html` into a comparison's folder (curves per method, the table, final samples,
 * every run) and a run report into each of its runs; returns the comparison report's path.
 */
export function writeComparisonReport(directory: string): string {
  const full = folderOf("comparison folder", directory, "the folder of a vader compare (with its results.json)");
  if (!existsSync(join(full, "results.json"))) throw new ConfigError("comparison folder", [`${full} holds no results.json; give the folder of a finished vader compare`]);
  const input = readComparisonReportInput(full);
  for (const run of input.results.runs) {
    const runDirectory = join(full, run.runDirectory);
    if (isRunDirectory(runDirectory)) writeRunReport(runDirectory);
  }
  return writeAtomically(join(full, REPORT_FILE), comparisonReportHtml(input, chartLibrary()));
}

/**
 * The report of whatever `directory` is: a comparison (results.json), a run directory (config.json
 * or metrics.jsonl), or a folder of comparisons (one per reward or size: a report in each). Returns
 * the paths written.
 */
export function writeReports(directory: string): string[] {
  const full = folderOf("DIR", directory, "a run directory or a comparison's folder");
  if (existsSync(join(full, "results.json"))) return [writeComparisonReport(full)];
  if (isRunDirectory(full)) return [writeRunReport(full)];
  const comparisons = readdirSync(full, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(full, entry.name, "results.json")))
    .map((entry) => join(full, entry.name))
    .sort();
  if (comparisons.length === 0) {
    throw new ConfigError("DIR", [`${full} is neither a run directory (config.json, metrics.jsonl) nor a comparison (results.json); give the folder that vader train or vader compare wrote`]);
  }
  return comparisons.map((folder) => writeComparisonReport(folder));
}
