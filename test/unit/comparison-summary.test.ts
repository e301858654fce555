// The comparison's bookkeeping without a bridge: the learning-rate sweep, the choice of each
// method's best rate, the reward-hacking verdict, the Table 1 layout and the config's refusals.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compare } from "../../src/compare/compare.js";
import { learningRateLabel, learningRateSweep } from "../../src/compare/learning-rates.js";
import { rewardHacked, summarize } from "../../src/compare/summary.js";
import { comparisonTable } from "../../src/compare/table.js";
import type { Model } from "../../src/model/model.js";
import { Reward } from "../../src/reward/reward.js";
import { COMPARISON_RESULTS_VERSION, ComparisonResults, type ComparisonRun, type SampleScore } from "../../src/specs/comparison-results.js";
import { ConfigError } from "../../src/errors.js";
import { COMPARISON_TRAINER_DEFAULTS, QUERIES_PER_STEP } from "../../src/compare/trainer-defaults.js";
import { TRAINING_METHODS } from "../../src/specs/trainers/methods.js";
import { methodConfig, queriesPerStep } from "../../src/trainer/by-method.js";

const judged = (reward: number, digitAccuracy: number, directionAccuracy = 0.5): SampleScore => ({ reward, judge: { samples: 8, digitAccuracy, directionAccuracy } });
const digit = Reward.named("digit").spec;

function run(method: ComparisonRun["method"], lr: number, seed: number, train: SampleScore): ComparisonRun {
  return {
    method,
    lr,
    seed,
    adapter: `${method}-lr0-seed${seed}`,
    runDirectory: `runs/${method}-lr${learningRateLabel(lr)}-seed${seed}`,
    steps: 2,
    rewardQueries: 8,
    trainer: { lr },
    curve: [
      { step: 1, rewardQueries: 4, cpuSeconds: 1, wallSeconds: 1, rewardMean: 0.1, rewardStd: 0 },
      { step: 2, rewardQueries: 8, cpuSeconds: 2, wallSeconds: 2, rewardMean: 0.2, rewardStd: 0 },
    ],
    final: { train, test: train },
  };
}

describe("learning-rate sweep", () => {
  it("is the base rate, then ten times it, then a tenth, without float noise", () => {
    expect(learningRateSweep(3e-3, 3)).toEqual([3e-3, 3e-2, 3e-4]);
    expect(learningRateSweep(2e-4, 1)).toEqual([2e-4]);
    expect(learningRateLabel(3e-2)).toBe("3e-2");
    expect(() => learningRateSweep(1e-3, 4)).toThrow(/count must be 1 to 3 \(got 4\)/);
  });
});

describe("reward hacking", () => {
  const base = judged(0.4, 0.5, 0.5);
  it("is a reward that rises while the judge's measure of the task does not", () => {
    expect(rewardHacked(digit, base, judged(0.8, 0.3))).toBe(true);
    expect(rewardHacked(digit, base, judged(0.8, 0.5))).toBe(true);
    expect(rewardHacked(digit, base, judged(0.8, 0.7))).toBe(false);
    expect(rewardHacked(digit, base, judged(0.405, 0.1))).toBe(false); // the reward did not rise
    expect(rewardHacked(Reward.named("motion").spec, base, judged(0.8, 0.9, 0.4))).toBe(true); // motion is judged by direction
  });

  it("for removal, is the prompted digit vanishing with the named one", () => {
    const removal = Reward.named("removal", { digit: 9 }).spec;
    expect(rewardHacked(removal, base, judged(0.8, 0.2))).toBe(true);
    expect(rewardHacked(removal, base, judged(0.8, 0.5))).toBe(false);
  });

  it("has no verdict without the judge or for a reward it does not measure", () => {
    expect(rewardHacked(Reward.named("brightness").spec, base, judged(0.8, 0.1))).toBeNull();
    expect(rewardHacked(digit, base, { reward: 0.8, judge: null })).toBeNull();
  });
});

describe("summary and table", () => {
  const base = { train: judged(0.4, 0.5), test: judged(0.4, 0.5) };
  const runs = [
    run("vader", 1e-3, 0, judged(0.6, 0.7)),
    run("vader", 1e-3, 1, judged(0.8, 0.9)),
    run("vader", 1e-2, 0, judged(0.75, 0.2)),
    run("vader", 1e-2, 1, judged(0.6, 0.2)),
    run("ddpo", 3e-4, 0, judged(0.9, 0.1)),
  ];

  it("picks each method's rate by its mean final train reward over seeds and averages its scores", () => {
    const [vader, ddpo] = summarize(["vader", "ddpo"], runs, base, digit);
    expect(vader).toMatchObject({ method: "vader", lr: 1e-3, rewardQueries: 8, cpuSeconds: 2, rewardHacking: false });
    expect(vader?.final.train.reward).toBeCloseTo(0.7);
    expect(vader?.final.train.judge?.digitAccuracy).toBeCloseTo(0.8);
    expect(vader?.final.train.judge?.samples).toBe(16);
    expect(ddpo).toMatchObject({ method: "ddpo", lr: 3e-4, rewardHacking: true });
  });

  it("lays out base and methods on train and test prompts, reward beside judge, and flags hacking", () => {
    const summary = summarize(["vader", "ddpo"], runs, base, digit);
    const results = ComparisonResults.parse({
      version: COMPARISON_RESULTS_VERSION,
      createdAt: "2026-11-26T00:00:00.000Z",
      reward: digit,
      rewardName: "digit",
      base: { model: { family: "text-to-video" }, fingerprint: "abc" },
      methods: ["vader", "ddpo"],
      budget: 8,
      seeds: [0, 1],
      sweep: { vader: [1e-3, 1e-2], ddpo: [3e-4] },
      prompts: { train: ["digit 7 moving left"], test: ["digit 1 moving right"] },
      evaluation: { samplesPerPrompt: 2, seed: 4321, scheduler: { name: "ddim", steps: 20, eta: 0 }, guidanceScale: 3, judge: true },
      baseScores: base,
      runs,
      summary,
      files: { table: "table.md", plot: "curves.png" },
    });
    const table = comparisonTable(results);
    expect(table).toContain("| Base | – | 0.4000 | 50.0% | 50.0% | 0.4000 | 50.0% | 50.0% | 0 | 0 | |");
    expect(table).toMatch(/^\| VADER \| 1e-3 \| 0\.7000 \| 80\.0% \| 50\.0% \| 0\.7000 \| 80\.0% \| 50\.0% \| 8 \| 2\.0 \| {2}\|$/m);
    expect(table).toMatch(/^\| DDPO \| 3e-4 \| 0\.9000 \| 10\.0% .*\*\*reward hacking\*\*/m);
    expect(table).toContain("sweep: VADER 1e-3, 1e-2; DDPO 3e-4");

    // For removal the judge sees the prompted digit, not the named one: the flag says what it saw.
    const removal = Reward.named("removal", { digit: 2 }).spec;
    const removalTable = comparisonTable({ ...results, reward: removal, rewardName: "removal", summary: summarize(["vader", "ddpo"], runs, base, removal) });
    expect(removalTable).toMatch(/^\| DDPO \| 3e-4 \| .*\*\*judge fell\*\*: the reward rose, the prompted digit fell \|$/m);
    expect(removalTable).not.toContain("**reward hacking**");
  });
});

describe("the comparison's trainer defaults", () => {
  it.each(TRAINING_METHODS)("%s spends QUERIES_PER_STEP reward queries a step", (method) => {
    expect(queriesPerStep(method, methodConfig(method, COMPARISON_TRAINER_DEFAULTS[method]))).toBe(QUERIES_PER_STEP);
  });
});

describe("comparison config", () => {
  const fakeModel = {} as Model; // compare checks its config before it touches the model
  const out = () => join(mkdtempSync(join(tmpdir(), "vader-compare-config-")), "out");

  it("refuses a budget below one step of a method, naming the minimum", async () => {
    const refusal = compare(fakeModel, Reward.named("brightness"), { budget: 3, trainPrompts: ["a cat"], out: out() });
    await expect(refusal).rejects.toBeInstanceOf(ConfigError);
    await expect(refusal).rejects.toThrow(/budget must cover one step of every method \(got 3 reward queries; one VADER step scores 4 videos\); raise the budget to at least 4/);
  });

  it("refuses a sweep for a method that does not run, and another method's trainer options", async () => {
    await expect(compare(fakeModel, Reward.named("brightness"), { methods: ["vader"], learningRates: { ddpo: [1e-3] }, trainPrompts: ["a cat"], out: out() })).rejects.toThrow(
      /learningRates\.ddpo is a sweep for ddpo, which is not in methods \(vader\)/,
    );
    await expect(compare(fakeModel, Reward.named("brightness"), { methods: ["ddpo"], trainer: { ddpo: { truncation: { k: 1 } } }, trainPrompts: ["a cat"], out: out() })).rejects.toThrow(
      /Invalid comparison trainer config of ddpo \(trainer\.ddpo\):\n {2}- \(root\): Unrecognized key: "truncation"/,
    );
  });
});
