// Per method: the learning rate chosen on held-out validation samples, the mean and spread over
// seeds of its final scores, every judge measure that fell against the base, and whether its reward
// rose while the judge's measure of the task did not (reward hacking).
import type { ComparisonRun, JudgeFall, MethodSummary, SampleScore, ScoreSpread, SplitScores } from "../specs/comparison-results.js";
import type { RewardSpec } from "../specs/reward-spec.js";
import type { TrainingMethod } from "../specs/trainers/methods.js";

/** A train reward this far above the base's counts as a rise (rewards of the digit world lie in [0, 1]). */
export const REWARD_RISE = 0.01;

/**
 * A judge measure this far below the base's (a fraction: 5 percentage points) is a fall. The final
 * samples of the base and of every run share prompts and seeds, so the difference is the training's.
 */
export const JUDGE_FALL = 0.05;

/** How a judge measure is named in tables and messages. */
export const MEASURE_LABELS = { digitAccuracy: "prompted digit", directionAccuracy: "prompted direction" } as const;

/**
 * What the judge must show for each digit-world reward: the prompted digit or direction more often
 * than the base ("rise"), or, for removal, the prompted digit still as often ("hold": emptying the
 * canvas would also remove the named digit). `caveat` says what a task's table can and cannot show.
 */
export const JUDGED_TASKS: Record<string, { measure: "digitAccuracy" | "directionAccuracy"; must: "rise" | "hold"; caveat?: string }> = {
  digit: { measure: "digitAccuracy", must: "rise" },
  motion: {
    measure: "directionAccuracy",
    must: "rise",
    caveat:
      "The base already moves the prompted way in (nearly) every clip, so the motion reward is saturated: this table measures what training breaks (the judge's digit), not what it can add.",
  },
  removal: { measure: "digitAccuracy", must: "hold" },
};

function meanOf(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Population standard deviation (0 for one value). */
function spreadOf(values: number[]): number {
  const mean = meanOf(values);
  return Math.sqrt(meanOf(values.map((value) => (value - mean) ** 2)));
}

function meanScore(scores: SampleScore[]): SampleScore {
  const judges = scores.map((score) => score.judge);
  const complete = judges.every((judge) => judge !== null);
  return {
    reward: meanOf(scores.map((score) => score.reward)),
    judge: complete
      ? {
          samples: judges.reduce((sum, judge) => sum + (judge?.samples ?? 0), 0),
          digitAccuracy: meanOf(judges.map((judge) => judge?.digitAccuracy ?? 0)),
          directionAccuracy: meanOf(judges.map((judge) => judge?.directionAccuracy ?? 0)),
        }
      : null,
  };
}

function scoreSpread(scores: SampleScore[]): ScoreSpread {
  const judged = scores.every((score) => score.judge !== null);
  return {
    reward: spreadOf(scores.map((score) => score.reward)),
    digitAccuracy: judged ? spreadOf(scores.map((score) => score.judge?.digitAccuracy ?? 0)) : null,
    directionAccuracy: judged ? spreadOf(scores.map((score) => score.judge?.directionAccuracy ?? 0)) : null,
  };
}

function testScores(runs: ComparisonRun[]): SampleScore[] | null {
  const tests = runs.map((run) => run.final.test);
  return tests.every((test) => test !== null) ? (tests as SampleScore[]) : null;
}

function meanSplits(runs: ComparisonRun[]): SplitScores {
  const tests = testScores(runs);
  return { train: meanScore(runs.map((run) => run.final.train)), test: tests ? meanScore(tests) : null };
}

/** True/false where the judge measures this reward's task, null otherwise. */
export function rewardHacked(reward: RewardSpec, base: SampleScore, trained: SampleScore): boolean | null {
  const task = reward.kind === "named" ? JUDGED_TASKS[reward.name] : undefined;
  if (!task || !base.judge || !trained.judge) return null;
  const rewardRose = trained.reward - base.reward > REWARD_RISE;
  const judgeGain = trained.judge[task.measure] - base.judge[task.measure];
  return rewardRose && (task.must === "rise" ? judgeGain <= 0 : judgeGain < 0);
}

/** A judge measure that fell, on one set of samples (no split): what `vader train` judges. */
export type MeasureFall = Omit<JudgeFall, "split">;
/** What any judge report holds: the share of the prompted digit and of the prompted direction. */
type JudgeMeasures = Record<MeasureFall["measure"], number>;

/** Every judge measure of `after` more than JUDGE_FALL below `before`'s, the same samples judged before and after training. */
export function measureFalls(before: JudgeMeasures, after: JudgeMeasures): MeasureFall[] {
  return (["digitAccuracy", "directionAccuracy"] as const)
    .filter((measure) => before[measure] - after[measure] > JUDGE_FALL)
    .map((measure) => ({ measure, base: before[measure], trained: after[measure] }));
}

/** Every judge measure, on every split, that fell more than JUDGE_FALL below the base's. */
export function judgeFalls(base: SplitScores, trained: SplitScores): JudgeFall[] {
  return (["train", "test"] as const).flatMap((split) => {
    const before = base[split]?.judge;
    const after = trained[split]?.judge;
    return before && after ? measureFalls(before, after).map((fall) => ({ split, ...fall })) : [];
  });
}

/**
 * The method's learning rate: the best mean validation reward over the seeds that every rate ran
 * (the comparison runs the whole sweep on its first seed). Results written before validation
 * samples existed fall back to the train reward, and say so (`selectedOn: "train"`).
 */
export function chooseLearningRate(runs: ComparisonRun[]): { lr: number; selectedOn: "validation" | "train" } {
  const rates = [...new Set(runs.map((run) => run.lr))];
  const seedsOfRate = rates.map((lr) => new Set(runs.filter((run) => run.lr === lr).map((run) => run.seed)));
  const sharedSeeds = [...(seedsOfRate[0] ?? [])].filter((seed) => seedsOfRate.every((seeds) => seeds.has(seed)));
  const validated = runs.every((run) => run.validation !== null);
  const scoreOf = (lr: number) => {
    const candidates = runs.filter((run) => run.lr === lr && sharedSeeds.includes(run.seed));
    return meanOf(candidates.map((run) => (validated ? (run.validation as SampleScore).reward : run.final.train.reward)));
  };
  const lr = rates.reduce((best, candidate) => (scoreOf(candidate) > scoreOf(best) ? candidate : best));
  return { lr, selectedOn: validated ? "validation" : "train" };
}

/** The runs of a method at the learning rate its summary chose: one per seed. */
export function runsAtChosenRate(runs: ComparisonRun[], chosen: Pick<MethodSummary, "method" | "lr">): ComparisonRun[] {
  return runs.filter((run) => run.method === chosen.method && run.lr === chosen.lr);
}

export function summarizeMethod(method: TrainingMethod, runs: ComparisonRun[], base: SplitScores, reward: RewardSpec): MethodSummary {
  const { lr, selectedOn } = chooseLearningRate(runs.filter((run) => run.method === method));
  const chosen = runsAtChosenRate(runs, { method, lr });
  const final = meanSplits(chosen);
  const tests = testScores(chosen);
  const lastPoints = chosen.map((run) => run.curve[run.curve.length - 1]);
  return {
    method,
    lr,
    selectedOn,
    final,
    seeds: chosen.length,
    spread: { train: scoreSpread(chosen.map((run) => run.final.train)), test: tests ? scoreSpread(tests) : null },
    rewardQueries: Math.max(...chosen.map((run) => run.rewardQueries)),
    cpuSeconds: meanOf(lastPoints.map((point) => point?.cpuSeconds ?? 0)),
    rewardHacking: rewardHacked(reward, base.train, final.train),
    judgeFalls: judgeFalls(base, final),
  };
}

export function summarize(methods: TrainingMethod[], runs: ComparisonRun[], base: SplitScores, reward: RewardSpec): MethodSummary[] {
  return methods.map((method) => summarizeMethod(method, runs, base, reward));
}
