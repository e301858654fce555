// Reward.fromFunction and Reward.python as data: specs, composition, and the checks on what a TypeScript function returns.
import { describe, expect, it } from "vitest";
import { ConfigError, Reward, Tensor } from "../../src/index.js";
import { rewardRequestAnswerer, runRewardFunction } from "../../src/reward/reward-function.js";

const videos = new Tensor("uint8", [2, 1, 1, 1, 3], Uint8Array.of(255, 0, 0, 0, 0, 0));
const red = (batch: Tensor<"uint8">) => Float32Array.from([batch.data[0]! / 255, batch.data[3]! / 255]);

describe("users' own rewards as data", () => {
  it("a TypeScript function is a typescript spec that keeps its function through composition", async () => {
    const reward = Reward.fromFunction("mean-red", red).times(2).plus(Reward.named("brightness"));
    expect(reward.toJSON()).toEqual({ kind: "sum", terms: [{ kind: "scaled", factor: 2, reward: { kind: "typescript", name: "mean-red", timeoutMs: 300_000 } }, { kind: "named", name: "brightness", options: { frames: { mode: "all" } } }] });
    expect(reward.terms().map((term) => [term.name, term.weight])).toEqual([["mean-red", 2], ["brightness", 1]]);
    const { answer } = reward.callOptions();
    expect(await answer({ event: "reward-request", data: { question: 1, term: "mean-red", video: videos, prompts: ["a", "b"] } })).toEqual({ scores: [1, 0] });
    await expect(answer({ event: "reward-request", data: { question: 2, term: "other", video: videos, prompts: [] } })).rejects.toThrow('no TypeScript function named "other"');
  });

  it("refuses two functions under one name, a bad name, and a spec without its function", () => {
    expect(() => Reward.fromFunction("judge", red).plus(Reward.fromFunction("judge", () => [0, 0]))).toThrow(/two different TypeScript functions are both named "judge"/);
    expect(() => Reward.fromFunction("no spaces", red)).toThrow(ConfigError);
    expect(() => Reward.fromFunction("slow", red, { timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => Reward.from(Reward.fromFunction("mean-red", red).toJSON()).callOptions()).toThrow(/Reward.fromFunction\("mean-red", fn\)/);
  });

  it("checks what the function returns, and reports what it threw", async () => {
    await expect(runRewardFunction(() => [1], videos, [])).rejects.toThrow("it returned 1 scores for 2 videos");
    await expect(runRewardFunction(() => [1, Number.NaN], videos, [])).rejects.toThrow("it returned NaN for video 1");
    await expect(runRewardFunction(() => 3 as unknown as number[], videos, [])).rejects.toThrow("it returned number");
    await expect(runRewardFunction(async () => Promise.reject(new TypeError("boom")), videos, [])).rejects.toThrow("it threw TypeError: boom");
    expect(await rewardRequestAnswerer(new Map())({ event: "sample-request", data: {} }).catch((error: Error) => error.message)).toBe("no answer for a sample-request here");
  });

  it("a Python function is the python reward, labelled by the function's name", () => {
    const reward = Reward.python("pkg.rewards:Scorer.sharpness", { wholeClip: true });
    expect(reward.toJSON()).toEqual({ kind: "named", name: "python", options: { function: "pkg.rewards:Scorer.sharpness", frames: { mode: "all" }, wholeClip: true } });
    expect(reward.toString()).toBe("sharpness");
    expect(() => Reward.python("no_function_here")).toThrow(/must name a function as module:function/);
  });
});
