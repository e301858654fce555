import { z } from "zod";
import { wholeNumber } from "../bounds.js";
import { stepMetricsWith } from "../metrics.js";
import { policyGradientDetails, policyGradientFields } from "./policy-gradient-fields.js";
import { requireStochasticScheduler, trainerFields } from "./shared-fields.js";
import { defineTrainer } from "./trainer-spec.js";

/**
 * GRPO on the stochastic DDIM chain, after Flow-GRPO and DanceGRPO (Python: trainers/grpo.py; what
 * came from which: docs/trainers.md). One step samples `promptsPerStep` groups of `groupSize`
 * videos of one prompt; each group is a micro-batch. Defaults: Flow-GRPO's video (Wan 2.1) config
 * for steps 20, guidance 4.5, lr 1e-4, clip range 1e-3, KL coefficient 0.004 and group size 4;
 * DanceGRPO's for the shared initial noise and a timestep fraction of 0.6; both for advantage
 * clip 5, weight decay 1e-4 and one inner epoch.
 */
export const GrpoTrainerConfig = z
  .strictObject({
    ...trainerFields({ scheduler: { steps: 20, eta: 1 }, lr: 1e-4, weightDecay: 1e-4, guidanceScale: 4.5 }),
    /** Prompts drawn per step, one group each. */
    promptsPerStep: wholeNumber(1, 1024).default(2),
    /** Videos per prompt; advantages are relative to their group's mean and std. */
    groupSize: wholeNumber(2, 256).default(4),
    /** A group's videos start from one x_T and part ways through the chain's noise (DanceGRPO). */
    sharedInitialNoise: z.boolean().default(true),
    ...policyGradientFields({ clipRange: 1e-3, timestepFraction: 0.6 }),
    /** Weight of the KL penalty to the reference model (the adapter off); 0 turns it off and saves its forward pass. */
    klCoefficient: z.number().nonnegative({ error: (issue) => `must be 0 or more (got ${String(issue.input)})` }).default(0.004),
  })
  .superRefine(requireStochasticScheduler("GRPO"));
export type GrpoTrainerConfig = z.output<typeof GrpoTrainerConfig>;
export type GrpoTrainerConfigInput = z.input<typeof GrpoTrainerConfig>;

/** GRPO adds the mean KL to the reference model per trained step, when its coefficient is above 0. */
export const GrpoStepMetrics = stepMetricsWith({ ...policyGradientDetails, klToReference: z.number().nonnegative().optional() });
export type GrpoStepMetrics = z.output<typeof GrpoStepMetrics>;

/** GRPO's trainer spec: name, config and metrics schemas, queries per step, comparison settings. */
export const GRPO = defineTrainer({
  name: "grpo",
  label: "GRPO",
  config: GrpoTrainerConfig,
  metrics: GrpoStepMetrics,
  queriesPerStep: (config) => config.promptsPerStep * config.groupSize,
  /** 1 group of 4 videos of one prompt. */
  comparisonDefaults: { promptsPerStep: 1, groupSize: 4 },
});
