import { z } from "zod";
import { wholeNumber } from "../bounds.js";
import { stepMetricsWith } from "../metrics.js";
import { trainerFields } from "./shared-fields.js";
import { defineTrainer } from "./trainer-spec.js";

export const TruncationConfig = z.strictObject({
  /** "last": backprop through the final k steps; "rand": through a random 1..k final steps each update. */
  mode: z.enum(["last", "rand"]).default("last"),
  k: z.number().int({ error: (issue) => `must be a whole number of steps (got ${String(issue.input)})` }).min(1, { error: (issue) => `must be at least 1 (got ${String(issue.input)})` }).default(1),
});

export const DecodeFramesConfig = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("random"), count: wholeNumber(1, 1024).default(1) }),
  z.strictObject({ mode: z.literal("all") }),
  z.strictObject({ mode: z.literal("indices"), indices: z.array(z.number().int().nonnegative()).min(1) }),
]);

/** Everything a VADER trainer needs besides the model and the reward (Python: trainers/vader.py). */
export const VaderTrainerConfig = z
  .strictObject({
    ...trainerFields({ scheduler: { steps: 25, eta: 1 }, lr: 2e-4, weightDecay: 0, guidanceScale: 1 }),
    truncation: TruncationConfig.default({ mode: "last", k: 1 }),
    gradAccumulation: wholeNumber(1, 1024).default(1),
    batchSize: wholeNumber(1, 256).default(1),
    decodeFrames: DecodeFramesConfig.default({ mode: "random", count: 1 }),
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

/** VADER's own part: how many denoising steps the gradient went through (the mean over micro-batches in "rand" mode). */
export const VaderStepMetrics = stepMetricsWith({ backpropSteps: z.number().positive() });
export type VaderStepMetrics = z.output<typeof VaderStepMetrics>;

export const VADER = defineTrainer({
  name: "vader",
  label: "VADER",
  config: VaderTrainerConfig,
  metrics: VaderStepMetrics,
  queriesPerStep: (config) => config.batchSize * config.gradAccumulation,
  /** 4 videos, one update; the reward sees every frame, as the baselines' does (VADER's own default decodes one random frame). */
  comparisonDefaults: { batchSize: 4, decodeFrames: { mode: "all" } },
});
