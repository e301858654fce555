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
