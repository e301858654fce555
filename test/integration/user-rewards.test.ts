// Users' own rewards end to end: a TypeScript function that Python asks for scores mid-fit (GRPO
// trains on it, summed with a named reward; VADER refuses it; its exceptions fail the fit with its
// name), and a Python function named by file (the `python` reward).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Bridge, ConfigError, Model, Reward, Scheduler, Tensor, Trainer } from "../../src/index.js";
import { PACKAGE_ROOT } from "../../src/transport/package-root.js";

const prompts = ["a red fox in the snow"];
const quick = { scheduler: Scheduler.ddim({ steps: 2 }), guidanceScale: 1, lr: 1e-2 };
const FUNCTIONS_FILE = join(PACKAGE_ROOT, "python-bridge", "tests", "user_rewards", "user_reward_functions.py");

/** The mean red channel of each video in [0, 1], computed here from the uint8 [B, F, H, W, 3] tensor. */
function meanRed(videos: Tensor<"uint8">): Float32Array {
  const [batch = 0, ...rest] = videos.shape;
  const perVideo = rest.reduce((product, size) => product * size, 1);
  const scores = new Float32Array(batch);
  for (let video = 0; video < batch; video++) {
    let sum = 0;
    for (let index = video * perVideo; index < (video + 1) * perVideo; index += 3) sum += videos.data[index] ?? 0;
    scores[video] = sum / (perVideo / 3) / 255;
  }
  return scores;
}

describe("users' own rewards", () => {
  let bridge: Bridge;
  let model: Model;
  beforeAll(async () => {
    bridge = await Bridge.start();
    model = await Model.tiny(bridge, { frames: 2, height: 8, width: 8 });
  });
  afterAll(async () => {
    await bridge?.close();
  });

  it("trains GRPO on a TypeScript function summed with a named reward, logging the scores TypeScript computed", async () => {
    const computed: number[] = [];
    const seen: string[][] = [];
    const red = Reward.fromFunction("mean-red", (videos, videoPrompts) => {
      seen.push(videoPrompts);
      expect(videos.dtype).toBe("uint8");
      expect(videos.shape.slice(1)).toEqual([2, 8, 8, 3]);
      const scores = meanRed(videos);
      computed.push(...scores);
      return scores;
    });
    const reward = red.plus(Reward.named("brightness").times(0.5));
    expect(reward.toString()).toBe("mean-red + 0.5 * brightness");
    await using trainer = Trainer.grpo({ model, reward, adapter: "grpo-ts", ...quick, promptsPerStep: 1, groupSize: 2 });
    const steps = [];
    for await (const step of trainer.fit({ prompts, steps: 2 })) steps.push(step);
    expect(steps.map((step) => step.step)).toEqual([1, 2]);
    expect(seen.flat().every((prompt) => prompt === prompts[0])).toBe(true);
    let queried = 0;
    for (const step of steps) {
      const ofStep = computed.slice(queried, step.rewardQueries);
      queried = step.rewardQueries;
      expect(ofStep.length).toBeGreaterThan(0);
      const mean = ofStep.reduce((sum, score) => sum + score, 0) / ofStep.length;
      expect(step.rewardTerms["mean-red"]?.mean).toBeCloseTo(mean, 5);
      expect(step.reward.mean).toBeCloseTo(mean + 0.5 * (step.rewardTerms["brightness"]?.mean ?? NaN), 5);
    }
    expect(computed.length).toBe(steps.at(-1)?.rewardQueries);
  });

  it("scores with a TypeScript function through the bridge, alone and in a sum", async () => {
    const video = new Tensor("uint8", [2, 1, 2, 2, 3], Uint8Array.from({ length: 24 }, (_, index) => (index < 12 ? (index % 3 === 0 ? 255 : 0) : 51)));
    const red = Reward.fromFunction("mean-red", meanRed);
    expect(Array.from(await red.score(bridge, video))).toEqual([1, 0.2].map((value) => Math.fround(value)));
    const { terms } = await red.plus(Reward.named("brightness")).scoreTerms(bridge, video);
    expect(terms.map((term) => term.name)).toEqual(["mean-red", "brightness"]);
  });

  it("VADER refuses a reward with a TypeScript term, saying why and what to use instead", async () => {
    const reward = Reward.named("brightness").plus(Reward.fromFunction("mean-red", meanRed));
    await using trainer = Trainer.vader({ model, reward, adapter: "vader-ts", ...quick });
    const error = await trainer.fit({ prompts, steps: 1 }).result.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain("the 'mean-red' term is a TypeScript function, which scores videos without a gradient");
    expect(message).toContain("backpropagates the reward's gradient into the LoRA");
    expect(message).toContain('Reward.python("module:function")');
    expect(message).toContain("GRPO, DDPO or DPO");
  });

  it("a TypeScript function that throws fails the fit with its message and the term's name, without hanging", async () => {
    const reward = Reward.fromFunction("picky-judge", () => {
      throw new RangeError("no red today");
    });
    await using trainer = Trainer.grpo({ model, reward, adapter: "grpo-throws", ...quick, promptsPerStep: 1, groupSize: 2 });
    const started = performance.now();
    const error = await trainer.fit({ prompts, steps: 2 }).result.catch((caught: unknown) => caught);
    expect((error as Error).message).toContain("the TypeScript reward 'picky-judge' failed: it threw RangeError: no red today");
    expect(performance.now() - started).toBeLessThan(30_000);
    // The bridge serves on: the next call works.
    expect((await Reward.named("brightness").score(bridge, new Tensor("uint8", [1, 1, 1, 1, 3], Uint8Array.of(255, 255, 255))))[0]).toBeCloseTo(1, 5);
  });

  it("a TypeScript term whose function is missing (a spec read from JSON) is refused before Python builds anything", async () => {
    const fromJson = Reward.from(JSON.parse(JSON.stringify(Reward.fromFunction("mean-red", meanRed))));
    await using trainer = Trainer.grpo({ model, reward: fromJson, adapter: "grpo-json", ...quick, promptsPerStep: 1, groupSize: 2 });
    const error = await trainer.fit({ prompts, steps: 1 }).result.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0]).toContain('build it in this program with Reward.fromFunction("mean-red", fn)');
  });

  it("scores and trains VADER with a Python function named by its file, labelled by the function's name", async () => {
    const reward = Reward.python(`${FUNCTIONS_FILE}:mean_red`);
    expect(reward.toString()).toBe("mean_red");
    const video = new Tensor("uint8", [1, 1, 1, 2, 3], Uint8Array.of(255, 0, 0, 51, 0, 0));
    expect((await reward.score(bridge, video))[0]).toBeCloseTo(0.6, 5);
    await using trainer = Trainer.vader({ model, reward, adapter: "vader-python", ...quick });
    const steps = [];
    for await (const step of trainer.fit({ prompts, steps: 1 })) steps.push(step);
    expect(Object.keys(steps[0]?.rewardTerms ?? {})).toEqual(["mean_red"]);
    expect(steps[0]?.gradNorm).toBeGreaterThan(0);
    const missing = await Reward.python("no_such_module_here:score").score(bridge, video).catch((caught: unknown) => caught);
    expect((missing as Error).message).toContain("there is no module 'no_such_module_here' on the bridge's Python path; put its folder on PYTHONPATH");
  });
});
