// The job `vader train` runs: the built-in default, overridable by a JSON file and flags.
import { z } from "zod";
import { TinyModelOptions } from "../protocol/methods.js";
import { RewardSpecSchema } from "../reward/reward-spec.js";
import { SchedulerConfig } from "../scheduler/scheduler-config.js";
import { VaderTrainerConfig } from "../trainer/vader-config.js";

export const TrainJobConfig = z.strictObject({
  model: TinyModelOptions.default({ family: "text-to-video", seed: 0, frames: 8, height: 32, width: 32 }),
  reward: RewardSpecSchema.default({ kind: "named", name: "brightness", options: {} }),
  trainer: VaderTrainerConfig.default(VaderTrainerConfig.parse({})),
  steps: z.number().int().min(1).default(20),
  /** Training prompts; empty means the bridge's built-in animal/activity set. */
  prompts: z.array(z.string().min(1)).default([]),
  saveEvery: z.number().int().min(1).optional(),
  preview: z
    .strictObject({
      prompts: z.array(z.string().min(1)).min(1).default(["a dog playing a guitar on a porch"]),
      seed: z.number().int().nonnegative().default(1234),
      scheduler: SchedulerConfig.optional(),
    })
    .default({ prompts: ["a dog playing a guitar on a porch"], seed: 1234 }),
});
export type TrainJobConfig = z.output<typeof TrainJobConfig>;

/** The default job: tuned so the tiny model's reward visibly rises within 20 steps on 2 CPU cores. */
export const DEFAULT_TRAIN_JOB = {
  model: { family: "text-to-video", seed: 0, frames: 8, height: 32, width: 32 },
  reward: { kind: "named", name: "brightness", options: {} },
  trainer: {
    scheduler: { name: "ddim", steps: 10, eta: 1 },
    truncation: { mode: "last", k: 1 },
    lora: { rank: 8 },
    // The gradient through one DDIM step of the random tiny model is small (norm ~1e-5); AdamW
    // rescales it, and 1e-2 climbs steadily in 20 steps where the paper's 2e-4 barely moves.
    lr: 1e-2,
    seed: 0,
  },
  steps: 20,
} satisfies z.input<typeof TrainJobConfig>;
