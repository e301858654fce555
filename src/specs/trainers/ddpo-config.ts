import { z } from "zod";
import { wholeNumber } from "../bounds.js";
import { stepMetricsWith } from "../metrics.js";
import { policyGradientDetails, policyGradientFields } from "./policy-gradient-fields.js";
import { requireStochasticScheduler, trainerFields } from "./shared-fields.js";
import { defineTrainer } from "./trainer-spec.js";

/** DDPO's per-prompt reward statistics: the last `bufferSize` rewards of each prompt, used once there are `minCount`. */
export const PerPromptStatsConfig = z.strictObject({
  bufferSize: wholeNumber(1, 65536).default(16),
  minCount: wholeNumber(1, 65536).default(16),
});

/**
 * DDPO (Black et al. 2023), PPO on the stochastic DDIM chain (Python: trainers/ddpo.py). One step
 * samples `batchesPerStep` micro-batches of `batchSize` videos. Defaults: kvablack/ddpo-pytorch
 * config/base.py (50 steps, eta 1, guidance 5, lr 3e-4, AdamW weight decay 1e-4, clip range 1e-4,
 * advantage clip 5, 1 inner epoch, all timesteps, statistics buffer 16 / min count 16, one
 * update per micro-batch of 1 video, 2 micro-batches per round).
 */
export const DdpoTrainerConfig = z
  .strictObject({
    ...trainerFields({ scheduler: { steps: 50, eta: 1 }, lr: 3e-4, weightDecay: 1e-4, guidanceScale: 5 }),
    /** Videos per micro-batch (sampled together, re-scored together); each gets a prompt drawn at random. */
    batchSize: wholeNumber(1, 256).default(1),
    /** Micro-batches sampled per step (DDPO's num_batches_per_epoch). */
    batchesPerStep: wholeNumber(1, 1024).default(2),
    ...policyGradientFields({ clipRange: 1e-4, timestepFraction: 1 }),
    /** Per-prompt reward statistics for the advantages; null: the step's own mean and std. */
    perPromptStats: PerPromptStatsConfig.nullable().default({ bufferSize: 16, minCount: 16 }),
  })
  .superRefine(requireStochasticScheduler("DDPO"))
  .superRefine((config, context) => {
    const stats = config.perPromptStats;
    if (stats && stats.minCount > stats.bufferSize) {
      context.addIssue({
        code: "custom",
        path: ["perPromptStats", "minCount"],
        message: `must be at most bufferSize (got ${stats.minCount} > ${stats.bufferSize}): the buffer would never hold enough rewards to be used; lower minCount or raise bufferSize`,
      });
    }
  });
export type DdpoTrainerConfig = z.output<typeof DdpoTrainerConfig>;
export type DdpoTrainerConfigInput = z.input<typeof DdpoTrainerConfig>;

/** DDPO adds PPO's approximate KL (0.5 E[(log ratio)^2]) and the share of clipped ratios. */
export const DdpoStepMetrics = stepMetricsWith(policyGradientDetails);
export type DdpoStepMetrics = z.output<typeof DdpoStepMetrics>;

/** DDPO's trainer spec: name, config and metrics schemas, queries per step, comparison settings. */
export const DDPO = defineTrainer({
  name: "ddpo",
  label: "DDPO",
  config: DdpoTrainerConfig,
  metrics: DdpoStepMetrics,
  queriesPerStep: (config) => config.batchSize * config.batchesPerStep,
  /** 2 micro-batches of 2 videos. */
  comparisonDefaults: { batchSize: 2, batchesPerStep: 2 },
});
