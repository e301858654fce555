// `vader compare`'s job: the world task's settings per method, the world's prompt splits, then
// --config, then flags. The bridge is stood in for by its world.prompts answer.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRewards, parseSizes, resolveCompareJob } from "../../src/cli/compare.js";
import { WORLD_TASKS } from "../../src/world/train-job.js";
import { ConfigError } from "../../src/errors.js";
import { sharedTaskFields } from "../../src/trainer/by-method.js";
import type { BridgeClient } from "../../src/transport/bridge-client.js";

const SPLITS = {
  train: Array.from({ length: 10 }, (_, digit) => `digit ${digit} moving left`),
  test: Array.from({ length: 10 }, (_, digit) => `digit ${digit} moving up`),
};
const worldBridge = { call: async (method: string, params: { split: "train" | "test" }) => (method === "world.prompts" ? { prompts: SPLITS[params.split] } : undefined) } as unknown as BridgeClient;

function jobFile(content: object): string {
  const path = join(mkdtempSync(join(tmpdir(), "vader-compare-job-")), "compare.json");
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe("vader compare's job", () => {
  it("gives VADER the world task's settings and the baselines its sampler, guidance, LoRA and seed", async () => {
    const { comparison, reward, model } = await resolveCompareJob({ reward: "motion" }, worldBridge);
    expect(reward).toEqual(WORLD_TASKS.motion.reward);
    expect(model).toMatchObject({ directory: expect.stringMatching(/world[/\\]base$/) });
    expect(comparison.trainer?.vader).toEqual(WORLD_TASKS.motion.trainer);
    for (const method of ["ddpo", "dpo", "grpo"] as const) expect(comparison.trainer?.[method]).toEqual(sharedTaskFields(WORLD_TASKS.motion.trainer));
    expect(comparison.trainPrompts).toEqual(SPLITS.train);
    expect(comparison.testPrompts).toEqual(SPLITS.test);
    expect(comparison.evaluation).toMatchObject({ judge: true });
  });

  it("leaves out the captions of the digit a removal reward removes", async () => {
    const removed = WORLD_TASKS.removal.reward.options.digit;
    const { comparison } = await resolveCompareJob({ reward: "removal" }, worldBridge);
    expect(comparison.trainPrompts).toHaveLength(9);
    expect(comparison.trainPrompts?.some((prompt) => prompt.startsWith(`digit ${removed} `))).toBe(false);
    expect(comparison.testPrompts).toHaveLength(9);
  });

  it("takes --config under the flags, merging each method's trainer options", async () => {
    const config = jobFile({ budget: 64, seeds: [3, 4], trainer: { grpo: { klCoefficient: 0 } }, learningRates: { vader: [1e-3], ddpo: [1e-4] } });
    const { comparison } = await resolveCompareJob({ config, methods: "vader,grpo", seeds: 2, lrsPerMethod: 1, evalSamples: 1 }, worldBridge);
    expect(comparison).toMatchObject({ budget: 64, seeds: [0, 1], methods: ["vader", "grpo"], lrsPerMethod: 1, learningRates: { vader: [1e-3] } });
    expect(comparison.trainer?.grpo).toEqual({ ...sharedTaskFields(WORLD_TASKS.digit.trainer), klCoefficient: 0 });
    expect(comparison.evaluation).toMatchObject({ samplesPerPrompt: 1, judge: true });
  });

  it("refuses a number of seeds that is not a whole number of 1 or more", async () => {
    await expect(resolveCompareJob({ seeds: 0 }, worldBridge)).rejects.toThrow(/--seeds:\n {2}- must be a whole number of seeds, 1 or more \(got 0\)/);
  });

  it("refuses an unknown method, listing the known ones", async () => {
    const refusal = resolveCompareJob({ methods: "vader,ppo" }, worldBridge);
    await expect(refusal).rejects.toBeInstanceOf(ConfigError);
    await expect(refusal).rejects.toThrow(/"ppo" is not a method; choose from vader, ddpo, dpo, grpo/);
  });

  it("--tiny: the tiny model, brightness, two captions of each split and no judge", async () => {
    const { comparison, reward, model } = await resolveCompareJob({ tiny: true }, worldBridge);
    expect(reward).toMatchObject({ kind: "named", name: "brightness" });
    expect(model).toMatchObject({ family: "text-to-video" });
    expect(comparison.trainPrompts).toEqual(SPLITS.train.slice(0, 2));
    expect(comparison.testPrompts).toEqual(SPLITS.test.slice(0, 2));
    expect(comparison.evaluation).toMatchObject({ judge: false, samplesPerPrompt: 1 });
  });

  it("--sizes: the model generates at each size; the world's folder is loaded at that height and width", async () => {
    const { model } = await resolveCompareJob({ size: 64 }, worldBridge);
    expect(model).toMatchObject({ directory: expect.stringMatching(/world[/\\]base$/), height: 64, width: 64 });
    const tiny = await resolveCompareJob({ tiny: true, size: 24 }, worldBridge);
    expect(tiny.model).toMatchObject({ family: "text-to-video", height: 24, width: 24 });
  });

  it("reads comma-separated rewards and sizes, naming a bad entry and the fix", () => {
    expect(parseRewards(undefined)).toEqual(["digit"]);
    expect(parseRewards("digit, motion,removal")).toEqual(["digit", "motion", "removal"]);
    expect(() => parseRewards("digit,colour")).toThrow(/--reward:\n {2}- "colour" is not a digit-world task; choose from digit, motion, removal/);
    expect(parseSizes(undefined)).toEqual([undefined]);
    expect(parseSizes("32,64")).toEqual([32, 64]);
    expect(() => parseSizes("32,50")).toThrow(/--sizes:\n {2}- "50" is not a frame size: .*multiples of 4/);
    expect(() => parseSizes(",")).toThrow(/--sizes:\n {2}- lists nothing/);
  });
});
