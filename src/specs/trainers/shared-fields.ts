// What every trainer's config shares; Python: trainers/trainer.py TrainerConfig.
import { z } from "zod";
import { between, wholeNumber } from "../bounds.js";
import { implementationName } from "../names.js";
import { SchedulerConfig, type SchedulerConfigInput } from "../scheduler-config.js";

export const LoraConfig = z.strictObject({
  rank: wholeNumber(1, 512).default(8),
  /** Scale numerator; peft's default (alpha = rank) when omitted. */
  alpha: z.number().positive().optional(),
  targetModules: z.array(z.string().min(1)).min(1).default(["to_q", "to_k", "to_v", "to_out.0"]),
});

/**
 * The fields every trainer's config has: the sampler, the LoRA to train (the same by default for
 * every algorithm, so that a comparison differs in the algorithm only), AdamW, clipping, guidance
 * and the seed. Each algorithm picks the defaults its reference implementation uses.
 */
export const trainerFields = (defaults: { scheduler: SchedulerConfigInput; lr: number; weightDecay: number; guidanceScale: number }) => ({
  scheduler: SchedulerConfig.default(SchedulerConfig.parse(defaults.scheduler)),
  lora: LoraConfig.default({ rank: 8, targetModules: ["to_q", "to_k", "to_v", "to_out.0"] }),
  /** The LoRA adapter to train (added with `lora`'s settings if the model lacks it; an existing one trains as it is). */
  adapter: implementationName("adapter", "default").default("default"),
  lr: between(1e-8, 1, " (learning rate)").default(defaults.lr),
  weightDecay: between(0, 1).default(defaults.weightDecay),
  maxGradNorm: z.number().positive({ error: "must be positive; use a large number to disable clipping" }).default(1),
  guidanceScale: between(1, 50, " (1 disables classifier-free guidance)").default(defaults.guidanceScale),
  seed: wholeNumber(0, 2 ** 31 - 1).default(0),
});

/** The policy-gradient trainers need a log-probability for every step, which a deterministic DDIM step (eta 0) lacks. */
export const requireStochasticScheduler =
  (algorithm: string) =>
  (config: { scheduler: SchedulerConfig }, context: z.core.$RefinementCtx): void => {
    if (config.scheduler.eta <= 0) {
      context.addIssue({
        code: "custom",
        path: ["scheduler", "eta"],
        message: `must be greater than 0 for ${algorithm} (got ${config.scheduler.eta}): a deterministic DDIM step has no log-probability to take a policy gradient of; use eta 1 (DDPM-like) as the reference implementations do`,
      });
    }
  };
