import { z } from "zod";
import { between, wholeNumber } from "../bounds.js";
import { implementationName } from "../names.js";
import { SchedulerConfig } from "../scheduler-config.js";

export const TruncationConfig = z.strictObject({
  /** "last": backprop through the final k steps; "rand": through a random 1..k final steps each update. */
  mode: z.enum(["last", "rand"]).default("last"),
  k: z.number().int({ error: (issue) => `must be a whole number of steps (got ${String(issue.input)})` }).min(1, { error: (issue) => `must be at least 1 (got ${String(issue.input)})` }).default(1),
});

export const LoraConfig = z.strictObject({
  rank: wholeNumber(1, 512).default(8),
  /** Scale numerator; peft's default (alpha = rank) when omitted. */
  alpha: z.number().positive().optional(),
  targetModules: z.array(z.string().min(1)).min(1).default(["to_q", "to_k", "to_v", "to_out.0"]),
});

export const DecodeFramesConfig = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("random"), count: wholeNumber(1, 1024).default(1) }),
  z.strictObject({ mode: z.literal("all") }),
  z.strictObject({ mode: z.literal("indices"), indices: z.array(z.number().int().nonnegative()).min(1) }),
]);

/** Everything a VADER trainer needs besides the model and the reward (Python: trainers/vader.py). */
export const VaderTrainerConfig = z
  .strictObject({
    scheduler: SchedulerConfig.default({ name: "ddim", steps: 25, eta: 1 }),
    truncation: TruncationConfig.default({ mode: "last", k: 1 }),
    lora: LoraConfig.default({ rank: 8, targetModules: ["to_q", "to_k", "to_v", "to_out.0"] }),
    /** The LoRA adapter to train (added with `lora`'s settings if the model lacks it; an existing one trains as it is). */
    adapter: implementationName("adapter", "default").default("default"),
    lr: between(1e-8, 1, " (learning rate)").default(2e-4),
    weightDecay: between(0, 1).default(0),
    maxGradNorm: z.number().positive({ error: "must be positive; use a large number to disable clipping" }).default(1),
    gradAccumulation: wholeNumber(1, 1024).default(1),
    batchSize: wholeNumber(1, 256).default(1),
    guidanceScale: between(1, 50, " (1 disables classifier-free guidance)").default(1),
    decodeFrames: DecodeFramesConfig.default({ mode: "random", count: 1 }),
    seed: wholeNumber(0, 2 ** 31 - 1).default(0),
    checkpointing: z.boolean().default(true),
  })
  .superRefine((config, context) => {
    if (config.truncation.k > config.scheduler.steps) {
      context.addIssue({
        code: "custom",
        path: ["truncation", "k"],
        message: `must be between 1 and scheduler.steps (got ${config.truncation.k} > ${config.scheduler.steps}); lower truncation.k or raise scheduler.steps`,
      });
    }
  });
export type VaderTrainerConfig = z.output<typeof VaderTrainerConfig>;
export type VaderTrainerConfigInput = z.input<typeof VaderTrainerConfig>;
