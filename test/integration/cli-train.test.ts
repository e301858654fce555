// `vader train` and `vader sample` as functions, on a short job: the run directory has everything.
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Bridge, Run, readVideo } from "../../src/index.js";
import { doctor } from "../../src/cli/doctor.js";
import { sample } from "../../src/cli/sample.js";
import { train } from "../../src/cli/train.js";
import { TINY_TRAIN_JOB } from "../../src/world/train-job.js";
import { startCli } from "../helpers.js";
import { resolvePython } from "../../src/transport/python-process.js";

describe("vader train / sample", () => {
  it("writes config, metrics, LoRA and before/after videos, and samples with the LoRA", async () => {
    const runsDir = mkdtempSync(join(tmpdir(), "vader-cli-"));
    const lines: string[] = [];
    const runDirectory = await train({ runsDir, name: "short", steps: 3, tiny: true }, (line) => lines.push(line));

    const config = JSON.parse(readFileSync(join(runDirectory, "config.json"), "utf8"));
    expect(config.steps).toBe(3);
    expect(config.trainer.truncation).toEqual({ mode: "last", k: 1, stopInputGradient: false });
    expect(config.prompts.length).toBeGreaterThan(0);
    const metrics = readFileSync(join(runDirectory, "metrics.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
    expect(metrics).toHaveLength(3);
    expect(Object.keys(metrics[0]).sort()).toEqual(["cpuSeconds", "details", "gradNorm", "loss", "lr", "peakMemoryBytes", "reward", "rewardQueries", "rewardTerms", "seconds", "step"]);
    expect(config.placement).toEqual({ device: config.bridge.placement.device, weightsDtype: config.bridge.placement.weightsDtype, adapterDtype: "float32" });
    expect(existsSync(join(runDirectory, "lora", "adapter_model.safetensors"))).toBe(true);
    for (const gif of ["before-0.gif", "after-0.gif"]) {
      expect(readFileSync(join(runDirectory, gif)).subarray(0, 6).toString("latin1")).toBe("GIF89a");
      expect(readFileSync(join(runDirectory, gif.replace(".gif", ".mp4"))).subarray(4, 8).toString("latin1")).toBe("ftyp"); // an MP4 beside it
    }
    expect(lines.some((line) => /^step 3\/3 {2}reward/.test(line))).toBe(true);

    // The run directory's one owner reads back what it wrote.
    await using bridge = await Bridge.start();
    const record = await Run.load(bridge, runDirectory);
    expect(record.config).toEqual(config);
    expect(record.metrics).toEqual(metrics);
    expect(record.loraDirectory).toBe(join(runDirectory, "lora"));
    expect(record.samples).toEqual({ "after-0": join(runDirectory, "after-0.gif"), "before-0": join(runDirectory, "before-0.gif") });
    expect(record.evaluation).toBeNull(); // the tiny job has no judge

    const out = join(runsDir, "with-lora.gif");
    await sample({ prompt: "a dog playing a guitar on a porch", count: 1, out, lora: runDirectory, seed: 0 }, () => undefined);
    expect(readFileSync(out).subarray(0, 6).toString("latin1")).toBe("GIF89a");

    // Lossless .npy at another size and guidance: the exact frames, uint8 [frames, H, W, 3].
    const npy = join(runsDir, "with-lora.npy");
    await sample({ prompt: "a dog playing a guitar on a porch", count: 1, out: npy, lora: runDirectory, seed: 0, frames: 4, height: 16, width: 24, guidance: 1 }, () => undefined);
    expect((await readVideo(bridge, npy)).shape).toEqual([4, 16, 24, 3]);

    // H.264 at --fps, every frame read back (upscaled to 128 on the short side, as GIFs are).
    const mp4 = join(runsDir, "with-lora.mp4");
    await sample({ prompt: "a dog playing a guitar on a porch", count: 1, out: mp4, lora: runDirectory, seed: 0, frames: 4, height: 16, width: 24, guidance: 1, fps: 4 }, () => undefined);
    expect((await readVideo(bridge, mp4)).shape).toEqual([4, 128, 192, 3]);
  });
});

describe("vader train --method", () => {
  it("trains a baseline into the same run directory, with its own config and metrics", async () => {
    const runsDir = mkdtempSync(join(tmpdir(), "vader-cli-method-"));
    const lines: string[] = [];
    // Small groups, no guidance and no KL pass: seconds on 2 cores.
    const job = join(runsDir, "job.json");
    writeFileSync(job, JSON.stringify({ trainer: { promptsPerStep: 1, groupSize: 2, klCoefficient: 0, guidanceScale: 1 } }));
    const runDirectory = await train({ runsDir, name: "grpo", steps: 2, tiny: true, method: "grpo", config: job }, (line) => lines.push(line));
    const config = JSON.parse(readFileSync(join(runDirectory, "config.json"), "utf8"));
    expect(config.method).toBe("grpo");
    expect(config.trainer).toMatchObject({ groupSize: 2, promptsPerStep: 1, scheduler: TINY_TRAIN_JOB.trainer.scheduler, lr: 1e-4 });
    const metrics = readFileSync(join(runDirectory, "metrics.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
    expect(metrics.map((step) => step.rewardQueries)).toEqual([2, 4]);
    expect(Object.keys(metrics[0].details)).toEqual(expect.arrayContaining(["approxKl", "clipFraction"]));
    expect(existsSync(join(runDirectory, "lora", "adapter_model.safetensors"))).toBe(true);
    expect(lines).toContain(`training: 2 steps of GRPO, reward brightness, ${config.prompts.length} prompts (Ctrl-C stops after the current step and saves)`);
  });
});

describe("Ctrl-C during vader train", () => {
  function startTraining(runsDir: string) {
    const started = startCli(["train", "--tiny", "--runs-dir", runsDir, "--name", "interrupted", "--steps", "500"]);
    const stepReached = (step: number) =>
      new Promise<void>((resolve) => {
        const check = () => (new RegExp(`step +${step}/500`).test(started.output()) ? resolve() : setTimeout(check, 50));
        check();
      });
    return { ...started, stepReached };
  }

  it("the first Ctrl-C stops after the current step and keeps its metrics and LoRA", async () => {
    const runsDir = mkdtempSync(join(tmpdir(), "vader-sigint-"));
    const training = startTraining(runsDir);
    await training.stepReached(2);
    training.cli.kill("SIGINT");
    expect(await training.exited).toBe(130);
    const stopped = /stopped after step (\d+) of 500/.exec(training.output());
    expect(stopped).not.toBeNull();
    const metrics = readFileSync(join(runsDir, "interrupted", "metrics.jsonl"), "utf8").trim().split("\n");
    expect(metrics).toHaveLength(Number(stopped?.[1]));
    expect(existsSync(join(runsDir, "interrupted", "lora", "adapter_model.safetensors"))).toBe(true);
  });

  it("a second Ctrl-C ends Python at once", async () => {
    const runsDir = mkdtempSync(join(tmpdir(), "vader-sigint-"));
    const training = startTraining(runsDir);
    await training.stepReached(1);
    training.cli.kill("SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 200)); // two signals sent at once may merge into one
    training.cli.kill("SIGINT");
    const code = await training.exited;
    expect(code).not.toBe(0);
    expect(training.output()).toMatch(/The Python bridge closed: the Python process exited \(signal SIGKILL\)/);
  });
});

describe("vader doctor", () => {
  it("reports versions and a bridge that starts", async () => {
    const lines: string[] = [];
    expect(await doctor((line) => lines.push(line))).toBe(true);
    const report = lines.join("\n");
    expect(report).toMatch(/torch +2\.13\.0/);
    expect(report).toMatch(/diffusers +\d/);
    expect(report).toMatch(/device +(cpu|cuda \(.+\))\n/);
    expect(report).toMatch(/models go to: (cpu|cuda(:\d+)?), frozen weights (float32|bfloat16|float16), LoRA float32/);
    expect(report).toMatch(/bridge: started/);
  });

  it("fails with a fix when packages are missing", async () => {
    const folder = mkdtempSync(join(tmpdir(), "vader-doctor-"));
    const barePython = join(folder, "python");
    writeFileSync(barePython, `#!/bin/sh\nexec ${resolvePython()} -S "$@"\n`);
    chmodSync(barePython, 0o755);
    const lines: string[] = [];
    const previous = process.env.VADER_PYTHON;
    process.env.VADER_PYTHON = barePython;
    try {
      expect(await doctor((line) => lines.push(line))).toBe(false);
    } finally {
      if (previous === undefined) delete process.env.VADER_PYTHON;
      else process.env.VADER_PYTHON = previous;
    }
    expect(lines.join("\n")).toMatch(/torch +MISSING[\s\S]*FAIL: packages are missing\. fix: `npm install`/);
  });
});
