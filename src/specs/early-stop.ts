import { z } from "zod";
import { wholeNumber } from "./bounds.js";
import { RewardSpecSchema } from "./reward-spec.js";

/**
 * Early stopping on a held-out reward term (a fit's `earlyStop`; Python: early_stopping.py). When
 * the fit starts and every `every` steps, the current LoRA samples `prompts` (`samplesPerPrompt`
 * videos each, the same `seed` each time) without gradients and `reward`, a term that is not
 * trained on, scores them. The fit stops at that step boundary once `patience` evaluations in a
 * row have not beaten the best by more than `minDelta`. `keep: "best"` leaves the trainer and the
 * run's LoRA at the best evaluation's step (the start included); the checkpoint for --resume stays
 * the last step's. A run directory records every evaluation in early-stop.json.
 */
export const EarlyStopConfig = z.strictObject({
  reward: RewardSpecSchema,
  /** Held-out prompts; left out: the fit's prompts (still held out by their seed). */
  prompts: z.array(z.string().min(1, { error: "must not be empty" })).min(1, { error: "must list at least one prompt, or be left out" }).optional(),
  samplesPerPrompt: wholeNumber(1, 64).default(2),
  seed: z.number().int().nonnegative().default(2718),
  every: wholeNumber(1, 1_000_000).default(10),
  patience: wholeNumber(1, 1000).default(3),
  minDelta: z.number().min(0).default(0),
  keep: z.enum(["best", "last"]).default("best"),
});
export type EarlyStopConfig = z.output<typeof EarlyStopConfig>;
/** Early stopping as written (`FitOptions.earlyStop`, a job file's `earlyStop`): what `EarlyStopConfig` parses, defaults not yet filled in. */
export type EarlyStopConfigInput = z.input<typeof EarlyStopConfig>;

/** What early stopping did: each held-out evaluation, the best, and the step whose LoRA the trainer kept. */
export const EarlyStopRecord = z.strictObject({
  /** True when patience ran out before the fit's last step. */
  stopped: z.boolean(),
  lastStep: z.number().int().nonnegative(),
  bestStep: z.number().int().nonnegative().nullable(),
  bestScore: z.number().nullable(),
  keptStep: z.number().int().nonnegative(),
  evaluations: z.array(z.strictObject({ step: z.number().int().nonnegative(), score: z.number() })),
});
export type EarlyStopRecord = z.output<typeof EarlyStopRecord>;
