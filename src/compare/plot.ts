// The comparison figures as PNG, drawn in Python with matplotlib (bridge methods plot.comparison and
// plot.finalBySize): training curves of each method at its chosen learning rate (the mean over
// seeds, with a band from the lowest to the highest seed),
// one column per reward (the paper's Figure 7); and each method's final reward against the frame
// size (the paper's Figure 4).
import type { ComparisonResults } from "../specs/comparison-results.js";
import type { BridgeClient } from "../transport/bridge-client.js";
import { METHOD_LABELS } from "../trainer/by-method.js";
import { learningRateLabel } from "./learning-rates.js";
import { runsAtChosenRate } from "./summary.js";

/** A line per method at its chosen learning rate: the seeds' curves step by step (the figure draws their mean and a band). */
function curvePanel(results: ComparisonResults) {
  const series = results.summary.flatMap((summary) => {
    const runs = runsAtChosenRate(results.runs, summary);
    const steps = Math.min(...runs.map((run) => run.curve.length));
    if (runs.length === 0 || !Number.isFinite(steps)) return [];
    const meanOver = (value: (index: number, run: (typeof runs)[number]) => number) =>
      Array.from({ length: steps }, (_, index) => runs.reduce((sum, run) => sum + value(index, run), 0) / runs.length);
    return [
      {
        label: `${METHOD_LABELS[summary.method]} lr ${learningRateLabel(summary.lr)}, ${runs.length} seed${runs.length > 1 ? "s" : ""}`,
        group: summary.method,
        rewardQueries: runs[0]?.curve.slice(0, steps).map((point) => point.rewardQueries) ?? [],
        cpuSeconds: meanOver((index, run) => run.curve[index]?.cpuSeconds ?? 0),
        rewardMeanBySeed: runs.map((run) => run.curve.slice(0, steps).map((point) => point.rewardMean)),
      },
    ];
  });
  return { title: `reward ${results.rewardName}`, series };
}

/** Training curves of one comparison, or of several (one column each, e.g. the world's three rewards). */
export async function plotComparison(bridge: BridgeClient, results: ComparisonResults | ComparisonResults[], path: string): Promise<string> {
  const all = Array.isArray(results) ? results : [results];
  const title = "each method at its chosen learning rate (mean over seeds, band: lowest to highest seed)";
  return (await bridge.call("plot.comparison", { path, title, panels: all.map(curvePanel) })).path;
}

/** One comparison of one reward at one generated frame size. */
export interface SizedComparison {
  size: number;
  results: ComparisonResults;
}

/** Each method's final train reward (its best learning rate, mean over seeds) and the base's against the frame size; a panel per reward. */
export async function plotFinalBySize(bridge: BridgeClient, comparisons: SizedComparison[], path: string): Promise<string> {
  const byReward = new Map<string, SizedComparison[]>();
  for (const comparison of comparisons) byReward.set(comparison.results.rewardName, [...(byReward.get(comparison.results.rewardName) ?? []), comparison]);
  const panels = [...byReward.entries()].map(([rewardName, entries]) => {
    const sorted = [...entries].sort((a, b) => a.size - b.size);
    const methods = sorted[0]?.results.methods ?? [];
    return {
      title: `reward ${rewardName}`,
      sizes: sorted.map((entry) => entry.size),
      lines: [
        // The base's own reward at each size: how much room each size leaves.
        { label: "Base", group: "base", finalReward: sorted.map((entry) => entry.results.baseScores.train.reward) },
        ...methods.map((method) => ({
          label: METHOD_LABELS[method],
          group: method,
          finalReward: sorted.map((entry) => entry.results.summary.find((summary) => summary.method === method)?.final.train.reward ?? Number.NaN),
        })),
      ],
    };
  });
  const title = "final reward after the same reward-query budget, by frame size";
  return (await bridge.call("plot.finalBySize", { path, title, panels })).path;
}
