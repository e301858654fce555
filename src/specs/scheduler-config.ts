import { z } from "zod";

/** DDIM with eta: the paper's default sampler (eta 1.0; 25 steps in the official code). */
export const DdimSchedulerConfig = z.strictObject({
  name: z.literal("ddim"),
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
});
export const SchedulerConfig = z.discriminatedUnion("name", [DdimSchedulerConfig]);
export type SchedulerConfig = z.output<typeof SchedulerConfig>;
export type SchedulerConfigInput = z.input<typeof SchedulerConfig>;
