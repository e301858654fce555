import { z } from "zod";
import { wholeNumber } from "../bounds.js";
import { SchedulerConfig } from "../scheduler-config.js";
import { adapter, guidanceScale, learningRate, lora, maxGradNorm, seed, weightDecay } from "./shared-fields.js";

/**
 * Online Diffusion-DPO (Wallace et al. 2024; Python: trainers/dpo.py): per prompt, sample
 * `samplesPerPrompt` videos, pair the reward's best with its worst. beta 5000 is the paper code's
 * (with its factor 1/2 inside the sigmoid). lr 2e-4 is the LoRA rate the other trainers use: the
 * paper's 2.05e-5 (1e-8 scaled by a batch of 2048) was for full fine-tuning.
 */
export const DpoTrainerConfig = z.strictObject({
  /** The sampler of the candidate videos; DPO's loss itself needs no chain. */
  scheduler: SchedulerConfig.default({ name: "ddim", steps: 25, eta: 1 }),
  lora,
  adapter,
  lr: learningRate(2e-4),
  weightDecay: weightDecay(0),
  maxGradNorm,
  /** Guidance while sampling the candidates; the loss is on the conditional prediction, as in the paper. */
  guidanceScale: guidanceScale(1),
  /** Prompts (so preference pairs) per step. */
  promptsPerStep: wholeNumber(1, 1024).default(1),
  /** Candidates per prompt, each scored once; the best and the worst make the pair. */
  samplesPerPrompt: wholeNumber(2, 256).default(2),
  /** The KL weight beta: larger keeps the model closer to the reference. */
  beta: z.number().positive({ error: (issue) => `must be positive (got ${String(issue.input)})` }).default(5000),
  seed,
  /** Gradient checkpointing of the denoiser in the loss's forward pass. */
  checkpointing: z.boolean().default(false),
});
export type DpoTrainerConfig = z.output<typeof DpoTrainerConfig>;
export type DpoTrainerConfigInput = z.input<typeof DpoTrainerConfig>;
