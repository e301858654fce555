// The comparison figures as PNG, drawn in Python with matplotlib (bridge methods plot.comparison and
// plot.finalBySize): training curves of each method at its chosen learning rate (a line per seed),
// one column per reward (the paper's Figure 7); and each method's final reward against the frame
// size (the paper's Figure 4).
import type { ComparisonResults } from "../specs/comparison-results.js";
import type { BridgeClient } from "../transport/bridge-client.js";
import { METHOD_LABELS } from "../trainer/by-method.js";
import { learningRateLabel } from "./learning-rates.js";

function curvePanel(results: ComparisonResults) {
  const chosen = new Map(results.summary.map((summary) => [summary.method, summary.lr]));
  const series = results.runs
    .filter((run) => chosen.get(run.method) === run.lr)
    .map((run) => ({
      label: `${METHOD_LABELS[run.method]} lr ${learningRateLabel(run.lr)} seed ${run.seed}`,
      group: run.method,
      rewardQueries: run.curve.map((point) => point.rewardQueries),
      cpuSeconds: run.curve.map((point) => point.cpuSeconds),
      rewardMean: run.curve.map((point) => point.rewardMean),
    }));
  return { title: `reward ${results.rewardName}`, series };
}

/** Training curves of one comparison, or of several (one column each, e.g. the world's three rewards). */
export async function plotComparison(bridge: BridgeClient, results: ComparisonResults | ComparisonResults[], path: string): Promise<string> {
  const all = Array.isArray(results) ? results : [results];
  const title = "each method at its best learning rate";
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
