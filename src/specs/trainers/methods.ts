// The training methods by name: VADER and the baselines (docs/trainers.md), as registry.ts lists them.
import { z } from "zod";
import { TRAINERS } from "./registry.js";

/** A built-in training method's name: "vader", "ddpo", "dpo" or "grpo". */
export type TrainingMethod = keyof typeof TRAINERS;
/** The built-in training methods' names, in registry order. */
export const TRAINING_METHODS = Object.keys(TRAINERS) as [TrainingMethod, ...TrainingMethod[]];
export const TrainingMethodName = z.enum(TRAINING_METHODS);
