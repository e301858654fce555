import { z } from "zod";
import { wholeNumber } from "./bounds.js";
import { EarlyStopConfig } from "./early-stop.js";

/** One `fit` call of any trainer. */
export const FitOptions = z.strictObject({
  prompts: z.array(z.string().min(1, { error: "must not be empty" })).min(1, { error: "must list at least one prompt" }),
  steps: wholeNumber(1, 1_000_000).default(20),
  /** Folder that receives metrics.jsonl (one line per step) and the LoRA weights. */
  runDirectory: z.string().min(1).optional(),
  /** Save LoRA weights every N steps (and always at the end) when runDirectory is set. */
  saveEvery: wholeNumber(1, 1_000_000).optional(),
  /** Folder for TensorBoard event files: each step's reward (mean, std, each term), loss, gradNorm, lr and seconds. */
  tensorboardDirectory: z.string().min(1).optional(),
  /** Stop when a held-out reward term stops improving (early-stop.ts); left out: every step runs. */
  earlyStop: EarlyStopConfig.optional(),
});
export type FitOptions = z.output<typeof FitOptions>;
export type FitOptionsInput = z.input<typeof FitOptions>;
