import { z } from "zod";
import { SchedulerConfig } from "../scheduler/scheduler-config.js";

const between = (low: number, high: number, what = "") =>
  z
    .number()
    .min(low, { error: (issue) => `must be between ${low} and ${high}${what} (got ${String(issue.input)})` })
    .max(high, { error: (issue) => `must be between ${low} and ${high}${what} (got ${String(issue.input)})` });

const wholeNumber = (low: number, high: number, what = "") =>
  between(low, high, what).int({ error: (issue) => `must be a whole number (got ${String(issue.input)})` });

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

/** Everything a VADER trainer needs besides the model and the reward. */
export const VaderTrainerConfig = z
  .strictObject({
    scheduler: SchedulerConfig.default({ name: "ddim", steps: 25, eta: 1 }),
    truncation: TruncationConfig.default({ mode: "last", k: 1 }),
    lora: LoraConfig.default({ rank: 8, targetModules: ["to_q", "to_k", "to_v", "to_out.0"] }),
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

export const FitOptions = z.strictObject({
  prompts: z.array(z.string().min(1, { error: "must not be empty" })).min(1, { error: "must list at least one prompt" }),
  steps: wholeNumber(1, 1_000_000).default(20),
  /** Folder that receives metrics.jsonl (one line per step) and the LoRA weights. */
  runDirectory: z.string().min(1).optional(),
  /** Save LoRA weights every N steps (and always at the end) when runDirectory is set. */
  saveEvery: wholeNumber(1, 1_000_000).optional(),
});
export type FitOptions = z.output<typeof FitOptions>;
export type FitOptionsInput = z.input<typeof FitOptions>;

export const StepMetrics = z.strictObject({
  step: z.number().int().positive(),
  reward: z.strictObject({ mean: z.number(), std: z.number() }),
  loss: z.number(),
  gradNorm: z.number(),
  lr: z.number(),
  seconds: z.number().nonnegative(),
  /** Peak resident memory of the Python process so far, in bytes. */
  peakMemoryBytes: z.number().nonnegative(),
});
export type StepMetrics = z.output<typeof StepMetrics>;
