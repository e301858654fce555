// The comparison as a Markdown table in the layout of the paper's Table 1: the base and each method
// (at the learning rate its validation samples chose) on train and unseen test prompts, reward and
// judge side by side, mean ± std over seeds, every judge fall flagged; then how it was measured.
import type { ComparisonResults, JudgeFall, MethodSummary, QueriesToMatch, SampleScore, ScoreSpread } from "../specs/comparison-results.js";
import { METHOD_LABELS } from "../trainer/by-method.js";
import { learningRateLabel } from "./learning-rates.js";
import { JUDGE_FALL, JUDGED_TASKS, MEASURE_LABELS, REWARD_RISE, type MeasureFall } from "./summary.js";

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const withSpread = (text: string, spread: string | null) => (spread === null ? text : `${text} ± ${spread}`);

function cells(score: SampleScore | null, spread: ScoreSpread | null = null): string[] {
  if (!score) return ["–", "–", "–"];
  const judge = score.judge;
  return [
    withSpread(score.reward.toFixed(4), spread && spread.reward.toFixed(4)),
    judge ? withSpread(percent(judge.digitAccuracy), spread?.digitAccuracy != null ? percent(spread.digitAccuracy) : null) : "–",
    judge ? withSpread(percent(judge.directionAccuracy), spread?.directionAccuracy != null ? percent(spread.directionAccuracy) : null) : "–",
  ];
}

/** "train prompted digit 77.1% -> 28.3%; ..." (falls of one set of samples have no split to name). */
export function describeFalls(falls: (MeasureFall & { split?: JudgeFall["split"] })[]): string {
  return falls.map((fall) => `${fall.split ? `${fall.split} ` : ""}${MEASURE_LABELS[fall.measure]} ${percent(fall.base)} -> ${percent(fall.trained)}`).join("; ");
}

function verdict(summary: MethodSummary): string {
  const notes: string[] = [];
  if (summary.judgeFalls.length > 0) notes.push(`**judge fell**: ${describeFalls(summary.judgeFalls)}`);
  if (summary.rewardHacking) notes.push("**reward hacking**: the reward rose, the judge's measure of the task did not");
  return notes.join("; ");
}

/** What each method's reward saw per query: the table says so wherever the methods differ. */
function framesSeen(results: ComparisonResults): string {
  const seen = results.methods.map((method) => {
    const run = results.runs.find((entry) => entry.method === method);
    const decode = run?.trainer.decodeFrames as { mode: string; count?: number; indices?: number[] } | undefined;
    // The baselines decode every frame; VADER left unset decodes one random frame unless a reward term needs every frame (trainers/vader.py).
    const what = !decode ? (method === "vader" ? "the frames its reward needs (one random frame for per-frame rewards)" : "all frames") : decode.mode === "all" ? "all frames" : decode.mode === "random" ? `${decode.count ?? 1} random frame(s)` : `frames ${decode.indices?.join(", ")}`;
    return { method, what };
  });
  const kinds = new Set(seen.map((entry) => entry.what));
  if (kinds.size === 1) return `Every method's reward query scores ${[...kinds][0]} of a video.`;
  return `The methods' reward queries score different frames: ${seen.map((entry) => `${METHOD_LABELS[entry.method]} ${entry.what}`).join(", ")}.`;
}

/** "DDPO 64, GRPO not within 256": the queries each other method needed to reach the reference's level. */
export function describeQueriesToMatch(reading: QueriesToMatch, budget: number): string {
  return Object.entries(reading.queries)
    .filter(([method]) => method !== reading.reference)
    .map(([method, queries]) => `${METHOD_LABELS[method as keyof typeof METHOD_LABELS]} ${queries === null ? `not within ${budget}` : queries}`)
    .join(", ");
}

function efficiency(results: ComparisonResults): string[] {
  const reading = results.queriesToMatch;
  if (!reading) return [];
  const own = reading.queries[reading.reference];
  return [
    `Queries to reach ${METHOD_LABELS[reading.reference]}'s final training reward (${reading.level.toFixed(4)}, trailing mean of the seeds' mean curve over an eighth of the run, full windows only; ${METHOD_LABELS[reading.reference]} itself: ${own ?? "–"}): ${describeQueriesToMatch(reading, results.budget)}.`,
  ];
}

/** The comparison as Markdown in the layout of the paper's Table 1 (what table.md holds), with notes on how it was measured. */
export function comparisonTable(results: ComparisonResults): string {
  const header = [
    "| Method | lr | Seeds | Train reward | Train judge: digit | Train judge: direction | Test reward | Test judge: digit | Test judge: direction | Reward queries | CPU s | |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  const base = `| Base | – | – | ${[...cells(results.baseScores.train), ...cells(results.baseScores.test)].join(" | ")} | 0 | 0 | |`;
  const task = results.reward.kind === "named" ? JUDGED_TASKS[results.reward.name] : undefined;
  const rows = results.summary.map((summary) => {
    const spread = summary.seeds > 1;
    const scores = [...cells(summary.final.train, spread ? summary.spread.train : null), ...cells(summary.final.test, spread ? summary.spread.test : null)];
    return `| ${METHOD_LABELS[summary.method]} | ${learningRateLabel(summary.lr)} | ${summary.seeds} | ${scores.join(" | ")} | ${summary.rewardQueries} | ${summary.cpuSeconds.toFixed(1)} | ${verdict(summary)} |`;
  });
  const sweep = Object.entries(results.sweep)
    .map(([method, rates]) => `${METHOD_LABELS[method as keyof typeof METHOD_LABELS]} ${rates.map(learningRateLabel).join(", ")}`)
    .join("; ");
  const evaluation = results.evaluation;
  const validation = results.validation;
  const selectedOnTrain = results.summary.some((summary) => summary.selectedOn === "train");
  return [
    `# Comparison: reward ${results.rewardName}, ${results.budget} reward queries per run`,
    "",
    ...header,
    base,
    ...rows,
    "",
    `Final samples: ${evaluation.samplesPerPrompt} per prompt (${results.prompts.train.length} train, ${results.prompts.test.length} test prompts), seed ${evaluation.seed}, ` +
      `${evaluation.scheduler.name} ${evaluation.scheduler.steps} steps eta ${evaluation.scheduler.eta}, guidance ${evaluation.guidanceScale}; the base and every run on the same prompts and seeds. ` +
      `Scores are the mean ± std over seeds (${results.seeds.join(", ")}) at each method's chosen learning rate; sweep: ${sweep}. ` +
      (selectedOnTrain
        ? "**The learning rate was chosen on the reported train samples** (results written before held-out validation samples existed), which flatters every method's row. "
        : `Each learning rate was chosen on held-out validation samples (${validation?.samplesPerPrompt ?? "?"} per train prompt, seed ${validation?.seed ?? "?"}) of the sweep's first seed; the other seeds ran the chosen rate only. `) +
      `CPU s: Python process CPU time in training steps (mean over seeds).`,
    framesSeen(results),
    `Judge fell: a judge measure (prompted digit, prompted direction) on either split more than ${(JUDGE_FALL * 100).toFixed(0)} percentage points below the base's, whatever the reward did.`,
    task
      ? `Reward hacking: the train reward rose by more than ${REWARD_RISE} over the base while the judge's ${MEASURE_LABELS[task.measure]} accuracy ${task.must === "rise" ? "did not rise" : "fell"}.`
      : "The judge does not measure this reward's task: no reward-hacking verdict.",
    ...(task?.caveat ? [task.caveat] : []),
    ...efficiency(results),
    "",
  ].join("\n");
}
