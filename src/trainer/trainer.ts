// Trainers by name: each algorithm's config is validated with the zod schema its spec file declares
// (src/specs/trainers/), and its step metrics with that spec's metrics schema. A trainer that only
// Python knows (a plugin) is validated there.
import type { z } from "zod";
import { ConfigError } from "../errors.js";
import type { Model } from "../model/model.js";
import type { Reward } from "../reward/reward.js";
import type { Scheduler } from "../scheduler/scheduler.js";
import { StepMetrics } from "../specs/metrics.js";
import type { TrainingMethod } from "../specs/trainers/methods.js";
import { TRAINERS } from "../specs/trainers/registry.js";
import { RemoteTrainer } from "./remote-trainer.js";

/** An algorithm's config fields, plus the model to train, the reward, and a Scheduler object in place of the scheduler's data. */
export type TrainerOptions<ConfigInput> = Omit<ConfigInput, "scheduler"> & { model: Model; reward: Reward; scheduler?: Scheduler };

type Spec<Method extends TrainingMethod> = (typeof TRAINERS)[Method];
/** The options of a built-in trainer, by method name. */
export type OptionsOf<Method extends TrainingMethod> = TrainerOptions<z.input<Spec<Method>["config"]>>;
/** A built-in trainer, by method name: its resolved config and its step metrics. */
export type TrainerOf<Method extends TrainingMethod> = RemoteTrainer<z.output<Spec<Method>["config"]>, z.output<Spec<Method>["metrics"]>>;

/** Options of `Trainer.vader`. */
export type VaderTrainerOptions = OptionsOf<"vader">;
/** Options of `Trainer.ddpo`. */
export type DdpoTrainerOptions = OptionsOf<"ddpo">;
/** Options of `Trainer.dpo`. */
export type DpoTrainerOptions = OptionsOf<"dpo">;
/** Options of `Trainer.grpo`. */
export type GrpoTrainerOptions = OptionsOf<"grpo">;
/** What `Trainer.vader` returns. */
export type VaderTrainer = TrainerOf<"vader">;
/** What `Trainer.ddpo` returns. */
export type DdpoTrainer = TrainerOf<"ddpo">;
/** What `Trainer.dpo` returns. */
export type DpoTrainer = TrainerOf<"dpo">;
/** What `Trainer.grpo` returns. */
export type GrpoTrainer = TrainerOf<"grpo">;

function named<Method extends TrainingMethod>(method: Method, options: OptionsOf<Method>): TrainerOf<Method> {
  const spec = TRAINERS[method] as Spec<Method>;
  const { model, reward, scheduler, ...rest } = options as TrainerOptions<object>;
  const parsed = (spec.config as z.ZodType).safeParse({ ...rest, ...(scheduler ? { scheduler: scheduler.config } : {}) });
  if (!parsed.success) throw ConfigError.fromZod(`${spec.label} trainer config`, parsed.error);
  return new RemoteTrainer(method, model, reward, parsed.data as z.output<Spec<Method>["config"]>, spec.metrics as unknown as z.ZodType<z.output<Spec<Method>["metrics"]>>);
}

/** Makes trainers: one function per built-in method, `named` by method name, and `plugin` for a Python-only trainer. */
export const Trainer = {
  /** Any built-in trainer by its method name (`--method`), its options checked by that trainer's schema. */
  named,
  /**
   * A trainer registered only in Python (a plugin, docs/extending.md): its options are checked
   * against the plugin's `config_schema` in Python when the first fit starts.
   */
  plugin(name: string, options: TrainerOptions<Record<string, unknown>>): RemoteTrainer<Record<string, unknown>, StepMetrics> {
    const { model, reward, scheduler, ...config } = options;
    return new RemoteTrainer(name, model, reward, { ...config, ...(scheduler ? { scheduler: scheduler.config } : {}) }, StepMetrics);
  },
  /** VADER: reward gradients backpropagated through the last K denoising steps into LoRA weights. */
  vader: (options: VaderTrainerOptions): VaderTrainer => named("vader", options),
  /** DDPO: PPO on the log-probabilities of the stochastic DDIM chain, advantages from per-prompt reward statistics. */
  ddpo: (options: DdpoTrainerOptions): DdpoTrainer => named("ddpo", options),
  /** Online Diffusion-DPO: the reward ranks sampled videos into winner/loser pairs; the reference is the model with its LoRA off. */
  dpo: (options: DpoTrainerOptions): DpoTrainer => named("dpo", options),
  /** GRPO (Flow-GRPO, DanceGRPO): groups of videos per prompt, group-relative advantages, clipped ratio, optional KL to the reference. */
  grpo: (options: GrpoTrainerOptions): GrpoTrainer => named("grpo", options),
};
