// What a report shows, read from a run directory or a comparison's folder straight from its files
// (checked by the same zod schemas as `Run.load` and results.json), without starting Python.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import { z } from "zod";
import { ConfigError } from "../errors.js";
import { loadComparisonResults } from "../compare/saved-results.js";
import { learningRateLabel } from "../compare/learning-rates.js";
import { comparisonTable } from "../compare/table.js";
import type { ComparisonResults } from "../specs/comparison-results.js";
import { StepMetrics } from "../specs/metrics.js";
import { RunRecord } from "../specs/run-record.js";
import { METHOD_LABELS } from "../trainer/by-method.js";

/** A file beside the report: its path relative to the report's folder (with `/`) and its size. */
export interface ReportFile {
  path: string;
  bytes: number;
}

/** One saved sample (`before-0`, `after-0`, `final-train-0`, ...): its MP4 and GIF beside the report, when present. */
export interface ReportVideo {
  name: string;
  mp4: string | null;
  gif: string | null;
  /** The prompt it was sampled from, when the run recorded it. */
  prompt: string | null;
}

export interface RunReportInput {
  /** The run's folder name. */
  name: string;
  record: RunRecord;
  videos: ReportVideo[];
  /** lora/ and checkpoints/, every file with its size. */
  weightFiles: ReportFile[];
  /** The comparison this run belongs to, relative to the run (its report.html), when there is one. */
  comparisonReport: string | null;
}

/** One run of a comparison, as its report lists it. */
export interface ComparisonReportRun {
  name: string;
  /** Its report.html, relative to the comparison's folder. */
  report: string;
  metrics: StepMetrics[];
  loraBytes: number;
}

/** One prompt of the final samples, a video per method (its chosen learning rate, first seed). */
export interface ComparisonVideoRow {
  split: "train" | "test";
  prompt: string;
  cells: { label: string; video: ReportVideo }[];
}

export interface ComparisonReportInput {
  name: string;
  results: ComparisonResults;
  /** table.md as `comparisonTable` writes it (Markdown). */
  table: string;
  runs: ComparisonReportRun[];
  videos: ComparisonVideoRow[];
  /** Videos at the top of the comparison's folder (figures of final samples), when there are any. */
  extraVideos: ReportVideo[];
  /** rewards.json of the first run that has one (every run scores the same reward). */
  rewardTerms: RunRecord["rewardTerms"];
}

const RewardsFile = z.object({ terms: RunRecord.shape.rewardTerms.unwrap() });
const ParentPrompts = z.object({ prompts: z.object({ train: z.array(z.string()), test: z.array(z.string()) }) });
const PreviewPrompts = z.object({ preview: z.object({ prompts: z.array(z.string()) }) });

/** Forward slashes, each part percent-encoded where it must be, for an href or src. */
export function relativeUrl(from: string, to: string): string {
  return relative(from, to).split(sep).map(encodeURIComponent).join("/");
}

function parseJsonFile<Schema extends z.ZodType>(path: string, schema: Schema, what: string): z.output<Schema> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(path, [`is not readable JSON (${(error as Error).message}); ${what}`]);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw ConfigError.fromZod(path, parsed.error);
  return parsed.data;
}

function readMetrics(path: string): StepMetrics[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => line.trim() !== "")
    .map(({ line, number }) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new ConfigError(`${path}:${number}`, [`is not a JSON line (${(error as Error).message}); metrics.jsonl holds one step's metrics per line`]);
      }
      const parsed = StepMetrics.safeParse(value);
      if (!parsed.success) throw ConfigError.fromZod(`${path}:${number}`, parsed.error);
      return parsed.data;
    });
}

/** Every file under `folder` (recursively, sorted) with its size, relative to `root`. */
function filesUnder(root: string, folder: string): ReportFile[] {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return [];
  return readdirSync(folder, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) return filesUnder(root, path);
      return entry.isFile() ? [{ path: relativeUrl(root, path), bytes: statSync(path).size }] : [];
    });
}

/** The samples in `folder` by name: each name with an .mp4 or a .gif, both when both exist. */
function videosIn(root: string, folder: string, promptOf: (name: string) => string | null): ReportVideo[] {
  if (!existsSync(folder)) return [];
  const files = readdirSync(folder).filter((file) => /\.(mp4|gif)$/.test(file) && !file.includes(".partial."));
  const names = [...new Set(files.map((file) => file.replace(/\.(mp4|gif)$/, "")))].sort(sampleOrder);
  return names.map((name) => ({
    name,
    mp4: files.includes(`${name}.mp4`) ? relativeUrl(root, join(folder, `${name}.mp4`)) : null,
    gif: files.includes(`${name}.gif`) ? relativeUrl(root, join(folder, `${name}.gif`)) : null,
    prompt: promptOf(name),
  }));
}

/** before-N before after-N, by N; then the rest by name. */
function sampleOrder(a: string, b: string): number {
  const key = (name: string) => {
    const match = /^(before|after)-(\d+)$/.exec(name);
    return match ? [0, Number(match[2]), match[1] === "before" ? 0 : 1, ""] : [1, 0, 0, name];
  };
  const [left, right] = [key(a), key(b)];
  for (let index = 0; index < left.length; index++) {
    const [x, y] = [left[index] as number | string, right[index] as number | string];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * The prompt behind a sample: `before-N` / `after-N` are the job's preview prompt N; a comparison
 * run's `final-train-0` / `final-test-0` the first train / test prompt of its comparison.
 */
function samplePrompts(config: Record<string, unknown> | null, comparison: z.output<typeof ParentPrompts> | null): (name: string) => string | null {
  const preview = PreviewPrompts.safeParse(config);
  const trainPrompts = z.object({ prompts: z.array(z.string()) }).safeParse(config);
  return (name) => {
    const pair = /^(before|after)-(\d+)$/.exec(name);
    if (pair) return preview.success ? (preview.data.preview.prompts[Number(pair[2])] ?? null) : null;
    const final = /^final-(train|test)-(\d+)$/.exec(name);
    if (!final) return null;
    const index = Number(final[2]);
    if (comparison) return comparison.prompts[final[1] as "train" | "test"][index] ?? null;
    return final[1] === "train" && trainPrompts.success ? (trainPrompts.data.prompts[index] ?? null) : null;
  };
}

/** Whether `directory` looks like a run directory (it holds config.json or metrics.jsonl). */
export function isRunDirectory(directory: string): boolean {
  return existsSync(join(directory, "config.json")) || existsSync(join(directory, "metrics.jsonl"));
}

export function readRunReportInput(directory: string): RunReportInput {
  const configPath = join(directory, "config.json");
  const config = existsSync(configPath) ? parseJsonFile(configPath, RunRecord.shape.config.unwrap(), "config.json holds the resolved job as a JSON object") : null;
  const evaluationPath = join(directory, "evaluation.json");
  const rewardsPath = join(directory, "rewards.json");
  const lora = join(directory, "lora");
  // A comparison's run sits in <comparison>/runs/<run>/: its results.json (once written) names the prompts of the final samples.
  const parentResults = join(directory, "..", "..", "results.json");
  const inComparison = config !== null && "comparison" in config && existsSync(parentResults);
  const comparison = inComparison ? (ParentPrompts.safeParse(JSON.parse(readFileSync(parentResults, "utf8"))).data ?? null) : null;
  const videos = videosIn(directory, directory, samplePrompts(config, comparison));
  const record = RunRecord.parse({
    directory,
    config,
    metrics: readMetrics(join(directory, "metrics.jsonl")),
    loraDirectory: existsSync(join(lora, "adapter_config.json")) ? lora : null,
    samples: Object.fromEntries(videos.filter((video) => video.gif !== null).map((video) => [video.name, join(directory, `${video.name}.gif`)])),
    evaluation: existsSync(evaluationPath) ? parseJsonFile(evaluationPath, RunRecord.shape.evaluation.unwrap(), "evaluation.json holds the judge's scores") : null,
    rewardTerms: existsSync(rewardsPath) ? parseJsonFile(rewardsPath, RewardsFile, "rewards.json holds {terms: [...]}").terms : null,
  } satisfies RunRecord);
  return {
    name: basename(directory),
    record,
    videos,
    weightFiles: [...filesUnder(directory, lora), ...filesUnder(directory, join(directory, "checkpoints"))],
    comparisonReport: comparison ? relativeUrl(directory, join(directory, "..", "..", "report.html")) : null,
  };
}

export function readComparisonReportInput(directory: string): ComparisonReportInput {
  const results = loadComparisonResults(join(directory, "results.json"));
  const runs = results.runs.map((run) => {
    const runDirectory = join(directory, run.runDirectory);
    return {
      name: basename(run.runDirectory),
      report: relativeUrl(directory, join(runDirectory, "report.html")),
      metrics: readMetrics(join(runDirectory, "metrics.jsonl")),
      loraBytes: filesUnder(runDirectory, join(runDirectory, "lora")).reduce((sum, file) => sum + file.bytes, 0),
    };
  });
  const splits = (["train", "test"] as const).filter((split) => results.prompts[split].length > 0);
  const videos = splits.map((split) => ({
    split,
    prompt: results.prompts[split][0] as string,
    cells: results.summary.flatMap((summary) => {
      const chosen = results.runs.filter((run) => run.method === summary.method && run.lr === summary.lr).sort((a, b) => a.seed - b.seed)[0];
      if (!chosen) return [];
      const runDirectory = join(directory, chosen.runDirectory);
      const video = videosIn(directory, runDirectory, () => results.prompts[split][0] ?? null).find((entry) => entry.name === `final-${split}-0`);
      return video ? [{ label: `${METHOD_LABELS[summary.method]} (lr ${learningRateLabel(summary.lr)}, seed ${chosen.seed})`, video }] : [];
    }),
  }));
  const rewardsFiles = results.runs.map((run) => join(directory, run.runDirectory, "rewards.json")).filter((path) => existsSync(path));
  return {
    name: basename(directory),
    results,
    table: comparisonTable(results),
    runs,
    videos: videos.filter((row) => row.cells.length > 0),
    extraVideos: videosIn(directory, directory, () => null),
    rewardTerms: rewardsFiles[0] ? parseJsonFile(rewardsFiles[0], RewardsFile, "rewards.json holds {terms: [...]}").terms : null,
  };
}
