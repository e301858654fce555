// Tiny Wan 2.1, CogVideoX and AnimateDiff folders (random weights, saved as their stock pipelines'
// save_pretrained lays them out) through the CLI: `vader train --model DIR` with VADER and GRPO on the
// brightness reward, the run's LoRA loaded by the stock pipeline's load_lora_weights giving `vader
// sample`'s frames for the same seed, and (Wan) its ComfyUI export.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Bridge, Model, readVideo } from "../../src/index.js";
import { exportLora } from "../../src/cli/export-lora.js";
import { sample } from "../../src/cli/sample.js";
import { train } from "../../src/cli/train.js";
import { PACKAGE_ROOT } from "../../src/transport/package-root.js";
import { resolvePython } from "../../src/transport/python-process.js";

const STOCK = join(PACKAGE_ROOT, "test", "fixtures", "stock_pipeline.py");
// family: frames, the stock pipeline class, the model's own scheduler
const FAMILIES = {
  wan: { frames: 9, pipeline: "WanPipeline", scheduler: "flow-match" },
  cogvideox: { frames: 9, pipeline: "CogVideoXPipeline", scheduler: "ddim" },
  animatediff: { frames: 8, pipeline: "AnimateDiffPipeline", scheduler: "ddim" },
} as const;
const python = (...args: string[]) => execFileSync(resolvePython(), [STOCK, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PYTHONWARNINGS: "ignore" } });

describe.each(Object.entries(FAMILIES))("a %s folder through the CLI", (family, expected) => {
  it("trains with VADER and GRPO, and its LoRA gives the stock pipeline's frames", async () => {
    const work = mkdtempSync(join(tmpdir(), `vader-${family}-`));
    const folder = join(work, family);
    {
      await using maker = await Bridge.start();
      await using model = await Model.tiny(maker, { family: family as keyof typeof FAMILIES, frames: expected.frames, height: 32, width: 32, device: "cpu" });
      expect(model.info).toMatchObject({ family, defaultScheduler: expected.scheduler });
      await model.save(folder);
    }
    expect(JSON.parse(readFileSync(join(folder, "model_index.json"), "utf8"))._class_name).toBe(expected.pipeline);
    const job = join(work, "job.json");
    writeFileSync(job, JSON.stringify({
      reward: { kind: "named", name: "brightness" },
      prompts: ["a dog playing guitar", "a cat in the snow"],
      trainer: { scheduler: { steps: 3, eta: 0.7 }, guidanceScale: 1, lr: 1e-2 },
      preview: { prompts: ["a dog playing guitar"], seed: 1 },
      evaluation: { samplesPerPrompt: 0 },
    }));

    const runs: Record<string, string> = {};
    await using bridge = await Bridge.start();
    for (const method of ["vader", "grpo"] as const) {
      const lines: string[] = [];
      runs[method] = await train({ runsDir: join(work, "runs"), name: method, method, model: folder, config: job, steps: 2 }, (line) => lines.push(line));
      const config = JSON.parse(readFileSync(join(runs[method], "config.json"), "utf8"));
      expect(config.trainer.scheduler).toEqual({ name: expected.scheduler, steps: 3, eta: 0.7 }); // the model's own, recorded by name
      expect(lines.some((line) => /^step 2\/2 {2}reward/.test(line))).toBe(true);
      expect(existsSync(join(runs[method], "lora", "pytorch_lora_weights.safetensors"))).toBe(true);
    }

    // vader sample with the run's LoRA equals plain diffusers' WanPipeline + load_lora_weights for the seed.
    const ours = join(work, "ours.npy");
    await sample({ prompt: "a dog playing guitar", count: 1, out: ours, lora: runs.vader, seed: 7, steps: 3, guidance: 2 }, () => undefined);
    const stock = join(work, "stock.npy");
    python("frames", folder, join(runs.vader as string, "lora"), "a dog playing guitar", "7", "3", "2", String(expected.frames), stock);
    const [ourFrames, stockFrames] = [await readVideo(bridge, ours), await readVideo(bridge, stock)];
    expect(ourFrames.shape).toEqual([expected.frames, 32, 32, 3]);
    expect(stockFrames.shape).toEqual(ourFrames.shape);
    const levels = Math.max(...Array.from(ourFrames.data, (value, index) => Math.abs(value - (stockFrames.data[index] ?? 0))));
    expect(levels).toBeLessThanOrEqual(2);

    if (family !== "wan") return;
    // ComfyUI's keys, converted back by diffusers' own non-diffusers Wan converter: the same update B A alpha / r.
    const comfy = await exportLora({ run: runs.grpo as string, format: "comfyui", out: join(work, "grpo-comfyui.safetensors") }, () => undefined);
    expect(Number(python("comfyui", join(runs.grpo as string, "lora"), comfy))).toBeLessThan(1e-6);

    // ... and `--lora` reads that file back: the same frames as the run's own LoRA.
    const fromRun = join(work, "from-run.npy");
    const fromComfy = join(work, "from-comfy.npy");
    await sample({ prompt: "a cat in the snow", count: 1, out: fromRun, lora: runs.grpo, seed: 3, steps: 3, guidance: 1 }, () => undefined);
    await sample({ prompt: "a cat in the snow", count: 1, out: fromComfy, lora: comfy, model: folder, seed: 3, steps: 3, guidance: 1, eta: 0 }, () => undefined);
    const [a, b] = [await readVideo(bridge, fromRun), await readVideo(bridge, fromComfy)];
    expect(Math.max(...Array.from(a.data, (value, index) => Math.abs(value - (b.data[index] ?? 0))))).toBeLessThanOrEqual(1);
  }, 600_000);
});
