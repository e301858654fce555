// The numbers in README.md and docs/ are not typed: each sits in a block
//   <!-- results:NAME -->  ...  <!-- /results:NAME -->
// that this script renders from committed artifacts (results.json, evaluation.json, metrics.jsonl
// under docs/results/), naming the file each number comes from. test/unit/results-docs.test.ts
// fails when a block differs from what the artifacts say.
//   npx tsx scripts/results-tables.ts          # rewrite the blocks
//   npx tsx scripts/results-tables.ts --check  # exit 1 if any block is stale
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { queriesToMatch } from "../src/compare/queries-to-match.js";
import { loadComparisonResults } from "../src/compare/saved-results.js";
import { learningRateLabel } from "../src/compare/learning-rates.js";
import { measureFalls } from "../src/compare/summary.js";
import { describeFalls, describeQueriesToMatch } from "../src/compare/table.js";
import type { ComparisonResults, MethodSummary, SampleScore } from "../src/specs/comparison-results.js";
import { METHOD_LABELS } from "../src/trainer/by-method.js";
import { guardMotionTables } from "./guard-motion-table.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS = join(ROOT, "docs", "results");
/** The documents whose blocks this script owns. */
export const DOCUMENTS = ["README.md", "docs/results/README.md", "docs/world.md", "docs/results/guard-motion/README.md"];

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const fromRoot = (path: string) => relative(ROOT, path);

/** The 3-seed comparisons, in the order the docs list them: reward x caption set. */
const SEEDED = [
  { folder: "digit-task", title: "`digit`, digit-5 captions (where the base is weak)" },
  { folder: "digit-all", title: "`digit`, all captions" },
  { folder: "removal-task", title: "`removal` of 2, digit-5 captions" },
  { folder: "removal-all", title: "`removal` of 2, all captions" },
];

function seeded(): { title: string; path: string; results: ComparisonResults }[] {
  return SEEDED.flatMap(({ folder, title }) => {
    const path = join(RESULTS, "seeds3", folder, "results.json");
    return existsSync(path) ? [{ title, path, results: loadComparisonResults(path) }] : [];
  });
}

function meanStd(mean: number, std: number, format: (value: number) => string): string {
  return `${format(mean)} ± ${format(std)}`;
}

function methodCell(summary: MethodSummary | undefined): string {
  if (!summary) return "–";
  const train = summary.final.train;
  const judge = train.judge ? ` (${meanStd(train.judge.digitAccuracy, summary.spread.train.digitAccuracy ?? 0, percent)})` : "";
  const flag = summary.judgeFalls.length > 0 ? " **judge fell**" : summary.rewardHacking ? " **hacked**" : "";
  return `${meanStd(train.reward, summary.spread.train.reward, (value) => value.toFixed(3))}${judge}${flag}`;
}

function baseCell(score: SampleScore): string {
  return `${score.reward.toFixed(3)}${score.judge ? ` (${percent(score.judge.digitAccuracy)})` : ""}`;
}

/**
 * Which methods' final train rewards are separated from VADER's: mean ± std intervals that do not
 * overlap. Anything else is a tie at this many seeds.
 */
function ordering(results: ComparisonResults): string {
  const vader = results.summary.find((summary) => summary.method === "vader");
  if (!vader) return "";
  const interval = (summary: MethodSummary) => [summary.final.train.reward - summary.spread.train.reward, summary.final.train.reward + summary.spread.train.reward] as const;
  const [low, high] = interval(vader);
  const verdicts = results.summary
    .filter((summary) => summary.method !== "vader")
    .map((summary) => {
      const [otherLow, otherHigh] = interval(summary);
      const relation = otherHigh < low ? "below VADER" : otherLow > high ? "above VADER" : "overlaps VADER (no ordering)";
      return `${METHOD_LABELS[summary.method]} ${relation}`;
    });
  return verdicts.join("; ");
}

function queriesText(results: ComparisonResults): string {
  return results.queriesToMatch ? describeQueriesToMatch(results.queriesToMatch, results.budget) : "–";
}

/** The reverse reading: the queries VADER needed to reach each baseline's final training reward (queriesToMatch with the baseline as reference). */
function vaderQueriesToBaselines(results: ComparisonResults): string {
  if (!results.methods.includes("vader")) return "–";
  return results.summary
    .filter((summary) => summary.method !== "vader")
    .map((summary) => {
      const reading = queriesToMatch(results.runs, results.summary, summary.method);
      const queries = reading?.queries.vader;
      return `${METHOD_LABELS[summary.method]}'s ${reading?.level.toFixed(3)}: ${queries ?? `not within ${results.budget}`}`;
    })
    .join("; ");
}

/** README: one row per 3-seed comparison: base and each method's final train reward (judge), mean ± std. */
function readmeSummary(): string {
  const comparisons = seeded();
  if (comparisons.length === 0) return "(no 3-seed comparison has finished yet: `bash scripts/reproduce-results.sh`)";
  const methods = comparisons[0]?.results.methods ?? [];
  const lines = [
    `| task (train captions; judge: prompted digit) | base | ${methods.map((method) => METHOD_LABELS[method]).join(" | ")} | queries to reach VADER's final reward |`,
    `| --- | ---: | ${methods.map(() => "---:").join(" | ")} | --- |`,
    ...comparisons.map(({ title, results }) => {
      const cells = methods.map((method) => methodCell(results.summary.find((summary) => summary.method === method)));
      return `| ${title} | ${baseCell(results.baseScores.train)} | ${cells.join(" | ")} | ${queriesText(results)} |`;
    }),
    "",
    `Mean ± std over ${comparisons.map(({ results }) => results.seeds.length).join("/")} seeds, ${comparisons[0]?.results.budget} reward queries per run, each method at the learning rate its held-out validation samples chose. From ${comparisons.map(({ path }) => `\`${fromRoot(path)}\``).join(", ")}.`,
  ];
  return lines.join("\n");
}

/** docs/results/README.md: each 3-seed comparison's table.md, its ordering and its judge falls. */
function seededTables(): string {
  const comparisons = seeded();
  if (comparisons.length === 0) return "(no 3-seed comparison has finished yet)";
  return comparisons
    .map(({ title, path, results }) => {
      const table = readFileSync(join(dirname(path), results.files.table), "utf8").split("\n").slice(2).join("\n").trim();
      const falls = results.summary.filter((summary) => summary.judgeFalls.length > 0).map((summary) => `${METHOD_LABELS[summary.method]}: ${describeFalls(summary.judgeFalls)}`);
      return [
        `### ${title}`,
        "",
        `From \`${fromRoot(path)}\` (its \`table.md\`; command in \`docs/results/logs/compare-${relative(join(RESULTS, "seeds3"), dirname(path))}.log\`).`,
        "",
        table,
        "",
        `Ordering by final train reward (mean ± std intervals against VADER's): ${ordering(results)}.`,
        `Queries VADER needed to reach each baseline's final training reward (the same reading; one window, ${results.budget / 8} queries, is the least it can give): ${vaderQueriesToBaselines(results)}.`,
        falls.length > 0 ? `Judge falls: ${falls.join("; ")}.` : "No method's judge fell.",
      ].join("\n");
    })
    .join("\n\n");
}

interface TrainRun {
  name: string;
  directory: string;
  config: { reward: { name?: string }; trainer: { lr: number }; steps: number };
  metrics: { seconds: number; reward: { mean: number } }[];
  evaluation: { before: Judged; after: Judged } | null;
}
/** One side of a train run's evaluation.json (src/cli/train.ts writes it). */
interface Judged {
  samples: number;
  digitAccuracy: number;
  directionAccuracy: number;
  rewards: Record<string, number>;
}

function trainRun(name: string): TrainRun | null {
  const directory = join(RESULTS, "train", name);
  if (!existsSync(join(directory, "metrics.jsonl"))) return null;
  const evaluationPath = join(directory, "evaluation.json");
  return {
    name,
    directory,
    config: JSON.parse(readFileSync(join(directory, "config.json"), "utf8")) as TrainRun["config"],
    metrics: readFileSync(join(directory, "metrics.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as TrainRun["metrics"][number]),
    evaluation: existsSync(evaluationPath) ? (JSON.parse(readFileSync(evaluationPath, "utf8")) as TrainRun["evaluation"]) : null,
  };
}

function judgedChange(run: TrainRun): string {
  const evaluation = run.evaluation;
  if (!evaluation) return "not judged";
  const { before, after } = evaluation;
  const reward = Object.keys(after.rewards)[0] ?? "";
  return (
    `judge: prompted digit ${percent(before.digitAccuracy)} -> ${percent(after.digitAccuracy)}, ` +
    `direction ${percent(before.directionAccuracy)} -> ${percent(after.directionAccuracy)} (${after.samples} videos); ` +
    `reward ${reward} ${before.rewards[reward]?.toFixed(3)} -> ${after.rewards[reward]?.toFixed(3)}`
  );
}

/** README: the default `vader train`, from its committed run directory. */
function defaultTrain(): string {
  const run = trainRun("default");
  if (!run) return "(not yet measured: `bash scripts/reproduce-results.sh default-train`)";
  const seconds = run.metrics.reduce((sum, metrics) => sum + metrics.seconds, 0);
  return `Measured here (\`${fromRoot(run.directory)}\`, made by \`npx vader train\`; log: \`docs/results/logs/train-default.log\`): ${judgedChange(run)}; ${run.metrics.length} steps in ${Math.round(seconds)} s of training (one torch thread, while other measurements shared the 2 cores).`;
}

/** docs/world.md: the hack checks, one row per committed run. */
function hackChecks(): string {
  const names = existsSync(join(RESULTS, "train")) ? readdirSync(join(RESULTS, "train")).filter((name) => name !== "default").sort() : [];
  const runs = names.map(trainRun).filter((run): run is TrainRun => run !== null && run.evaluation !== null);
  if (runs.length === 0) return "(not yet measured: `bash scripts/reproduce-results.sh hack-checks`)";
  const rows = runs.map((run) => {
    const { before, after } = run.evaluation as NonNullable<TrainRun["evaluation"]>;
    const reward = Object.keys(after.rewards)[0] ?? "";
    const falls = measureFalls(before, after);
    const verdict = falls.length > 0 ? `**judge fell**: ${describeFalls(falls)}` : "";
    return `| ${reward} | ${learningRateLabel(run.config.trainer.lr)} | ${run.metrics.length} | ${before.rewards[reward]?.toFixed(4)} -> ${after.rewards[reward]?.toFixed(4)} | ${percent(before.digitAccuracy)} -> ${percent(after.digitAccuracy)} | ${percent(before.directionAccuracy)} -> ${percent(after.directionAccuracy)} | ${verdict} | \`${fromRoot(run.directory)}\` |`;
  });
  return [
    "| reward | lr | steps | reward (judged samples) | judge: prompted digit | judge: prompted direction | | run |",
    "| --- | ---: | ---: | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

export const BLOCKS: Record<string, () => string> = {
  "readme-summary": readmeSummary,
  "default-train": defaultTrain,
  "hack-checks": hackChecks,
  "seeded-tables": seededTables,
  "guard-motion": () => guardMotionTables(RESULTS),
};

/** `text` with every results block rendered again; unknown block names are an error. */
export function renderDocument(text: string): string {
  return text.replace(/<!-- results:([\w-]+) -->\n[\s\S]*?<!-- \/results:\1 -->/g, (_block, name: string) => {
    const render = BLOCKS[name];
    if (!render) throw new Error(`unknown results block "${name}"; known: ${Object.keys(BLOCKS).join(", ")}`);
    return `<!-- results:${name} -->\n${render()}\n<!-- /results:${name} -->`;
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const document of DOCUMENTS) {
    const path = join(ROOT, document);
    const text = readFileSync(path, "utf8");
    const rendered = renderDocument(text);
    if (rendered === text) continue;
    stale++;
    if (check) console.log(`${document}: stale (run npx tsx scripts/results-tables.ts)`);
    else writeFileSync(path, rendered);
  }
  if (check && stale > 0) process.exit(1);
  console.log(check ? "results blocks: current" : `results blocks: ${stale} document(s) rewritten`);
}
