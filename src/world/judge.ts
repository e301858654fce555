// The digit world's independent judge: never a training signal, only a check of what a reward claims.
import type { Tensor } from "../specs/tensor.js";
import type { BridgeClient } from "../transport/bridge-client.js";

/** The digit world's judge on a batch of videos: digit and direction accuracy, overall and per video. */
export interface JudgeReport {
  /** Videos judged. */
  samples: number;
  /** Fraction of all frames showing the prompted digit (by a classifier trained apart from the rewards). */
  digitAccuracy: number;
  /** Fraction of clips moving the prompted way (by the brightness centroid's path). */
  directionAccuracy: number;
  /** Per video: fraction of its frames with the prompted digit, and the direction the judge saw. */
  perVideo: { digit: number; direction: string; directionRight: boolean }[];
}

/** Judges uint8 videos [B, frames, H, W, 3] against their world captions ("digit 7 moving left"). */
export async function judgeVideos(bridge: BridgeClient, video: Tensor<"uint8">, prompts: string[]): Promise<JudgeReport> {
  const { digitHits, directionHits, directions } = await bridge.call("world.judge", { video, prompts });
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  return {
    samples: digitHits.length,
    digitAccuracy: mean(digitHits),
    directionAccuracy: mean(directionHits),
    perVideo: digitHits.map((digit, index) => ({
      digit,
      direction: directions[index] ?? "still",
      directionRight: directionHits[index] === 1,
    })),
  };
}

/** The world's captions: the fine-tuning prompts ("train"), the held-out ones ("test"), or all 40. */
export async function worldPrompts(bridge: BridgeClient, split: "train" | "test" | "all" = "train"): Promise<string[]> {
  return (await bridge.call("world.prompts", { split })).prompts;
}
