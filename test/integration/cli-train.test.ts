// `vader train` and `vader sample` as functions, on a short job: the run directory has everything.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sample } from "../../src/cli/sample.js";
import { train } from "../../src/cli/train.js";

describe("vader train / sample", () => {
  it("writes config, metrics, LoRA and before/after videos, and samples with the LoRA", async () => {
    const runsDir = mkdtempSync(join(tmpdir(), "vader-cli-"));
    const lines: string[] = [];
    const runDirectory = await train({ runsDir, name: "short", steps: 3 }, (line) => lines.push(line));

    const config = JSON.parse(readFileSync(join(runDirectory, "config.json"), "utf8"));
    expect(config.steps).toBe(3);
    expect(config.trainer.truncation).toEqual({ mode: "last", k: 1 });
    expect(config.prompts.length).toBeGreaterThan(0);
    const metrics = readFileSync(join(runDirectory, "metrics.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
    expect(metrics).toHaveLength(3);
    expect(Object.keys(metrics[0]).sort()).toEqual(["gradNorm", "loss", "lr", "peakMemoryBytes", "reward", "seconds", "step"]);
    expect(existsSync(join(runDirectory, "lora", "adapter_model.safetensors"))).toBe(true);
    for (const gif of ["before-0.gif", "after-0.gif"]) {
      expect(readFileSync(join(runDirectory, gif)).subarray(0, 6).toString("latin1")).toBe("GIF89a");
    }
    expect(lines.some((line) => /^step 3\/3 {2}reward/.test(line))).toBe(true);

    const out = join(runsDir, "with-lora.gif");
    await sample({ prompt: "a dog playing a guitar on a porch", out, lora: runDirectory, seed: 0 }, () => undefined);
    expect(readFileSync(out).subarray(0, 6).toString("latin1")).toBe("GIF89a");
  });
});
