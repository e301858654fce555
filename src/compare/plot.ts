// The comparison's curves as one PNG, drawn in Python with matplotlib (bridge method plot.comparison):
// each method at its chosen learning rate, a line per seed.
import type { ComparisonResults } from "../specs/comparison-results.js";
import type { BridgeClient } from "../transport/bridge-client.js";
import { METHOD_LABELS } from "../trainer/by-method.js";
import { learningRateLabel } from "./learning-rates.js";

export async function plotComparison(bridge: BridgeClient, results: ComparisonResults, path: string): Promise<string> {
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
  const title = `reward ${results.rewardName}: each method at its best learning rate`;
  return (await bridge.call("plot.comparison", { path, title, series })).path;
}
