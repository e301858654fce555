// The final samples of a model (the base, or the base with one adapter): the reward's mean and,
// where asked, the digit world's judge on the same videos.
import type { Model } from "../model/model.js";
import type { Reward } from "../reward/reward.js";
import { Scheduler } from "../scheduler/scheduler.js";
import type { CompareConfig } from "../specs/compare-config.js";
import type { SampleScore } from "../specs/comparison-results.js";
import type { Tensor } from "../specs/tensor.js";
import { judgeVideos } from "../world/judge.js";

export interface ScoredSamples {
  score: SampleScore;
  /** The videos, `samplesPerPrompt` of each prompt in a row, and their prompts. */
  videos: Tensor<"uint8">;
  prompts: string[];
}

export async function scoreSamples(model: Model, reward: Reward, prompts: string[], evaluation: CompareConfig["evaluation"]): Promise<ScoredSamples> {
  const repeated = prompts.flatMap((prompt) => Array.from({ length: evaluation.samplesPerPrompt }, () => prompt));
  const videos = await model.sample({
    prompts: repeated,
    seed: evaluation.seed,
    scheduler: Scheduler.from(evaluation.scheduler),
    guidanceScale: evaluation.guidanceScale,
    batchSize: 16,
  });
  const scores = await reward.score(model.bridge, videos, repeated);
  const judged = evaluation.judge ? await judgeVideos(model.bridge, videos, repeated) : null;
  return {
    score: {
      reward: scores.reduce((sum, value) => sum + value, 0) / scores.length,
      judge: judged && { samples: judged.samples, digitAccuracy: judged.digitAccuracy, directionAccuracy: judged.directionAccuracy },
    },
    videos,
    prompts: repeated,
  };
}
