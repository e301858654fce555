import type { StepMetrics } from "../specs/metrics.js";

export function formatStep(metrics: StepMetrics, totalSteps: number): string {
  const width = String(totalSteps).length;
  const terms = Object.entries(metrics.rewardTerms);
  return [
    `step ${String(metrics.step).padStart(width)}/${totalSteps}`,
    `reward ${metrics.reward.mean.toFixed(4)} ± ${metrics.reward.std.toFixed(4)}`,
    // A composed reward shows each term's own mean: reward hacking hides in a sum.
    ...(terms.length > 1 ? [`(${terms.map(([label, term]) => `${label} ${term.mean.toFixed(4)}`).join(", ")})`] : []),
    `loss ${metrics.loss.toFixed(4)}`,
    `grad-norm ${metrics.gradNorm.toExponential(2)}`,
    `${metrics.seconds.toFixed(2)} s`,
    `${(metrics.peakMemoryBytes / 2 ** 30).toFixed(2)} GiB`,
  ].join("  ");
}
