// A run's training curve: each step's reward against the reward queries, CPU and wall seconds spent so far.
import type { CurvePoint } from "../specs/comparison-results.js";
import type { StepMetrics } from "../specs/metrics.js";

export function curveOf(history: StepMetrics[]): CurvePoint[] {
  let cpuSeconds = 0;
  let wallSeconds = 0;
  return history.map((metrics) => {
    cpuSeconds += metrics.cpuSeconds;
    wallSeconds += metrics.seconds;
    return {
      step: metrics.step,
      rewardQueries: metrics.rewardQueries,
      cpuSeconds,
      wallSeconds,
      rewardMean: metrics.reward.mean,
      rewardStd: metrics.reward.std,
    };
  });
}
