// The guard-motion tables (docs/results/guard-motion/README.md), rendered from its results.json
// (scripts/summarize-guard-motion.ts): each setting's judge over its seeds, then every run.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface Summary {
  mean: number;
  std: number;
  values: number[];
}
interface GuardResults {
  settings: { setting: string; seeds: number[]; judgeDigitAfter: Summary; judgeDirectionAfter: Summary; motionRewardAfter: Summary }[];
  runs: {
    run: string;
    setting: string;
    stepsRun: number;
    trainingRewardLast3: number;
    referenceDistanceLast3: number | null;
    judge: { samples: number; digitAccuracy: { before: number; after: number }; directionAccuracy: { before: number; after: number } };
    motionReward: { before: number; after: number };
    earlyStop: { stopped: boolean; keptStep: number; lastStep: number } | null;
  }[];
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const spread = (summary: Summary, format = percent) =>
  summary.values.length < 2 ? `${format(summary.mean)} (one seed)` : `${format(summary.mean)} ± ${format(summary.std)} (${summary.values.map(format).join(", ")})`;

/** The settings' summary and the per-run table, or a note that nothing was measured yet. */
export function guardMotionTables(resultsFolder: string): string {
  const path = join(resultsFolder, "guard-motion", "results.json");
  if (!existsSync(path)) return "(not yet measured: `bash scripts/reproduce-results.sh guard-motion`)";
  const results = JSON.parse(readFileSync(path, "utf8")) as GuardResults;
  const base = results.runs[0]?.judge;
  const settings = results.settings.map(
    (setting) =>
      `| ${setting.setting} | ${setting.seeds.join(", ")} | ${spread(setting.judgeDigitAfter)} | ${spread(setting.judgeDirectionAfter)} | ` +
      `${spread(setting.motionRewardAfter, (value) => value.toFixed(4))} |`,
  );
  const runs = results.runs.map((run) => {
    const kept = run.earlyStop ? `stopped: ${run.earlyStop.stopped ? "yes" : "no"}, kept step ${run.earlyStop.keptStep}` : "";
    const distance = run.referenceDistanceLast3 === null ? "" : run.referenceDistanceLast3.toExponential(2);
    return (
      `| ${run.run} | ${run.stepsRun} | ${run.trainingRewardLast3.toFixed(4)} | ${run.motionReward.before.toFixed(4)} -> ${run.motionReward.after.toFixed(4)} | ` +
      `${percent(run.judge.digitAccuracy.before)} -> ${percent(run.judge.digitAccuracy.after)} | ` +
      `${percent(run.judge.directionAccuracy.before)} -> ${percent(run.judge.directionAccuracy.after)} | ${distance} | ${kept} |`
    );
  });
  return [
    `Base (before training, every run): judge prompted digit ${base ? percent(base.digitAccuracy.before) : "?"}, direction ${base ? percent(base.directionAccuracy.before) : "?"} (${base?.samples ?? "?"} videos). After training, mean ± sample std over seeds:`,
    "",
    "| setting | seeds | judge: prompted digit | judge: prompted direction | motion reward (judged videos) |",
    "| --- | --- | --- | --- | --- |",
    ...settings,
    "",
    "| run | steps | training reward (last 3 steps) | motion reward (judged videos) | judge: prompted digit | judge: prompted direction | referenceDistance (last 3 steps) | early stop |",
    "| --- | ---: | ---: | --- | --- | --- | ---: | --- |",
    ...runs,
  ].join("\n");
}
