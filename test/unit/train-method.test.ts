// `vader train --method`: the job's trainer options are checked by the chosen method's schema, and a
// world task gives a baseline its sampler, guidance, LoRA and seed but not VADER's own settings.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveTrainJob } from "../../src/cli/train.js";
import { TINY_TRAIN_JOB, WORLD_TASKS } from "../../src/world/train-job.js";
import { queriesPerStep } from "../../src/trainer/by-method.js";
import { issuesOf } from "../helpers.js";

function jobFile(content: object): string {
  const path = join(mkdtempSync(join(tmpdir(), "vader-job-")), "job.json");
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe("vader train --method", () => {
  it("defaults to VADER with the task's own trainer settings", () => {
    const job = resolveTrainJob({ runsDir: "runs", tiny: true });
    expect(job.method).toBe("vader");
    expect(job.trainer).toMatchObject({ lr: TINY_TRAIN_JOB.trainer.lr, truncation: { mode: "last", k: 1 } });
  });

  it.each(["ddpo", "dpo", "grpo"] as const)("%s keeps the world task's sampler, guidance, LoRA and seed, and its own defaults otherwise", (method) => {
    const job = resolveTrainJob({ runsDir: "runs", method, reward: "motion" });
    const task = WORLD_TASKS.motion.trainer;
    expect(job.method).toBe(method);
    expect(job.trainer).toMatchObject({ scheduler: task.scheduler, guidanceScale: task.guidanceScale, lora: { rank: task.lora.rank }, seed: task.seed });
    expect(job.trainer).not.toHaveProperty("truncation");
    expect(job.trainer.lr).not.toBe(task.lr);
    expect(job.prompts).toEqual(WORLD_TASKS.motion.prompts);
  });

  it("takes the method and that method's trainer options from --config, and flags over the file", () => {
    const config = jobFile({ method: "grpo", trainer: { groupSize: 3, klCoefficient: 0 } });
    const job = resolveTrainJob({ runsDir: "runs", tiny: true, config, lr: 5e-4 });
    expect(job.method).toBe("grpo");
    expect(job.trainer).toMatchObject({ groupSize: 3, klCoefficient: 0, lr: 5e-4 });
    expect(queriesPerStep(job.method, job.trainer)).toBe(2 * 3);
    expect(resolveTrainJob({ runsDir: "runs", tiny: true, config: jobFile({ method: "grpo" }), method: "dpo" }).method).toBe("dpo");
  });

  it("refuses another method's options, naming the field under trainer", () => {
    const issues = issuesOf(() => resolveTrainJob({ runsDir: "runs", tiny: true, method: "ddpo", config: jobFile({ trainer: { truncation: { k: 2 } } }) }));
    expect(issues).toEqual([expect.stringMatching(/^trainer: .*truncation/)]);
  });

  it("refuses a deterministic sampler for a policy-gradient method", () => {
    const issues = issuesOf(() => resolveTrainJob({ runsDir: "runs", tiny: true, method: "grpo", config: jobFile({ trainer: { scheduler: { name: "ddim", steps: 10, eta: 0 } } }) }));
    expect(issues).toEqual([expect.stringMatching(/^trainer\.scheduler\.eta must be greater than 0 for GRPO/)]);
  });
});

describe("vader train --reward NAME --options JSON", () => {
  it("keeps a task name's whole task, and overrides its reward's options", () => {
    const job = resolveTrainJob({ runsDir: "runs", reward: "removal", options: '{"digit": 3}' });
    expect(job.prompts).toEqual(WORLD_TASKS.removal.prompts);
    expect(job.reward).toEqual({ kind: "named", name: "removal", options: { digit: 3 } });
  });

  it("takes any registered reward with its options, on the tiny model too", () => {
    const job = resolveTrainJob({ runsDir: "runs", tiny: true, reward: "aesthetic", options: '{"clip": "/models/clip", "head": "/models/head.pth"}' });
    expect(job.reward).toMatchObject({ kind: "named", name: "aesthetic", options: { clip: "/models/clip", head: "/models/head.pth", frames: { mode: "all" } } });
    expect(job.prompts).toEqual([]); // the tiny job's: the bridge's built-in prompts
  });

  it("refuses an unknown reward, bad options and bad JSON, naming the flag", () => {
    expect(() => resolveTrainJob({ runsDir: "runs", tiny: true, reward: "sharpness" })).toThrow(/--reward[\s\S]*"sharpness" is not a reward; choose from/);
    expect(() => resolveTrainJob({ runsDir: "runs", tiny: true, reward: "brightness", options: '{"target": 3}' })).toThrow(/target/);
    expect(() => resolveTrainJob({ runsDir: "runs", tiny: true, reward: "brightness", options: "[1]" })).toThrow(/--options[\s\S]*must be a JSON object/);
  });
});
