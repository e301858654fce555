// The comparison's bookkeeping without a bridge: the learning-rate sweep, the choice of each
// method's rate on validation samples, the judge-fall and reward-hacking verdicts, the spread over
// seeds, the queries-to-match reading, the Table 1 layout and the config's refusals.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compare } from "../../src/compare/compare.js";
import { learningRateLabel, learningRateSweep } from "../../src/compare/learning-rates.js";
import { queriesToMatch } from "../../src/compare/queries-to-match.js";
import { judgeFalls, rewardHacked, summarize } from "../../src/compare/summary.js";
import { comparisonTable } from "../../src/compare/table.js";
import type { Model } from "../../src/model/model.js";
import { Reward } from "../../src/reward/reward.js";
import { COMPARISON_RESULTS_VERSION, ComparisonResults, type ComparisonRun, type SampleScore } from "../../src/specs/comparison-results.js";
import { ConfigError } from "../../src/errors.js";
import { TRAINING_METHODS } from "../../src/specs/trainers/methods.js";
import { COMPARISON_QUERIES_PER_STEP } from "../../src/specs/trainers/trainer-spec.js";
import { comparisonDefaults, methodConfig, queriesPerStep } from "../../src/trainer/by-method.js";

const judged = (reward: number, digitAccuracy: number, directionAccuracy = 0.5): SampleScore => ({ reward, judge: { samples: 8, digitAccuracy, directionAccuracy } });
const digit = Reward.named("digit").spec;

function run(method: ComparisonRun["method"], lr: number, seed: number, train: SampleScore, validation: number | null = train.reward, curve = [0.1, 0.2]): ComparisonRun {
  return {
    method,
    lr,
    seed,
    adapter: `${method}-lr0-seed${seed}`,
    runDirectory: `runs/${method}-lr${learningRateLabel(lr)}-seed${seed}`,
    steps: 2,
    rewardQueries: 8,
    trainer: method === "vader" ? { lr, decodeFrames: { mode: "all" } } : { lr }, // as compare records VADER (its comparisonDefaults)
    curve: curve.map((rewardMean, index) => ({ step: index + 1, rewardQueries: 4 * (index + 1), cpuSeconds: index + 1, wallSeconds: index + 1, rewardMean, rewardStd: 0 })),
    final: { train, test: train },
    validation: validation === null ? null : { reward: validation, judge: null },
    peakMemoryBytes: 1e9,
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

describe("judge falls", () => {
  const base = { train: judged(0.4, 0.8, 1), test: judged(0.4, 0.8, 1) };
  it("flags every measure on every split that fell by more than 5 points, whatever the reward did", () => {
    expect(judgeFalls(base, { train: judged(0.4, 0.28, 1), test: judged(0.4, 0.76, 0.9) })).toEqual([
      { split: "train", measure: "digitAccuracy", base: 0.8, trained: 0.28 },
      { split: "test", measure: "directionAccuracy", base: 1, trained: 0.9 },
    ]);
    expect(judgeFalls(base, { train: judged(0.9, 0.78, 0.99), test: null })).toEqual([]);
    expect(judgeFalls(base, { train: { reward: 0.9, judge: null }, test: null })).toEqual([]);
  });
});

describe("summary and table", () => {
  const base = { train: judged(0.4, 0.5), test: judged(0.4, 0.5) };
  const runs = [
    // lr 1e-2 has the better train reward on seed 0, but the validation samples choose 1e-3.
    run("vader", 1e-3, 0, judged(0.6, 0.7), 0.7, [0.1, 0.5, 0.6, 0.7]),
    run("vader", 1e-2, 0, judged(0.75, 0.2), 0.5, [0.1, 0.5, 0.6, 0.7]),
    run("vader", 1e-3, 1, judged(0.8, 0.9), 0.6, [0.1, 0.5, 0.6, 0.7]),
    run("ddpo", 3e-4, 0, judged(0.9, 0.1), 0.9, [0.1, 0.2, 0.4, 0.8]),
    run("ddpo", 3e-4, 1, judged(0.9, 0.1), 0.9, [0.1, 0.2, 0.4, 0.6]),
  ];

  it("picks each method's rate on validation samples and averages its seeds, with their spread", () => {
    const [vader, ddpo] = summarize(["vader", "ddpo"], runs, base, digit);
    expect(vader).toMatchObject({ method: "vader", lr: 1e-3, selectedOn: "validation", seeds: 2, rewardQueries: 8, cpuSeconds: 4, rewardHacking: false, judgeFalls: [] });
    expect(vader?.final.train.reward).toBeCloseTo(0.7);
    expect(vader?.spread.train.reward).toBeCloseTo(0.1);
    expect(vader?.spread.train.digitAccuracy).toBeCloseTo(0.1);
    expect(vader?.final.train.judge?.digitAccuracy).toBeCloseTo(0.8);
    expect(vader?.final.train.judge?.samples).toBe(16);
    expect(ddpo).toMatchObject({ method: "ddpo", lr: 3e-4, rewardHacking: true });
    expect(ddpo?.judgeFalls.map((fall) => `${fall.split} ${fall.measure}`)).toEqual(["train digitAccuracy", "test digitAccuracy"]);
  });

  it("falls back to the train reward, and says so, for results without validation samples", () => {
    const legacy = runs.map((entry) => ({ ...entry, validation: null }));
    expect(summarize(["vader"], legacy, base, digit)[0]).toMatchObject({ lr: 1e-2, selectedOn: "train" });
  });

  it("reads how many queries each method needs to reach VADER's final training reward", () => {
    const summary = summarize(["vader", "ddpo"], runs, base, digit);
    // Windows of 4 // 8 = 1 step: VADER ends at 0.7; DDPO's seed mean is 0.1, 0.2, 0.4, 0.7.
    expect(queriesToMatch(runs, summary)).toEqual({ reference: "vader", level: 0.7, queries: { vader: 16, ddpo: 16 } });
    const slower = runs.map((entry) => (entry.method === "ddpo" ? { ...entry, curve: entry.curve.map((point) => ({ ...point, rewardMean: 0.3 })) } : entry));
    expect(queriesToMatch(slower, summary)?.queries.ddpo).toBeNull();
  });

  it("counts full trailing windows only, so a lucky first step does not reach the level", () => {
    // 16 steps: windows of 2. VADER climbs to 0.8; DDPO's first step scores 0.9 by luck, then stays at 0.2.
    const vaderCurve = Array.from({ length: 16 }, (_, index) => Math.min(0.8, 0.1 * (index + 1)));
    const luckyCurve = [0.9, ...Array.from({ length: 15 }, () => 0.2)];
    const longRuns = [
      run("vader", 1e-2, 0, judged(0.8, 0.8), 0.8, vaderCurve),
      run("ddpo", 3e-4, 0, judged(0.2, 0.5), 0.2, luckyCurve),
    ];
    const reading = queriesToMatch(longRuns, summarize(["vader", "ddpo"], longRuns, base, digit));
    expect(reading?.queries).toEqual({ vader: 36, ddpo: null }); // VADER's window first averages 0.8 at step 9 (36 queries)
  });

  it("lays out base and methods on train and test prompts, mean ± std over seeds, and flags each fall", () => {
    const summary = summarize(["vader", "ddpo"], runs, base, digit);
    const results = ComparisonResults.parse({
      version: COMPARISON_RESULTS_VERSION,
      createdAt: "2026-11-26T00:00:00.000Z",
      reward: digit,
      rewardName: "digit",
      base: { model: { family: "text-to-video" }, fingerprint: "abc" },
      methods: ["vader", "ddpo"],
      budget: 16,
      seeds: [0, 1],
      sweep: { vader: [1e-3, 1e-2], ddpo: [3e-4] },
      prompts: { train: ["digit 7 moving left"], test: ["digit 1 moving right"] },
      evaluation: { samplesPerPrompt: 2, seed: 4321, scheduler: { name: "ddim", steps: 20, eta: 0 }, guidanceScale: 3, judge: true },
      validation: { samplesPerPrompt: 1, seed: 8765 },
      baseScores: base,
      runs,
      summary,
      queriesToMatch: queriesToMatch(runs, summary),
      files: { table: "table.md", plot: "curves.png" },
    });
    const table = comparisonTable(results);
    expect(table).toContain("| Base | – | – | 0.4000 | 50.0% | 50.0% | 0.4000 | 50.0% | 50.0% | 0 | 0 | |");
    expect(table).toMatch(/^\| VADER \| 1e-3 \| 2 \| 0\.7000 ± 0\.1000 \| 80\.0% ± 10\.0% \| 50\.0% ± 0\.0% \| .* \| 8 \| 4\.0 \| {2}\|$/m);
    expect(table).toMatch(/^\| DDPO \| 3e-4 \| 2 \| 0\.9000 ± 0\.0000 \| 10\.0% .*\*\*judge fell\*\*: train prompted digit 50\.0% -> 10\.0%; test prompted digit 50\.0% -> 10\.0%; \*\*reward hacking\*\*/m);
    expect(table).toContain("sweep: VADER 1e-3, 1e-2; DDPO 3e-4");
    expect(table).toContain("chosen on held-out validation samples (1 per train prompt, seed 8765)");
    expect(table).toContain("Every method's reward query scores all frames of a video.");
    expect(table).toContain("Queries to reach VADER's final training reward (0.7000");

    // For removal the judge sees the prompted digit, not the named one: a fall is what it can show.
    const removal = Reward.named("removal", { digit: 2 }).spec;
    const removalTable = comparisonTable({ ...results, reward: removal, rewardName: "removal", summary: summarize(["vader", "ddpo"], runs, base, removal) });
    expect(removalTable).toMatch(/^\| DDPO \| 3e-4 \| .*\*\*judge fell\*\*: train prompted digit/m);

    // A saturated task is labelled for what it shows; differing frames per query are stated.
    const motion = Reward.named("motion").spec;
    const vaderOneFrame = runs.map((entry) => (entry.method === "vader" ? { ...entry, trainer: { ...entry.trainer, decodeFrames: { mode: "random", count: 1 } } } : entry));
    const motionTable = comparisonTable({ ...results, runs: vaderOneFrame, reward: motion, rewardName: "motion", summary: summarize(["vader", "ddpo"], runs, base, motion) });
    expect(motionTable).toContain("this table measures what training breaks");
    expect(motionTable).toContain("The methods' reward queries score different frames: VADER 1 random frame(s), DDPO all frames.");
  });
});

describe("the comparison's trainer defaults", () => {
  it.each(TRAINING_METHODS)("%s spends COMPARISON_QUERIES_PER_STEP reward queries a step", (method) => {
    expect(queriesPerStep(method, methodConfig(method, comparisonDefaults(method)))).toBe(COMPARISON_QUERIES_PER_STEP);
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

  it("refuses validation samples drawn with the evaluation's seed", async () => {
    await expect(compare(fakeModel, Reward.named("brightness"), { trainPrompts: ["a cat"], validation: { seed: 4321 }, out: out() })).rejects.toThrow(
      /validation\.seed must differ from evaluation\.seed \(both 4321\)/,
    );
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
