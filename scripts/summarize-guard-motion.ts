// Reads the guard-motion runs (docs/results/guard-motion/runs/<setting>-seed<N>/) and writes
// results.json: each run's judge and rewards before and after, its drift from the base and early
// stop, then each setting's mean and spread over its seeds (sample std, n - 1; 0 with one seed).
//   npx tsx scripts/summarize-guard-motion.ts [docs/results/guard-motion]
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const folder = process.argv[2] ?? "docs/results/guard-motion";
const runsFolder = join(folder, "runs");
const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));
const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const spread = (values: number[]) => (values.length < 2 ? 0 : Math.sqrt(values.reduce((sum, value) => sum + (value - mean(values)) ** 2, 0) / (values.length - 1)));

// Unguarded first, then the guards by name; seeds in order.
const order = (setting: string) => (setting === "unguarded" ? "" : setting);

const runs = readdirSync(runsFolder)
  .filter((name) => existsSync(join(runsFolder, name, "evaluation.json")))
  .sort()
  .map((name) => {
    const directory = join(runsFolder, name);
    const [, setting, seed] = /^(.*)-seed(\d+)$/.exec(name) ?? [name, name, "0"];
    const { before, after } = readJson(join(directory, "evaluation.json"));
    const metrics = readFileSync(join(directory, "metrics.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
    const last = metrics.slice(-3);
    const distances = metrics.map((step) => step.details.referenceDistance).filter((value) => value !== undefined);
    const earlyStop = existsSync(join(directory, "early-stop.json")) ? readJson(join(directory, "early-stop.json")) : null;
    return {
      run: name,
      setting,
      seed: Number(seed),
      referencePenalty: readJson(join(directory, "config.json")).trainer.referencePenalty ?? null,
      stepsRun: metrics.length,
      trainingRewardLast3: mean(last.map((step) => step.reward.mean)),
      referenceDistanceLast3: distances.length ? mean(distances.slice(-3)) : null,
      referenceDistanceMax: distances.length ? Math.max(...distances) : null,
      judge: {
        samples: after.samples,
        digitAccuracy: { before: before.digitAccuracy, after: after.digitAccuracy },
        directionAccuracy: { before: before.directionAccuracy, after: after.directionAccuracy },
      },
      motionReward: { before: before.rewards.motion, after: after.rewards.motion },
      earlyStop,
    };
  })
  .sort((a, b) => order(a.setting).localeCompare(order(b.setting)) || a.seed - b.seed);

const settings = [...new Set(runs.map((run) => run.setting))].map((setting) => {
  const mine = runs.filter((run) => run.setting === setting);
  const summary = (values: number[]) => ({ mean: mean(values), std: spread(values), values });
  return {
    setting,
    seeds: mine.map((run) => run.seed),
    judgeDigitAfter: summary(mine.map((run) => run.judge.digitAccuracy.after)),
    judgeDirectionAfter: summary(mine.map((run) => run.judge.directionAccuracy.after)),
    motionRewardAfter: summary(mine.map((run) => run.motionReward.after)),
  };
});

writeFileSync(join(folder, "results.json"), `${JSON.stringify({ spread: "sample std over seeds (n - 1)", settings, runs }, null, 2)}\n`);
for (const setting of settings) {
  const percent = (value: { mean: number; std: number }) => `${(value.mean * 100).toFixed(1)}% ± ${(value.std * 100).toFixed(1)}%`;
  console.log(`${setting.setting} (seeds ${setting.seeds.join(", ")}): judge digit ${percent(setting.judgeDigitAfter)}, direction ${percent(setting.judgeDirectionAfter)}, motion ${setting.motionRewardAfter.mean.toFixed(4)}`);
}
