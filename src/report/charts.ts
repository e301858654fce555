// The report's charts as data: each one an x column and series (a line, optionally a shaded band
// between `lower` and `upper`), which the page's script hands to uPlot as they are.
import type { ComparisonResults, CurvePoint } from "../specs/comparison-results.js";
import type { StepMetrics } from "../specs/metrics.js";
import { METHOD_LABELS } from "../trainer/by-method.js";

export interface ChartSeries {
  label: string;
  /** One value per x; null where the series has no point there (drawn across). */
  values: (number | null)[];
  /** A shaded band around the line, when both are given. */
  lower?: (number | null)[];
  upper?: (number | null)[];
  /** Drawn dashed (a reward term, which may lie right on the total). */
  dashed?: boolean;
}

export interface ChartSpec {
  /** The id of the element the chart is drawn into. */
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  /** Ascending. */
  x: number[];
  /** The x values are counts (steps, reward queries): ticks at whole numbers only. */
  wholeX: boolean;
  series: ChartSeries[];
}

/** Non-finite numbers (a NaN loss) as gaps, which JSON can carry. */
const finite = (value: number | undefined): number | null => (value !== undefined && Number.isFinite(value) ? value : null);

function withBand(label: string, points: ({ mean: number; std: number } | undefined)[]): ChartSeries {
  return {
    label,
    values: points.map((point) => finite(point?.mean)),
    lower: points.map((point) => (point ? finite(point.mean - point.std) : null)),
    upper: points.map((point) => (point ? finite(point.mean + point.std) : null)),
  };
}

/** Every reward term's label in the order the steps first name them. */
export function termLabels(metrics: StepMetrics[]): string[] {
  return [...new Set(metrics.flatMap((step) => Object.keys(step.rewardTerms)))];
}

/**
 * A run's charts: the total reward and each reward term (mean, ± std shaded) against steps and
 * against reward queries; the loss and the gradient norm against steps. None without steps.
 */
export function runCharts(metrics: StepMetrics[]): ChartSpec[] {
  if (metrics.length === 0) return [];
  const rewardSeries = [
    withBand("reward (total)", metrics.map((step) => step.reward)),
    ...termLabels(metrics).map((label) => ({ ...withBand(`term: ${label}`, metrics.map((step) => step.rewardTerms[label])), dashed: true })),
  ];
  const steps = metrics.map((step) => step.step);
  return [
    { id: "chart-reward-steps", title: "Reward against steps (mean ± std of each step's videos)", xLabel: "step", yLabel: "reward", x: steps, wholeX: true, series: rewardSeries },
    {
      id: "chart-reward-queries",
      title: "Reward against reward queries (videos scored so far)",
      xLabel: "reward queries",
      yLabel: "reward",
      x: metrics.map((step) => step.rewardQueries),
      wholeX: true,
      series: rewardSeries,
    },
    { id: "chart-loss", title: "Loss", xLabel: "step", yLabel: "loss", x: steps, wholeX: true, series: [{ label: "loss", values: metrics.map((step) => finite(step.loss)) }] },
    { id: "chart-grad-norm", title: "Gradient norm", xLabel: "step", yLabel: "grad norm", x: steps, wholeX: true, series: [{ label: "grad norm", values: metrics.map((step) => finite(step.gradNorm)) }] },
  ];
}

type CurveAxis = "rewardQueries" | "cpuSeconds" | "step";

interface MethodCurve {
  label: string;
  x: number[];
  mean: number[];
  lower: number[];
  upper: number[];
}

const average = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** Each method at its chosen learning rate: the mean over seeds step by step, the band from the lowest to the highest seed. */
function methodCurves(results: ComparisonResults, axis: CurveAxis): MethodCurve[] {
  return results.summary.flatMap((summary) => {
    const curves = results.runs.filter((run) => run.method === summary.method && run.lr === summary.lr).map((run) => run.curve);
    if (curves.length === 0) return [];
    const length = Math.min(...curves.map((curve) => curve.length));
    const at = (index: number) => curves.map((curve) => curve[index] as CurvePoint);
    const indices = Array.from({ length }, (_, index) => index);
    return [
      {
        label: `${METHOD_LABELS[summary.method]} (${curves.length} seed${curves.length === 1 ? "" : "s"})`,
        x: indices.map((index) => average(at(index).map((point) => point[axis]))),
        mean: indices.map((index) => average(at(index).map((point) => point.rewardMean))),
        lower: indices.map((index) => Math.min(...at(index).map((point) => point.rewardMean))),
        upper: indices.map((index) => Math.max(...at(index).map((point) => point.rewardMean))),
      },
    ];
  });
}

/** Curves with different x values on one x column: the union of them, each series null where it has no point. */
function onSharedAxis(curves: MethodCurve[]): { x: number[]; series: ChartSeries[] } {
  const x = [...new Set(curves.flatMap((curve) => curve.x))].sort((a, b) => a - b);
  const position = new Map(x.map((value, index) => [value, index]));
  const spread = (curve: MethodCurve, values: number[]) => {
    const column: (number | null)[] = x.map(() => null);
    curve.x.forEach((value, index) => (column[position.get(value) as number] = finite(values[index])));
    return column;
  };
  return { x, series: curves.map((curve) => ({ label: curve.label, values: spread(curve, curve.mean), lower: spread(curve, curve.lower), upper: spread(curve, curve.upper) })) };
}

/** A comparison's charts: one curve per method (mean over seeds, the seeds' range shaded) against reward queries, CPU seconds and steps. */
export function comparisonCharts(results: ComparisonResults): ChartSpec[] {
  const axes: { axis: CurveAxis; id: string; xLabel: string; title: string }[] = [
    { axis: "rewardQueries", id: "chart-compare-queries", xLabel: "reward queries", title: "Training reward against reward queries (the paper's Figure 7)" },
    { axis: "cpuSeconds", id: "chart-compare-cpu", xLabel: "CPU seconds", title: "Training reward against CPU seconds" },
    { axis: "step", id: "chart-compare-steps", xLabel: "step", title: "Training reward against steps" },
  ];
  return axes.map(({ axis, id, xLabel, title }) => ({ id, title, xLabel, yLabel: "reward", wholeX: axis !== "cpuSeconds", ...onSharedAxis(methodCurves(results, axis)) }));
}
