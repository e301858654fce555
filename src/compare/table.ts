// The comparison as a Markdown table in the layout of the paper's Table 1: the base and each method
// (at its best learning rate) on train and unseen test prompts, reward and judge side by side.
import type { ComparisonResults, SampleScore } from "../specs/comparison-results.js";
import { METHOD_LABELS } from "../trainer/by-method.js";
import { learningRateLabel } from "./learning-rates.js";
import { JUDGED_TASKS, REWARD_RISE } from "./summary.js";

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

function cells(score: SampleScore | null): string[] {
  if (!score) return ["–", "–", "–"];
  return [score.reward.toFixed(4), score.judge ? percent(score.judge.digitAccuracy) : "–", score.judge ? percent(score.judge.directionAccuracy) : "–"];
}

export function comparisonTable(results: ComparisonResults): string {
  const header = [
    "| Method | lr | Train reward | Train judge: digit | Train judge: direction | Test reward | Test judge: digit | Test judge: direction | Reward queries | CPU s | |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  const base = `| Base | – | ${[...cells(results.baseScores.train), ...cells(results.baseScores.test)].join(" | ")} | 0 | 0 | |`;
  const task = results.reward.kind === "named" ? JUDGED_TASKS[results.reward.name] : undefined;
  // For removal the judge cannot see the named digit's absence, only whether the prompted digit survived.
  const flag = task?.must === "hold" ? "**judge fell**: the reward rose, the prompted digit fell" : "**reward hacking**: the reward rose, the judge did not";
  const rows = results.summary.map((summary) => {
    const note = summary.rewardHacking ? flag : "";
    return `| ${METHOD_LABELS[summary.method]} | ${learningRateLabel(summary.lr)} | ${[...cells(summary.final.train), ...cells(summary.final.test)].join(" | ")} | ${summary.rewardQueries} | ${summary.cpuSeconds.toFixed(1)} | ${note} |`;
  });
  const sweep = Object.entries(results.sweep)
    .map(([method, rates]) => `${METHOD_LABELS[method as keyof typeof METHOD_LABELS]} ${rates.map(learningRateLabel).join(", ")}`)
    .join("; ");
  const evaluation = results.evaluation;
  return [
    `# Comparison: reward ${results.rewardName}, ${results.budget} reward queries per run`,
    "",
    ...header,
    base,
    ...rows,
    "",
    `Final samples: ${evaluation.samplesPerPrompt} per prompt (${results.prompts.train.length} train, ${results.prompts.test.length} test prompts), seed ${evaluation.seed}, ` +
      `${evaluation.scheduler.name} ${evaluation.scheduler.steps} steps eta ${evaluation.scheduler.eta}, guidance ${evaluation.guidanceScale}. ` +
      `Each method at the learning rate with the best final train reward (mean over seeds ${results.seeds.join(", ")}); sweep: ${sweep}. ` +
      `CPU s: Python process CPU time in training steps (mean over seeds).`,
    task
      ? `Reward hacking: the train reward rose by more than ${REWARD_RISE} over the base while the judge's ${task.measure === "digitAccuracy" ? "digit" : "direction"} accuracy ${task.must === "rise" ? "did not rise" : "fell"}.`
      : "The judge does not measure this reward's task: no reward-hacking verdict.",
    "",
  ].join("\n");
}
