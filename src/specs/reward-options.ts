// The options of each built-in reward (python-bridge/vader_bridge/rewards/<name>.py builds its
// config from the JSON Schema generated from these).
import { z } from "zod";

export const NoOptions = z.strictObject({});

export const BrightnessOptions = z.strictObject({
  /** Without a target, brighter is better (up to white); with one, closeness to that mean luma. */
  target: z.number().min(0).max(1).optional(),
});

export const TestingExceptionOptions = z.strictObject({
  message: z.string().default("testing-exception reward raised on purpose (it exists to test error reporting)"),
});

/** A folder with a classifier's `model.safetensors` and `config.json`; default: the digit world's own. */
const ClassifierWeights = z.string().min(1).optional();

/** The digit world's rewards (python-bridge/vader_bridge/rewards/{digit,motion,removal}.py; docs/world.md). */
export const DigitOptions = z.strictObject({ weights: ClassifierWeights });
export const MotionOptions = z.strictObject({ weights: ClassifierWeights });
export const RemovalOptions = z.strictObject({
  /** The digit that should not appear. */
  digit: z.number().int().min(0).max(9).default(0),
  weights: ClassifierWeights,
});
