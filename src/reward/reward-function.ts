// A reward computed in TypeScript: Python asks for its scores mid-call (a `reward-request` event)
// and this answers, by term name, from the functions a Reward carries.
import { ConfigError } from "../errors.js";
import { EVENTS } from "../protocol/methods.js";
import type { Tensor } from "../specs/tensor.js";
import type { StreamedEvent } from "../transport/bridge-connection.js";

/**
 * Scores decoded videos, uint8 [batch, frames, height, width, 3] (as `Model.sample` returns them),
 * and their prompts: one finite number per video. It has no gradient, so GRPO, DDPO and DPO can
 * train on it and VADER cannot.
 */
export type RewardFunction = (videos: Tensor<"uint8">, prompts: string[]) => ArrayLike<number> | Promise<ArrayLike<number>>;

/** Options of `Reward.fromFunction`. */
export interface RewardFunctionOptions {
  /** How long Python waits for one answer before it fails the call, in ms (default 300000). */
  timeoutMs?: number;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The scores of one TypeScript reward term, checked: one finite number per video. */
export async function runRewardFunction(reward: RewardFunction, videos: Tensor<"uint8">, prompts: string[]): Promise<number[]> {
  let returned: ArrayLike<number>;
  try {
    returned = await reward(videos, prompts);
  } catch (error) {
    throw new Error(`it threw ${describeError(error)}`);
  }
  const batch = videos.shape[0] ?? 0;
  if (returned === null || typeof returned !== "object" || typeof returned.length !== "number") {
    throw new Error(`it returned ${returned === null ? "null" : typeof returned}; return a Float32Array or number[] of ${batch} scores`);
  }
  const scores = Array.from(returned, Number);
  if (scores.length !== batch) throw new Error(`it returned ${scores.length} scores for ${batch} videos; return one per video`);
  const bad = scores.findIndex((score) => !Number.isFinite(score));
  if (bad >= 0) throw new Error(`it returned ${scores[bad]} for video ${bad}; return finite numbers`);
  return scores;
}

/** Answers a call's `reward-request` questions from `functions` (by term name); anything else is refused. */
export function rewardRequestAnswerer(functions: ReadonlyMap<string, RewardFunction>): (question: StreamedEvent) => Promise<Record<string, unknown>> {
  return async ({ event, data }) => {
    if (event !== "reward-request") throw new Error(`no answer for a ${event} here`);
    const parsed = EVENTS["reward-request"].safeParse(data);
    if (!parsed.success) throw new Error(`a malformed reward-request: ${ConfigError.fromZod("reward-request", parsed.error).issues.join("; ")}`);
    const { term, video, prompts } = parsed.data;
    const reward = functions.get(term);
    if (!reward) throw new Error(`this reward has no TypeScript function named "${term}"`);
    if (video.dtype !== "uint8") throw new Error(`the videos for "${term}" arrived as ${video.dtype}, not uint8`);
    return { scores: await runRewardFunction(reward, video as Tensor<"uint8">, prompts) };
  };
}
