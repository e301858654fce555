// A training job as data (what `vader train` runs and a run directory records): the model, the
// method and its trainer options, the reward, prompts, steps, previews and the judge; and the
// digit world's built-in tasks as such jobs. The CLI merges a JSON file and flags over one.
import { z } from "zod";
import { IMPLEMENTATIONS } from "../specs/implementations.js";
import { EarlyStopConfig } from "../specs/early-stop.js";
import { ExpertOption, GeneratedSize, PlacementOptions } from "../specs/model-config.js";
import { RewardSpecSchema } from "../specs/reward-spec.js";
import { SchedulerConfig } from "../specs/scheduler-config.js";
import type { VaderTrainerConfigInput } from "../specs/trainers/vader-config.js";
import { TRAINING_METHODS, type MethodConfig, type TrainingMethod } from "../trainer/by-method.js";
import { requireRanksToShard } from "../transport/distributed-launch.js";
import { WORLD_BASE_DIRECTORY, WORLD_SAMPLING } from "./world-defaults.js";

/** A model folder (the digit world's base by default, or any model in the same layout), optionally generating at another size; `expert`: the Wan 2.2 A14B expert LoRA trains. */
const DirectoryModel = z.strictObject({ directory: z.string().min(1), ...PlacementOptions, ...GeneratedSize, ...ExpertOption });

/** A tiny model: its family, that family's own options (checked by its schema), and where it runs. */
const TinyModel = z
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

/** A job's model: a model folder (the digit world's base by default), or a tiny random-weight model of a family. */
export const JobModel = z.union([DirectoryModel, TinyModel]);
export type JobModel = z.output<typeof JobModel>;

const TrainJobFields = z.strictObject({
  /** The algorithm: VADER, or a baseline (docs/trainers.md). */
  method: z.enum(TRAINING_METHODS).default("vader"),
  model: JobModel.default({ directory: WORLD_BASE_DIRECTORY, device: "auto", precision: "auto" }),
  reward: RewardSpecSchema.default({ kind: "named", name: "digit", options: {} }),
  /** The method's trainer options, checked by that method's own schema (src/specs/trainers/<method>-config.ts). */
  trainer: z.record(z.string(), z.unknown()).default({}),
  steps: z.number().int().min(1).default(20),
  /** Training prompts; empty means the bridge's built-in animal/activity set (for tiny models). */
  prompts: z.array(z.string().min(1)).default([]),
  saveEvery: z.number().int().min(1).optional(),
  /** Stop when a held-out reward term stops improving, keeping the best step's LoRA by default (src/specs/early-stop.ts). */
  earlyStop: EarlyStopConfig.optional(),
  /** Data-parallel ranks per machine (docs/distributed.md): each trains on an equal share of every batch. */
  processes: z.number().int().min(1).max(256).default(1),
  /** Machines with `processes` ranks each, joined through a c10d rendezvous (`vader train --rendezvous host:port`). */
  nodes: z.number().int().min(1).max(1024).default(1),
  /** Shard the model's frozen denoiser over the ranks with FSDP2 (each holds 1/N of it; docs/distributed.md). */
  shardFrozenBase: z.boolean().optional(),
  preview: z
    .strictObject({
      prompts: z.array(z.string().min(1)).min(1).default(["digit 7 moving left"]),
      seed: z.number().int().nonnegative().default(1234),
      scheduler: SchedulerConfig.optional(),
    })
    .default({ prompts: ["digit 7 moving left"], seed: 1234 }),
  /**
   * The judge before and after training, on the same seeds: `samplesPerPrompt` videos of each
   * training prompt (0 skips it; the prompts must be digit-world captions).
   */
  evaluation: z
    .strictObject({
      samplesPerPrompt: z.number().int().min(0).max(64).default(0),
      seed: z.number().int().nonnegative().default(4321),
    })
    .default({ samplesPerPrompt: 0, seed: 4321 }),
});

/**
 * A training job as data (what `vader train` runs and a run's config.json records): model, method
 * and its trainer options (checked by that method's schema), reward, prompts, steps, previews and judge.
 */
export const TrainJobConfig = TrainJobFields.transform((job, context): Omit<typeof job, "trainer"> & { method: TrainingMethod; trainer: MethodConfig } => {
  const ranks = job.processes * job.nodes;
  if (job.shardFrozenBase && ranks < 2) {
    requireRanksToShard(job.shardFrozenBase, ranks, context);
    return z.NEVER;
  }
  if (ranks > 1 && job.method !== "vader") {
    context.addIssue({ code: "custom", path: ["processes"], message: `${job.method} does not split its batch across ranks yet (only vader does): run it with one process and one node` });
    return z.NEVER;
  }
  // Left unset, VADER's batch on several ranks is one video per rank (a batch of 1 cannot be split).
  const options = ranks > 1 && job.trainer.batchSize === undefined ? { ...job.trainer, batchSize: ranks } : job.trainer;
  const trainer = IMPLEMENTATIONS.trainer[job.method].safeParse(options);
  if (!trainer.success) {
    for (const issue of trainer.error.issues) context.addIssue({ ...issue, path: ["trainer", ...issue.path] } as z.core.$ZodRawIssue);
    return z.NEVER;
  }
  const batchSize = "batchSize" in trainer.data ? trainer.data.batchSize : 1;
  if (batchSize % ranks !== 0) {
    context.addIssue({ code: "custom", path: ["trainer", "batchSize"], message: `must be a multiple of the ${ranks} ranks (processes x nodes) to split across them, got ${batchSize}; use ${Math.ceil(batchSize / ranks) * ranks} or fewer processes` });
    return z.NEVER;
  }
  return { ...job, trainer: trainer.data };
});
export type TrainJobConfig = z.output<typeof TrainJobConfig>;
/** A training job as written (a job file, `worldTrainJob`): what `TrainJobConfig` parses, defaults not yet filled in. */
export type TrainJobInput = z.input<typeof TrainJobConfig>;

/** VADER on the digit world's base, the same for every task; the model's own sampler at eta 1 (DDIM on the world's base: the paper's) with the world's guidance. */
const WORLD_TRAINER = {
  scheduler: { steps: 10, eta: 1 },
  guidanceScale: WORLD_SAMPLING.guidanceScale,
  truncation: { mode: "last", k: 1 },
  lora: { rank: 8 },
  lr: 3e-3,
  batchSize: 4,
  seed: 0,
} as const satisfies VaderTrainerConfigInput;

/**
 * Built-in tasks on the digit world (docs/world.md), sized to run in about 3 minutes on 2 CPU
 * cores: `vader train --reward digit|motion|removal`. The digit and removal tasks sit where the base
 * is weak; the base already moves the prompted way in every clip, so the motion task shows whether
 * training keeps that.
 */
export const WORLD_TASKS = {
  digit: {
    reward: { kind: "named", name: "digit", options: {} },
    prompts: ["digit 5 moving left", "digit 5 moving right", "digit 5 moving up", "digit 5 moving down"],
    trainer: WORLD_TRAINER,
  },
  motion: {
    reward: { kind: "named", name: "motion", options: {} },
    prompts: ["digit 1 moving left", "digit 1 moving right", "digit 1 moving up", "digit 1 moving down"],
    // The motion reward reads the whole clip.
    trainer: { ...WORLD_TRAINER, decodeFrames: { mode: "all" } },
  },
  removal: {
    // The base draws a 2 for about a third of "digit 5" frames: removing 2s should leave 5s.
    reward: { kind: "named", name: "removal", options: { digit: 2 } },
    prompts: ["digit 5 moving left", "digit 5 moving right", "digit 5 moving up", "digit 5 moving down"],
    trainer: WORLD_TRAINER,
  },
} satisfies Record<string, Pick<TrainJobInput, "reward" | "prompts" | "trainer">>;
/** A digit-world task's name: "digit", "motion" or "removal". */
export type WorldTask = keyof typeof WORLD_TASKS;

/** The default job: the "digit" task on the world's base, judged before and after. */
export function worldTrainJob(task: WorldTask = "digit"): TrainJobInput {
  const { reward, prompts, trainer } = WORLD_TASKS[task];
  return {
    model: { directory: WORLD_BASE_DIRECTORY },
    reward,
    prompts,
    trainer,
    steps: 80,
    preview: { prompts: [prompts[0] ?? "digit 7 moving left"], seed: 1234 },
    evaluation: { samplesPerPrompt: 8, seed: 4321 },
  };
}

/** The "digit" task's job on the world's base (`worldTrainJob("digit")`). */
export const DEFAULT_TRAIN_JOB = worldTrainJob("digit");

/** The tiny random-weight model with a brightness reward: seconds a step, for tests and smoke checks (`vader train --tiny`). */
export const TINY_TRAIN_JOB = {
  model: { family: "text-to-video", seed: 0, frames: 8, height: 32, width: 32 },
  reward: { kind: "named", name: "brightness", options: {} },
  trainer: {
    scheduler: { steps: 10, eta: 1 },
    truncation: { mode: "last", k: 1 },
    lora: { rank: 8 },
    // The gradient through one DDIM step of the random tiny model is small (norm ~1e-5); AdamW
    // rescales it, and 1e-2 climbs steadily in 20 steps where the paper's 2e-4 barely moves.
    lr: 1e-2,
    seed: 0,
  } satisfies VaderTrainerConfigInput,
  steps: 20,
  preview: { prompts: ["a dog playing a guitar on a porch"], seed: 1234 },
} satisfies TrainJobInput;
