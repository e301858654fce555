// VADER end to end on the real bridge: the reward rises, only the LoRA changes, LoRA round-trips.
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortError, Bridge, ConfigError, Model, Reward, Scheduler, Trainer, type StepMetrics } from "../../src/index.js";
import { TINY_TRAIN_JOB } from "../../src/world/train-job.js";

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

describe("VADER training through the bridge", () => {
  let bridge: Bridge;
  let model: Model;
  let prompts: string[];
  const history: StepMetrics[] = [];
  let baseBefore: string;
  let loraAfterFirstStep: string | null;
  const work = mkdtempSync(join(tmpdir(), "vader-training-"));

  beforeAll(async () => {
    bridge = await Bridge.start();
    model = await Model.tiny(bridge, { seed: 0 });
    prompts = (await bridge.call("prompts.builtIn", {})).prompts;
    baseBefore = (await model.fingerprint()).base;
    const trainer = Trainer.vader({
      model,
      reward: Reward.from(TINY_TRAIN_JOB.reward),
      ...TINY_TRAIN_JOB.trainer,
      scheduler: Scheduler.from(TINY_TRAIN_JOB.trainer.scheduler),
    });
    for await (const step of trainer.fit({ prompts, steps: 1 })) history.push(step);
    loraAfterFirstStep = (await model.fingerprint()).lora;
    const run = trainer.fit({ prompts, steps: 14, runDirectory: join(work, "run"), saveEvery: 5 });
    for await (const step of run) history.push(step);
    await run.result;
  });
  afterAll(async () => {
    await bridge?.close();
  });

  it("streams one metrics record per step, numbered across fits", () => {
    expect(history.map((step) => step.step)).toEqual(Array.from({ length: 15 }, (_, index) => index + 1));
    for (const step of history) {
      expect(Number.isFinite(step.loss) && Number.isFinite(step.gradNorm)).toBe(true);
      expect(step.seconds).toBeGreaterThan(0);
      expect(step.details.backpropSteps).toBe(1);
    }
    expect(history.map((step) => step.rewardQueries)).toEqual(Array.from({ length: 15 }, (_, index) => index + 1));
  });

  it("raises the reward", () => {
    const first = mean(history.slice(0, 3).map((step) => step.reward.mean));
    const last = mean(history.slice(-3).map((step) => step.reward.mean));
    expect(last).toBeGreaterThan(first);
  });

  it("changes the LoRA weights and leaves the base weights bit-identical", async () => {
    const after = await model.fingerprint();
    expect(after.base).toBe(baseBefore);
    expect(loraAfterFirstStep).not.toBeNull();
    expect(after.lora).not.toBe(loraAfterFirstStep);
    expect(model.info.adapters.default?.rank).toBe(8);
    expect(model.info.activeAdapter).toBe("default");
    expect(model.info.parameters.trainable).toBeGreaterThan(0);
  });

  it("writes metrics.jsonl and the LoRA into the run directory", () => {
    const lines = readFileSync(join(work, "run", "metrics.jsonl"), "utf8").trim().split("\n");
    expect(lines.map((line) => JSON.parse(line) as StepMetrics)).toEqual(history.slice(1));
    expect(existsSync(join(work, "run", "lora", "adapter_model.safetensors"))).toBe(true);
  });

  it("reproduces the same sample after saving and reloading the LoRA", async () => {
    const options = { prompts: [prompts[0] as string], seed: 7, scheduler: Scheduler.ddim({ steps: 10 }) };
    const trained = await model.sample(options);
    const loraDirectory = join(work, "saved-lora");
    expect(await model.saveLora(loraDirectory)).toMatch(/adapter_model\.safetensors$/);

    await using fresh = await Model.tiny(bridge, { seed: 0 });
    const untrained = await fresh.sample(options);
    await fresh.loadLora(loraDirectory);
    const reloaded = await fresh.sample(options);
    expect(Buffer.from(reloaded.data).equals(Buffer.from(trained.data))).toBe(true);
    expect(Buffer.from(untrained.data).equals(Buffer.from(trained.data))).toBe(false);
  });
});

describe("long calls: streaming and cancellation", () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await Bridge.start();
  });
  afterAll(async () => {
    await bridge?.close();
  });

  it("streams sampling progress per batch, and a batch's videos do not depend on the others", async () => {
    await using model = await Model.tiny(bridge, { seed: 0 });
    const prompts = ["a dog playing a guitar on a porch", "a cat reading a book by the window", "a duck dancing in the rain"];
    const scheduler = Scheduler.ddim({ steps: 4 });
    const run = model.sampleStream({ prompts, seed: 3, batchSize: 2, scheduler });
    const progress = [];
    for await (const batch of run) progress.push(batch);
    expect(progress.map(({ done, total }) => [done, total])).toEqual([[2, 3], [3, 3]]);
    const all = await run.result;
    expect(all.shape).toEqual([3, 8, 32, 32, 3]);
    const firstBatch = await model.sample({ prompts: prompts.slice(0, 2), seed: 3, batchSize: 2, scheduler });
    expect(Buffer.from(all.data.subarray(0, firstBatch.size)).equals(Buffer.from(firstBatch.data))).toBe(true);
  });

  it("a config only the model can judge is refused in Python with a ConfigError naming the field", async () => {
    await using model = await Model.tiny(bridge, { seed: 0, frames: 4 });
    await using trainer = Trainer.vader({ model, reward: Reward.named("brightness"), decodeFrames: { mode: "indices", indices: [0, 5] } });
    const error = await trainer.fit({ prompts: ["a dog"], steps: 1 }).result.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual(["config.decodeFrames.indices must be below the model's frame count 4 (got [5]); use indices 0..3"]);
  });

  it("several named adapters share one base model, and no adapter is the base model", async () => {
    await using model = await Model.tiny(bridge, { seed: 0 });
    const scheduler = Scheduler.ddim({ steps: 4 });
    const preview = { prompts: ["a dog playing a guitar on a porch"], seed: 7, scheduler };
    const bytesOf = async () => Buffer.from((await model.sample(preview)).data);
    const base = await bytesOf();
    for (const [seed, adapter] of ["first", "second"].entries()) {
      await using trainer = Trainer.vader({ model, reward: Reward.named("brightness"), scheduler, lr: 1e-2, adapter, seed });
      await trainer.fit({ prompts: ["a dog playing a guitar on a porch"], steps: 1 }).result;
    }
    expect(Object.keys(model.info.adapters).sort()).toEqual(["first", "second"]);
    expect(model.info.activeAdapter).toBe("second");
    const second = await bytesOf();
    await model.setAdapter("first");
    const first = await bytesOf();
    await model.setAdapter(null);
    expect((await bytesOf()).equals(base)).toBe(true);
    expect(first.equals(second) || first.equals(base) || second.equals(base)).toBe(false);
    const { adapters } = await model.fingerprint();
    expect(Object.keys(adapters).sort()).toEqual(["first", "second"]);
    expect(adapters.first).not.toBe(adapters.second);
  });

  it("aborting a fit stops at a step boundary with that step's metrics and LoRA on disk", async () => {
    await using model = await Model.tiny(bridge, { seed: 0 });
    await using trainer = Trainer.vader({ model, reward: Reward.named("brightness"), scheduler: Scheduler.ddim({ steps: 4 }), lr: 1e-2 });
    const runDirectory = mkdtempSync(join(tmpdir(), "vader-abort-"));
    const stop = new AbortController();
    const seen: StepMetrics[] = [];
    const run = trainer.fit({ prompts: ["a dog playing a guitar on a porch"], steps: 200, runDirectory, signal: stop.signal });
    const error = await (async () => {
      for await (const step of run) {
        seen.push(step);
        if (step.step === 2) stop.abort();
      }
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).message).toMatch(/cancelled after \d+ of 200 steps/);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.length).toBeLessThan(200);
    const lines = readFileSync(join(runDirectory, "metrics.jsonl"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(seen.length);
    expect(existsSync(join(runDirectory, "lora", "adapter_model.safetensors"))).toBe(true);
    // The model is consistent: training can go on from where it stopped.
    const more: StepMetrics[] = [];
    for await (const step of trainer.fit({ prompts: ["a dog playing a guitar on a porch"], steps: 1 })) more.push(step);
    expect(more[0]?.step).toBe(seen.length + 1);
  });
});
