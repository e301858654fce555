// Each method's stated learning-rate sweep: its base lr, then ten times it, then a tenth of it, so
// that no method loses the comparison by one bad setting (docs/compare.md).
const SWEEP_FACTORS = [1, 10, 0.1] as const;

/** The first `count` (1 to 3) rates of the sweep around `baseLr`, rounded to 6 significant digits. */
export function learningRateSweep(baseLr: number, count: number): number[] {
  if (!Number.isInteger(count) || count < 1 || count > SWEEP_FACTORS.length) {
    throw new RangeError(`learningRateSweep: count must be 1 to ${SWEEP_FACTORS.length} (got ${count})`);
  }
  return SWEEP_FACTORS.slice(0, count).map((factor) => Number((baseLr * factor).toPrecision(6)));
}

/** A learning rate as it appears in a run's name: "3e-3", "1.5e-4". */
export function learningRateLabel(lr: number): string {
  return lr.toExponential().replace("e+", "e");
}
