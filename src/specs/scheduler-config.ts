import { z } from "zod";
import { implementationName } from "./names.js";

/**
 * A scheduler as data. Every scheduler takes the number of denoising steps and its stochasticity
 * eta; `options` carry what only that scheduler takes (each declares their schema in
 * implementations.ts; a Python-only plugin declares it in Python). Without a `name`, the model's
 * own scheduler runs: "ddim" on a diffusion model (with eta 1, the paper's sampler), "flow-match" on
 * a flow-matching one (Wan), where eta is Flow-GRPO's SDE noise level and 0 is the Euler ODE. A
 * scheduler that does not fit the model's noise schedule is refused by name.
 */
export const SchedulerConfig = z.strictObject({
  name: implementationName("scheduler", "ddim").optional(),
  steps: z
    .number({ error: "must be a whole number of denoising steps" })
    .int({ error: "must be a whole number of denoising steps" })
    .min(1, { error: (issue) => `must be between 1 and 1000 (got ${String(issue.input)})` })
    .max(1000, { error: (issue) => `must be between 1 and 1000 (got ${String(issue.input)})` })
    .default(25),
  eta: z
    .number()
    .min(0, { error: (issue) => `must be between 0 (deterministic) and 1 (DDPM-like for DDIM) (got ${String(issue.input)})` })
    .max(1, { error: (issue) => `must be between 0 (deterministic) and 1 (DDPM-like for DDIM) (got ${String(issue.input)})` })
    .default(1),
  options: z.record(z.string(), z.unknown()).optional(),
});
export type SchedulerConfig = z.output<typeof SchedulerConfig>;
export type SchedulerConfigInput = z.input<typeof SchedulerConfig>;

/** DDIM takes nothing beyond steps and eta. */
export const DdimOptions = z.strictObject({});

/** Flow matching takes nothing beyond steps and eta (the SDE's noise level; 0 is the Euler ODE step). */
export const FlowMatchOptions = z.strictObject({});
