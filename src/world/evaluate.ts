// Sample N videos per prompt and report the judge's accuracy and each reward's mean: how
// `vader eval` and `vader train` tell a better model from a hacked reward.
import type { Model } from "../model/model.js";
import type { Reward } from "../reward/reward.js";
import { Scheduler } from "../scheduler/scheduler.js";
import type { Tensor } from "../specs/tensor.js";
import { judgeVideos, type JudgeReport } from "./judge.js";
import { WORLD_SAMPLING } from "./world-defaults.js";

/** What `evaluate` samples and scores; sampling defaults to the digit world's settings. */
export interface EvaluateOptions {
  /** The prompts to sample; each is sampled `count` times. */
  prompts: string[];
  /** Videos per prompt. */
  count?: number;
  seed?: number;
  scheduler?: Scheduler;
  guidanceScale?: number;
  /** Rewards whose means to report beside the judge (e.g. the one being trained). */
  rewards?: Reward[];
  signal?: AbortSignal;
}

/** What `evaluate` found: the judge's report, each reward's mean score, and the sampled videos. */
export interface EvaluationReport {
  /** The digit world's judge on every sampled video. */
  judge: JudgeReport;
  /** Mean score per reward, keyed by the reward's description. */
  rewards: Record<string, number>;
  /** The prompts as sampled (each prompt `count` times in a row) and the videos. */
  prompts: string[];
  videos: Tensor<"uint8">;
}

/**
 * Samples `count` videos (default 4) per prompt with `model`, then reports the judge's accuracy and
 * the mean of each reward in `rewards`: the judge tells a better model from a hacked reward.
 */
export async function evaluate(model: Model, options: EvaluateOptions): Promise<EvaluationReport> {
  const count = options.count ?? 4;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`evaluate: count must be a whole number >= 1 (got ${count})`);
  if (options.prompts.length === 0) throw new RangeError("evaluate: list at least one prompt");
  const prompts = options.prompts.flatMap((prompt) => Array.from({ length: count }, () => prompt));
  const videos = await model.sample({
    prompts,
    seed: options.seed ?? 0,
    scheduler: options.scheduler ?? Scheduler.from(WORLD_SAMPLING.scheduler),
    guidanceScale: options.guidanceScale ?? WORLD_SAMPLING.guidanceScale,
    batchSize: 16,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const judge = await judgeVideos(model.bridge, videos, prompts);
  const rewards: Record<string, number> = {};
  for (const reward of options.rewards ?? []) {
    const scores = await reward.score(model.bridge, videos, prompts);
    rewards[reward.toString()] = scores.reduce((sum, score) => sum + score, 0) / scores.length;
  }
  return { judge, rewards, prompts, videos };
}
