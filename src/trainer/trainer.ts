// One factory per algorithm: validate the config with the algorithm's zod schema, pick its metrics.
import type { z } from "zod";
import { ConfigError } from "../errors.js";
import type { Model } from "../model/model.js";
import type { Reward } from "../reward/reward.js";
import type { Scheduler } from "../scheduler/scheduler.js";
import { DdpoStepMetrics, DpoStepMetrics, GrpoStepMetrics, type StepMetrics, VaderStepMetrics } from "../specs/metrics.js";
import { DdpoTrainerConfig, type DdpoTrainerConfigInput } from "../specs/trainers/ddpo-config.js";
import { DpoTrainerConfig, type DpoTrainerConfigInput } from "../specs/trainers/dpo-config.js";
import { GrpoTrainerConfig, type GrpoTrainerConfigInput } from "../specs/trainers/grpo-config.js";
import { VaderTrainerConfig, type VaderTrainerConfigInput } from "../specs/trainers/vader-config.js";
import { RemoteTrainer } from "./remote-trainer.js";

/** An algorithm's config fields, plus the model to train, the reward, and a Scheduler object in place of the scheduler's data. */
export type TrainerOptions<ConfigInput> = Omit<ConfigInput, "scheduler"> & { model: Model; reward: Reward; scheduler?: Scheduler };

export type VaderTrainerOptions = TrainerOptions<VaderTrainerConfigInput>;
export type DdpoTrainerOptions = TrainerOptions<DdpoTrainerConfigInput>;
export type DpoTrainerOptions = TrainerOptions<DpoTrainerConfigInput>;
export type GrpoTrainerOptions = TrainerOptions<GrpoTrainerConfigInput>;

export type VaderTrainer = RemoteTrainer<VaderTrainerConfig, VaderStepMetrics>;
export type DdpoTrainer = RemoteTrainer<DdpoTrainerConfig, DdpoStepMetrics>;
export type DpoTrainer = RemoteTrainer<DpoTrainerConfig, DpoStepMetrics>;
export type GrpoTrainer = RemoteTrainer<GrpoTrainerConfig, GrpoStepMetrics>;

function remoteTrainer<Config extends Record<string, unknown>, Metrics extends StepMetrics>(
  algorithm: string,
  subject: string,
  schema: z.ZodType<Config>,
  metrics: z.ZodType<Metrics>,
  options: TrainerOptions<object>,
): RemoteTrainer<Config, Metrics> {
  const { model, reward, scheduler, ...rest } = options;
  const parsed = schema.safeParse({ ...rest, ...(scheduler ? { scheduler: scheduler.config } : {}) });
  if (!parsed.success) throw ConfigError.fromZod(`${subject} trainer config`, parsed.error);
  return new RemoteTrainer(algorithm, model, reward, parsed.data, metrics);
}

export const Trainer = {
  /** VADER: reward gradients backpropagated through the last K denoising steps into LoRA weights. */
  vader(options: VaderTrainerOptions): VaderTrainer {
    return remoteTrainer("vader", "VADER", VaderTrainerConfig, VaderStepMetrics, options);
  },
  /** DDPO: PPO on the log-probabilities of the stochastic DDIM chain, advantages from per-prompt reward statistics. */
  ddpo(options: DdpoTrainerOptions): DdpoTrainer {
    return remoteTrainer("ddpo", "DDPO", DdpoTrainerConfig, DdpoStepMetrics, options);
  },
  /** Online Diffusion-DPO: the reward ranks sampled videos into winner/loser pairs; the reference is the model with its LoRA off. */
  dpo(options: DpoTrainerOptions): DpoTrainer {
    return remoteTrainer("dpo", "Diffusion-DPO", DpoTrainerConfig, DpoStepMetrics, options);
  },
  /** GRPO (Flow-GRPO, DanceGRPO): groups of videos per prompt, group-relative advantages, clipped ratio, optional KL to the reference. */
  grpo(options: GrpoTrainerOptions): GrpoTrainer {
    return remoteTrainer("grpo", "GRPO", GrpoTrainerConfig, GrpoStepMetrics, options);
  },
};
