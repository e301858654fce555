import { z } from "zod";
import { implementationName } from "./names.js";

/**
 * A scheduler as data. Every scheduler takes the number of denoising steps and its stochasticity
 * eta; `options` carry what only that scheduler takes (each declares their schema in
 * implementations.ts; a Python-only plugin declares it in Python). DDIM with eta 1 is the
 * paper's default sampler (25 steps in the official code).
 */
export const SchedulerConfig = z.strictObject({
  name: implementationName("scheduler", "ddim"),
  steps: z
    .number({ error: "must be a whole number of denoising steps" })
    .int({ error: "must be a whole number of denoising steps" })
    .min(1, { error: (issue) => `must be between 1 and 1000 (got ${String(issue.input)})` })
    .max(1000, { error: (issue) => `must be between 1 and 1000 (got ${String(issue.input)})` })
    .default(25),
  eta: z
    .number()
    .min(0, { error: (issue) => `must be between 0 (deterministic DDIM) and 1 (DDPM-like) (got ${String(issue.input)})` })
    .max(1, { error: (issue) => `must be between 0 (deterministic DDIM) and 1 (DDPM-like) (got ${String(issue.input)})` })
    .default(1),
  options: z.record(z.string(), z.unknown()).optional(),
});
export type SchedulerConfig = z.output<typeof SchedulerConfig>;
export type SchedulerConfigInput = z.input<typeof SchedulerConfig>;

/** DDIM takes nothing beyond steps and eta. */
export const DdimOptions = z.strictObject({});
