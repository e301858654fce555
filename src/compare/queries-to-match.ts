// The paper's sample-efficiency reading (its Figure 7): how many reward queries each method needs
// to reach the reference method's (VADER's) final reward. Read from the training curves of each
// method at its chosen learning rate: each step's reward averaged over seeds, then the same
// trailing mean the figures draw; only full windows count, so that one lucky early step (a window
// of one) cannot count as reaching the level.
import type { ComparisonRun, MethodSummary, QueriesToMatch } from "../specs/comparison-results.js";
import type { TrainingMethod } from "../specs/trainers/methods.js";
import { smoothingWindow, trailingMean } from "./curve.js";
import { runsAtChosenRate } from "./summary.js";

interface SmoothedCurve {
  rewardQueries: number[];
  reward: number[];
  /** The first index whose trailing mean spans a whole window. */
  firstFullWindow: number;
}

/** The seeds' curves of one method at one lr, averaged step by step (over the steps every seed reached), then smoothed. */
function smoothedMeanCurve(runs: ComparisonRun[]): SmoothedCurve {
  const steps = Math.min(...runs.map((run) => run.curve.length));
  const first = runs[0];
  if (!first || !Number.isFinite(steps)) return { rewardQueries: [], reward: [], firstFullWindow: 0 };
  const mean = Array.from({ length: steps }, (_, index) => runs.reduce((sum, run) => sum + (run.curve[index]?.rewardMean ?? 0), 0) / runs.length);
  const window = smoothingWindow(steps);
  return { rewardQueries: first.curve.slice(0, steps).map((point) => point.rewardQueries), reward: trailingMean(mean, window), firstFullWindow: window - 1 };
}

/**
 * The reward queries each method needed to reach the reference method's final training reward
 * (the paper's Figure 7 reading), from smoothed seed-mean curves at each chosen learning rate;
 * null for a method that never reached it, and null overall without the reference's curve.
 */
export function queriesToMatch(runs: ComparisonRun[], summary: MethodSummary[], reference: TrainingMethod = "vader"): QueriesToMatch | null {
  const curveOf = (method: TrainingMethod) => {
    const chosen = summary.find((entry) => entry.method === method);
    return chosen ? smoothedMeanCurve(runsAtChosenRate(runs, chosen)) : null;
  };
  const referenceCurve = curveOf(reference);
  const level = referenceCurve?.reward[referenceCurve.reward.length - 1];
  if (level === undefined) return null;
  const queries: QueriesToMatch["queries"] = {};
  for (const { method } of summary) {
    const curve = curveOf(method);
    if (!curve) continue;
    const index = curve.reward.findIndex((value, step) => step >= curve.firstFullWindow && value >= level);
    queries[method] = index < 0 ? null : (curve.rewardQueries[index] ?? null);
  }
  return { reference, level, queries };
}
