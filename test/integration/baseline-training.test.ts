// DDPO, Diffusion-DPO and GRPO end to end on the real bridge, through the same API as VADER: each
// streams its own metrics, counts reward queries, writes a run directory, and trains only its LoRA.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Bridge, Model, Reward, Scheduler, type StepMetrics, Trainer } from "../../src/index.js";

const work = mkdtempSync(join(tmpdir(), "vader-baselines-"));
const prompts = ["a dog playing a guitar on a porch", "a cat reading a book by the window"];
// Two denoising steps, two videos a step, no guidance: each step takes a second or two on the CPU.
const scheduler = Scheduler.ddim({ steps: 2 });
const quick = { scheduler, guidanceScale: 1, lr: 1e-2 };

describe("the baselines through the bridge", () => {
  let bridge: Bridge;
  let model: Model;
  let baseBefore: string;
  const runs: Record<string, { history: StepMetrics[]; loraAfterFirstStep: string | undefined; loraAfter: string | undefined }> = {};

  beforeAll(async () => {
    bridge = await Bridge.start();
    model = await Model.tiny(bridge, { seed: 0 });
    baseBefore = (await model.fingerprint()).base;
    const reward = Reward.named("brightness");
    const trainers = {
      ddpo: Trainer.ddpo({ model, reward, adapter: "ddpo", ...quick, batchSize: 2, batchesPerStep: 1 }),
      // minRewardGap 0: this test checks the loss of a fresh LoRA, whatever the pair's reward gap.
      dpo: Trainer.dpo({ model, reward, adapter: "dpo", ...quick, promptsPerStep: 1, samplesPerPrompt: 2, minRewardGap: 0 }),
      grpo: Trainer.grpo({ model, reward, adapter: "grpo", ...quick, promptsPerStep: 1, groupSize: 2 }),
    };
    for (const [algorithm, trainer] of Object.entries(trainers)) {
      const history: StepMetrics[] = [];
      for await (const step of trainer.fit({ prompts, steps: 1 })) history.push(step);
      const loraAfterFirstStep = (await model.fingerprint()).adapters[algorithm];
      const run = trainer.fit({ prompts, steps: 1, runDirectory: join(work, algorithm) });
      for await (const step of run) history.push(step);
      await run.result;
      runs[algorithm] = { history, loraAfterFirstStep, loraAfter: (await model.fingerprint()).adapters[algorithm] };
      await trainer.dispose();
    }
  });
  afterAll(async () => {
    await bridge?.close();
  });

  it("each streams its own metrics, numbered across fits, with wall and CPU time", () => {
    expect(runs.ddpo?.history.map((step) => Object.keys(step.details).sort())).toEqual([["approxKl", "clipFraction"], ["approxKl", "clipFraction"]]);
    expect(runs.grpo?.history.map((step) => Object.keys(step.details).sort())).toEqual([
      ["approxKl", "clipFraction", "klToReference"],
      ["approxKl", "clipFraction", "klToReference"],
    ]);
    expect(runs.dpo?.history.map((step) => Object.keys(step.details).sort())).toEqual([["implicitAccuracy", "pairsTrained", "rewardGap"], ["implicitAccuracy", "pairsTrained", "rewardGap"]]);
    for (const { history } of Object.values(runs)) {
      expect(history.map((step) => step.step)).toEqual([1, 2]);
      for (const step of history) {
        expect(Number.isFinite(step.loss) && Number.isFinite(step.gradNorm)).toBe(true);
        expect(step.seconds).toBeGreaterThan(0);
        expect(step.cpuSeconds).toBeGreaterThan(0);
      }
    }
  });

  it("counts every video the reward scored as one query", () => {
    for (const { history } of Object.values(runs)) expect(history.map((step) => step.rewardQueries)).toEqual([2, 4]);
  });

  it("Diffusion-DPO starts at log 2: a fresh LoRA is the reference", () => {
    expect(runs.dpo?.history[0]?.loss).toBeCloseTo(Math.log(2), 6);
  });

  it("trains each algorithm's own LoRA and leaves the base weights bit-identical", async () => {
    const after = await model.fingerprint();
    expect(after.base).toBe(baseBefore);
    for (const { loraAfterFirstStep, loraAfter } of Object.values(runs)) {
      expect(loraAfterFirstStep).toBeDefined();
      expect(loraAfter).not.toBe(loraAfterFirstStep);
    }
    expect(Object.keys(after.adapters).sort()).toEqual(["ddpo", "dpo", "grpo"]);
  });

  it("writes metrics.jsonl and the LoRA into each run directory", () => {
    for (const [algorithm, { history }] of Object.entries(runs)) {
      const lines = readFileSync(join(work, algorithm, "metrics.jsonl"), "utf8").trim().split("\n");
      expect(lines.map((line) => JSON.parse(line) as StepMetrics)).toEqual(history.slice(1));
      expect(existsSync(join(work, algorithm, "lora", "adapter_model.safetensors"))).toBe(true);
    }
  });
});
