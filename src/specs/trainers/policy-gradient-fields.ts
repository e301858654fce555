// What DDPO and GRPO share (Python: trainers/policy_gradient.py): PPO's clipped objective on stored
// stochastic DDIM chains, re-scored over a fraction of their steps, in one or more passes.
import { z } from "zod";
import { wholeNumber } from "../bounds.js";

/** What PPO on the denoising chain reports (DDPO, GRPO): 0.5 E[(log ratio)^2] and the share of clipped ratios, over a step's updates. */
export const policyGradientDetails = { approxKl: z.number().nonnegative(), clipFraction: z.number().min(0).max(1) };

export const policyGradientFields = (defaults: { clipRange: number; timestepFraction: number }) => ({
  /** Micro-batches per optimizer update; a step's last update takes what is left. */
  gradAccumulation: wholeNumber(1, 1024).default(1),
  /** Passes over a step's sampled videos; the first update of the first pass is on-policy (ratio 1). */
  innerEpochs: wholeNumber(1, 64).default(1),
  /** The share of each chain's denoising steps re-scored and trained, drawn at random each pass (at least one). */
  timestepFraction: z
    .number()
    .gt(0, { error: (issue) => `must be greater than 0 and at most 1 (got ${String(issue.input)})` })
    .max(1, { error: (issue) => `must be greater than 0 and at most 1 (got ${String(issue.input)})` })
    .default(defaults.timestepFraction),
  /** PPO's clip range eps: the ratio counts only within [1 - eps, 1 + eps]. */
  clipRange: z
    .number()
    .gt(0, { error: (issue) => `must be greater than 0 and at most 1 (got ${String(issue.input)})` })
    .max(1, { error: (issue) => `must be greater than 0 and at most 1 (got ${String(issue.input)})` })
    .default(defaults.clipRange),
  /** Advantages are clipped to [-advantageClip, advantageClip]. */
  advantageClip: z.number().positive({ error: (issue) => `must be positive (got ${String(issue.input)})` }).default(5),
  /** Gradient checkpointing of the denoiser while re-scoring (one step is in memory at a time either way). */
  checkpointing: z.boolean().default(false),
});
