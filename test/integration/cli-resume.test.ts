// A run killed mid-way (SIGKILL of its Python process) and continued with `vader train --resume`
// ends with the same metrics and LoRA, byte for byte, as the same run never interrupted.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { train } from "../../src/cli/train.js";
import { startCli } from "../helpers.js";

const STEPS = 6;
const TIMING = new Set(["seconds", "cpuSeconds", "peakMemoryBytes"]); // measured, so they differ run to run

function metricsOf(runDirectory: string): Record<string, unknown>[] {
  const lines = existsSync(join(runDirectory, "metrics.jsonl")) ? readFileSync(join(runDirectory, "metrics.jsonl"), "utf8").trim().split("\n") : [];
  return lines.filter(Boolean).map((line) => Object.fromEntries(Object.entries(JSON.parse(line)).filter(([key]) => !TIMING.has(key))));
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe("vader train --resume", () => {
  it("continues a run whose Python process was SIGKILLed, bit for bit", async () => {
    const runsDir = mkdtempSync(join(tmpdir(), "vader-resume-"));
    const straight = await train({ runsDir, name: "straight", steps: STEPS, tiny: true, saveEvery: 1 }, () => undefined);

    const killed = join(runsDir, "killed");
    const { cli, exited, output } = startCli(["train", "--tiny", "--runs-dir", runsDir, "--name", "killed", "--steps", String(STEPS), "--save-every", "1"]);
    await until(() => metricsOf(killed).length >= 2);
    const python = execFileSync("pgrep", ["-P", String(cli.pid), "-f", "vader_bridge.server"], { encoding: "utf8" }).trim();
    process.kill(Number(python), "SIGKILL");
    expect(await exited).not.toBe(0);
    expect(output()).toMatch(/the Python process exited \(signal SIGKILL\)/);
    const stoppedAt = metricsOf(killed).length;
    expect(stoppedAt).toBeLessThan(STEPS);

    const lines: string[] = [];
    await train({ runsDir, resume: killed }, (line) => lines.push(line));
    expect(lines).toContain(`resuming run: ${killed}`);
    expect(lines.some((line) => /^resumed from the checkpoint of step \d+ of 6$/.test(line))).toBe(true);
    expect(metricsOf(killed)).toEqual(metricsOf(straight));
    const lora = (run: string) => readFileSync(join(run, "lora", "adapter_model.safetensors"));
    expect(lora(killed).equals(lora(straight))).toBe(true);
  });

  it("refuses flags that would change the recorded job, and a folder that is not a run", async () => {
    const runsDir = mkdtempSync(join(tmpdir(), "vader-resume-"));
    await expect(train({ runsDir, resume: join(runsDir, "absent") }, () => undefined)).rejects.toThrow(/--resume[\s\S]*does not exist; give a run directory of vader train/);
  });
});
