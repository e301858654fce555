// The job `vader train` runs: the built-in default, overridable by a JSON file and flags.
import { z } from "zod";
import { IMPLEMENTATIONS } from "../specs/implementations.js";
import { PlacementOptions } from "../specs/model-config.js";
import { RewardSpecSchema } from "../specs/reward-spec.js";
import { SchedulerConfig } from "../specs/scheduler-config.js";
import { VaderTrainerConfig } from "../specs/trainers/vader-config.js";

/** The tiny model to train: its family, that family's own options (checked by its schema), and where it runs. */
const JobModel = z
  .looseObject({
    family: z.enum(Object.keys(IMPLEMENTATIONS.model) as [keyof typeof IMPLEMENTATIONS.model]).default("text-to-video"),
    ...PlacementOptions,
  })
  .transform((model, context) => {
    const { family, device, precision, ...options } = model;
    const parsed = IMPLEMENTATIONS.model[family].safeParse(options);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) context.addIssue({ ...issue, path: issue.path } as z.core.$ZodRawIssue);
      return z.NEVER;
    }
    return { family, device, precision, ...parsed.data };
  });

export const TrainJobConfig = z.strictObject({
  model: JobModel.default({ family: "text-to-video", seed: 0, frames: 8, height: 32, width: 32, device: "auto", precision: "auto" }),
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
