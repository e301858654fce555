// What a training step reports: a core every algorithm fills the same way, plus `details` of its own.
import { z } from "zod";

const core = {
  step: z.number().int().positive(),
  /** Wall-clock seconds of the step in Python. */
  seconds: z.number().nonnegative(),
  /** CPU seconds of the Python process during the step (every thread), so methods compare by compute too. */
  cpuSeconds: z.number().nonnegative(),
  lr: z.number(),
  loss: z.number(),
  gradNorm: z.number(),
  /** Peak GPU memory allocated by torch on CUDA; peak resident memory of the Python process on the CPU (bytes, so far). */
  peakMemoryBytes: z.number().nonnegative(),
  /** Videos scored by the reward since the trainer was created (the x axis of the paper's Figure 7). */
  rewardQueries: z.number().int().nonnegative(),
  reward: z.strictObject({ mean: z.number(), std: z.number() }),
  /** Each named reward term's own (unweighted) mean and spread, keyed by its label (name, name#2 on repeats). */
  rewardTerms: z.record(z.string(), z.strictObject({ mean: z.number(), std: z.number() })).default({}),
};

/** The metrics of a step of any algorithm, as they cross the wire and land in metrics.jsonl. */
export const StepMetrics = z.strictObject({ ...core, details: z.record(z.string(), z.number()) });
export type StepMetrics = z.output<typeof StepMetrics>;

/** A step of an algorithm with `details` of the given shape. */
export const stepMetricsWith = <Details extends z.ZodRawShape>(details: Details) => z.strictObject({ ...core, details: z.strictObject(details) });
