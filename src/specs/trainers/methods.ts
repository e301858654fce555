// The training methods by name: VADER and the baselines (docs/trainers.md).
import { z } from "zod";

export const TRAINING_METHODS = ["vader", "ddpo", "dpo", "grpo"] as const;
export type TrainingMethod = (typeof TRAINING_METHODS)[number];
export const TrainingMethodName = z.enum(TRAINING_METHODS);
