import { z } from "zod";
import { wholeNumber } from "../bounds.js";
import { stepMetricsWith } from "../metrics.js";
import { trainerFields } from "./shared-fields.js";
import { defineTrainer } from "./trainer-spec.js";

/**
 * Which denoising steps the reward's gradient goes through into the LoRA. "last": the final k steps
 * (VADER's default; VideoX-Fun's "tail"); "rand": the final K steps with K drawn from 1..k for each
 * update (VADER's "rand"); "uniform": k steps spread evenly over the chain, the last included;
 * "random": k distinct steps drawn anew for each update; "steps": the listed step indices (0 is the
 * noisiest step). Between chosen steps the denoiser's prediction is detached (VideoX-Fun), so only
 * chosen steps keep activations. `stopInputGradient` also detaches the latents the denoiser reads at
 * the chosen steps (DRTune; VideoX-Fun's stop_latent_model_input_gradient).
 */
export const TruncationConfig = z
  .strictObject({
    mode: z.enum(["last", "rand", "uniform", "random", "steps"]).default("last"),
    k: z.number().int({ error: (issue) => `must be a whole number of steps (got ${String(issue.input)})` }).min(1, { error: (issue) => `must be at least 1 (got ${String(issue.input)})` }).default(1),
    steps: z.array(z.number().int().nonnegative()).min(1, { error: "must list at least one step index" }).optional(),
    stopInputGradient: z.boolean().default(false),
  })
  .superRefine((truncation, context) => {
    if ((truncation.mode === "steps") !== (truncation.steps !== undefined)) {
      context.addIssue({ code: "custom", path: ["steps"], message: truncation.mode === "steps" ? "is required with mode \"steps\": list the step indices (0 is the noisiest)" : `is only read with mode "steps" (mode is "${truncation.mode}"); remove it or set mode to "steps"` });
    }
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
    truncation: TruncationConfig.default({ mode: "last", k: 1, stopInputGradient: false }),
    gradAccumulation: wholeNumber(1, 1024).default(1),
    batchSize: wholeNumber(1, 256).default(1),
    /** Left out: one random frame (the paper's default), or every frame when a reward term scores whole clips or lists frame indices. */
    decodeFrames: DecodeFramesConfig.optional(),
    checkpointing: z.boolean().default(true),
    /** Recompute the VAE decoder's activations in backward instead of keeping them (its gradient checkpointing, for any family). */
    vaeCheckpointing: z.boolean().default(false),
    /**
     * Beta of a penalty that keeps the model near its base: beta times the mean squared difference
     * between the denoiser's prediction with the LoRA and with the adapters off, at the steps the
     * gradient goes through (proportional to the KL between the two Gaussian steps, as Flow-GRPO
     * penalises its policy). Left out: no penalty and no reference forward; 0: measured
     * (`details.referenceDistance`) but not weighed.
     */
    referencePenalty: z.number().min(0, { error: (issue) => `must be 0 or more (got ${String(issue.input)}); leave it out for no penalty` }).optional(),
  })
  .superRefine((config, context) => {
    const tooLate = (config.truncation.steps ?? []).filter((index) => index >= config.scheduler.steps);
    if (tooLate.length > 0) {
      context.addIssue({ code: "custom", path: ["truncation", "steps"], message: `must be step indices below scheduler.steps ${config.scheduler.steps} (got ${tooLate.join(", ")})` });
    }
    if (config.truncation.mode !== "steps" && config.truncation.k > config.scheduler.steps) {
      context.addIssue({
        code: "custom",
        path: ["truncation", "k"],
        message: `must be between 1 and scheduler.steps (got ${config.truncation.k} > ${config.scheduler.steps}); lower truncation.k or raise scheduler.steps`,
      });
    }
  });
export type VaderTrainerConfig = z.output<typeof VaderTrainerConfig>;
export type VaderTrainerConfigInput = z.input<typeof VaderTrainerConfig>;

/** VADER's own part: how many denoising steps the gradient went through (the mean over micro-batches in "rand" and "random" modes), and the drift from the base. */
export const VaderStepMetrics = stepMetricsWith({
  backpropSteps: z.number().positive(),
  /** With `referencePenalty` set: the mean squared difference of the LoRA's predictions from the base's at those steps, before the step's update. */
  referenceDistance: z.number().nonnegative().optional(),
});
export type VaderStepMetrics = z.output<typeof VaderStepMetrics>;

/** VADER's trainer spec: name, config and metrics schemas, queries per step, comparison settings. */
export const VADER = defineTrainer({
  name: "vader",
  label: "VADER",
  config: VaderTrainerConfig,
  metrics: VaderStepMetrics,
  queriesPerStep: (config) => config.batchSize * config.gradAccumulation,
  /** 4 videos, one update; the reward sees every frame, as the baselines' does (VADER's own default decodes one random frame). */
  comparisonDefaults: { batchSize: 4, decodeFrames: { mode: "all" } },
});
