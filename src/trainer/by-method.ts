// A trainer picked by its method's name (`vader train --method`, `compare`): the config is checked
// by that method's own schema, and each method's spec says how many reward queries one step spends.
import type { z } from "zod";
import { ConfigError } from "../errors.js";
import type { Model } from "../model/model.js";
import type { Reward } from "../reward/reward.js";
import { Scheduler } from "../scheduler/scheduler.js";
import type { StepMetrics } from "../specs/metrics.js";
import type { TrainingMethod } from "../specs/trainers/methods.js";
import { TRAINERS } from "../specs/trainers/registry.js";
import type { RemoteTrainer } from "./remote-trainer.js";
import { Trainer, type OptionsOf } from "./trainer.js";

export { TRAINING_METHODS, type TrainingMethod } from "../specs/trainers/methods.js";

/** How each method is named in print and in tables. */
export const METHOD_LABELS = Object.fromEntries(Object.entries(TRAINERS).map(([method, spec]) => [method, spec.label])) as Record<TrainingMethod, string>;

/** A method's resolved config (every default filled in). */
export type MethodConfig = z.output<(typeof TRAINERS)[TrainingMethod]["config"]>;

/** Any method's trainer, seen through what they share. */
export type AnyTrainer = RemoteTrainer<Record<string, unknown>, StepMetrics>;

/** Validates `config` with `method`'s schema (ConfigError naming `subject` and the fields otherwise) and fills its defaults. */
export function methodConfig(method: TrainingMethod, config: Record<string, unknown>, subject = `${method} trainer config`): MethodConfig {
  const parsed = (TRAINERS[method].config as z.ZodType<MethodConfig>).safeParse(config);
  if (!parsed.success) throw ConfigError.fromZod(subject, parsed.error);
  return parsed.data;
}

/** The trainer of `method` on `model`, from a config that method's schema accepts. */
export function trainerFor(method: TrainingMethod, model: Model, reward: Reward, config: Record<string, unknown>): AnyTrainer {
  const { scheduler, ...rest } = methodConfig(method, config);
  const options = { model, reward, ...rest, scheduler: Scheduler.from(scheduler) } as unknown as OptionsOf<TrainingMethod>;
  return Trainer.named(method, options) as unknown as AnyTrainer;
}

/** Reward queries (videos scored once each) that one step of `method` spends under `config` (docs/trainers.md, "What a step is"). */
export function queriesPerStep(method: TrainingMethod, config: MethodConfig): number {
  return (TRAINERS[method].queriesPerStep as (resolved: MethodConfig) => number)(config);
}

/** `method`'s settings in a comparison, over its own defaults (its spec file declares them). */
export function comparisonDefaults(method: TrainingMethod): Record<string, unknown> {
  return TRAINERS[method].comparisonDefaults;
}

/**
 * The settings a task gives every method alike: the sampler, guidance, LoRA and seed. The rest of
 * a task's trainer settings (truncation, batch size, lr, ...) belong to the method they were written for.
 */
export const SHARED_TASK_FIELDS = ["scheduler", "guidanceScale", "lora", "seed"] as const;

/** The fields of `trainer` (a task's settings) that carry over to any method. */
export function sharedTaskFields(trainer: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(SHARED_TASK_FIELDS.filter((field) => trainer[field] !== undefined).map((field) => [field, trainer[field]]));
}
