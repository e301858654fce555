// One factory per algorithm: validate the config with the algorithm's zod schema, pick its metrics.
import { ConfigError } from "../errors.js";
import type { Model } from "../model/model.js";
import type { Reward } from "../reward/reward.js";
import type { Scheduler } from "../scheduler/scheduler.js";
import { VaderStepMetrics } from "../specs/metrics.js";
import { VaderTrainerConfig, type VaderTrainerConfigInput } from "../specs/trainers/vader-config.js";
import { RemoteTrainer } from "./remote-trainer.js";

export interface VaderTrainerOptions extends Omit<VaderTrainerConfigInput, "scheduler"> {
  model: Model;
  reward: Reward;
  scheduler?: Scheduler;
}

export type VaderTrainer = RemoteTrainer<VaderTrainerConfig, VaderStepMetrics>;

export const Trainer = {
  /** VADER: reward gradients backpropagated through the last K denoising steps into LoRA weights. */
  vader(options: VaderTrainerOptions): VaderTrainer {
    const { model, reward, scheduler, ...rest } = options;
    const parsed = VaderTrainerConfig.safeParse({ ...rest, ...(scheduler ? { scheduler: scheduler.config } : {}) });
    if (!parsed.success) throw ConfigError.fromZod("VADER trainer config", parsed.error);
    return new RemoteTrainer("vader", model, reward, parsed.data, VaderStepMetrics);
  },
};
