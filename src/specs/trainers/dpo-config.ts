import { z } from "zod";
import { wholeNumber } from "../bounds.js";
import { stepMetricsWith } from "../metrics.js";
import { trainerFields } from "./shared-fields.js";
import { defineTrainer } from "./trainer-spec.js";

/**
 * Online Diffusion-DPO (Wallace et al. 2024; Python: trainers/dpo.py): per prompt, sample
 * `samplesPerPrompt` videos, pair the reward's best with its worst. beta 5000 is the paper code's
 * (with its factor 1/2 inside the sigmoid). lr 2e-4 is VADER's LoRA rate: the paper's 2.048e-5
 * (1e-8 scaled by a batch of 2048) was for full fine-tuning (docs/trainers.md).
 */
export const DpoTrainerConfig = z.strictObject({
  /** The scheduler samples the candidates, with guidance; the loss is on the conditional prediction, as in the paper. */
  ...trainerFields({ scheduler: { steps: 25, eta: 1 }, lr: 2e-4, weightDecay: 0, guidanceScale: 1 }),
  /** Prompts (so preference pairs) per step. */
  promptsPerStep: wholeNumber(1, 1024).default(1),
  /** Candidates per prompt, each scored once; the best and the worst make the pair. */
  samplesPerPrompt: wholeNumber(2, 256).default(2),
  /** The KL weight beta: larger keeps the model closer to the reference. */
  beta: z.number().positive({ error: (issue) => `must be positive (got ${String(issue.input)})` }).default(5000),
  /**
   * Pairs whose reward gap (winner minus loser) is below this are ties and are skipped: a saturated
   * reward would otherwise train toward arbitrary winners. 0 trains on every pair.
   */
  minRewardGap: z.number().nonnegative({ error: (issue) => `must be 0 or more (got ${String(issue.input)})` }).default(1e-3),
  /** Gradient checkpointing of the denoiser in the loss's forward pass. */
  checkpointing: z.boolean().default(false),
});
export type DpoTrainerConfig = z.output<typeof DpoTrainerConfig>;
export type DpoTrainerConfigInput = z.input<typeof DpoTrainerConfig>;

/** The share of trained pairs the model ranks like the reward relative to the reference (ties half), the reward's winner-loser gap, and the pairs that were not ties. */
export const DpoStepMetrics = stepMetricsWith({ implicitAccuracy: z.number().min(0).max(1), rewardGap: z.number().nonnegative(), pairsTrained: z.number().int().nonnegative() });
export type DpoStepMetrics = z.output<typeof DpoStepMetrics>;

/** Diffusion-DPO's trainer spec: name, config and metrics schemas, queries per step, comparison settings. */
export const DPO = defineTrainer({
  name: "dpo",
  label: "Diffusion-DPO",
  config: DpoTrainerConfig,
  metrics: DpoStepMetrics,
  queriesPerStep: (config) => config.promptsPerStep * config.samplesPerPrompt,
  /** 2 prompts, one pair each. */
  comparisonDefaults: { promptsPerStep: 2, samplesPerPrompt: 2 },
});
