// The comparison's trainer settings per method, over each method's own defaults: every method
// spends 4 reward queries a step, so that all curves have points at the same query counts, and
// every reward query scores all frames of its video (VADER's own default decodes one random frame).
import type { TrainingMethod } from "../specs/trainers/methods.js";

export const QUERIES_PER_STEP = 4;

export const COMPARISON_TRAINER_DEFAULTS: Record<TrainingMethod, Record<string, unknown>> = {
  /** 4 videos, one update; the reward sees every frame, as the baselines' does. */
  vader: { batchSize: 4, decodeFrames: { mode: "all" } },
  /** 2 micro-batches of 2 videos. */
  ddpo: { batchSize: 2, batchesPerStep: 2 },
  /** 2 prompts, one pair each. */
  dpo: { promptsPerStep: 2, samplesPerPrompt: 2 },
  /** 1 group of 4 videos of one prompt. */
  grpo: { promptsPerStep: 1, groupSize: 4 },
};
