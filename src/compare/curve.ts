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

/** The trailing mean over up to `window` points (plots.moving_mean in Python draws the same line). */
export function trailingMean(values: number[], window: number): number[] {
  return values.map((_, index) => {
    const slice = values.slice(Math.max(0, index - window + 1), index + 1);
    return slice.reduce((sum, value) => sum + value, 0) / slice.length;
  });
}

/** The window the figures smooth a curve of `points` steps with: an eighth of the run. */
export function smoothingWindow(points: number): number {
  return Math.max(1, Math.floor(points / 8));
}
