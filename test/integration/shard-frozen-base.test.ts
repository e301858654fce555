// `vader train --processes 2 --shard-frozen-base` on a tiny Wan: each rank holds half of the frozen
// denoiser (FSDP2, gloo on the CPU), previews sample on every rank, and the LoRA equals one process's.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { train } from "../../src/cli/train.js";

function readSafetensors(path: string): Map<string, Float32Array> {
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8")) as Record<string, { data_offsets: [number, number] }>;
  const tensors = new Map<string, Float32Array>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const [start, end] = entry.data_offsets;
    tensors.set(name, new Float32Array(Uint8Array.from(bytes.subarray(8 + headerLength + start, 8 + headerLength + end)).buffer));
  }
  return tensors;
}

describe("a data-parallel run that shards the frozen base", () => {
  it("trains a tiny Wan on 2 ranks to the LoRA of one process with the same global batch", async () => {
    const runsDir = mkdtempSync(join(tmpdir(), "vader-sharded-"));
    const jobFile = join(runsDir, "wan.json");
    writeFileSync(jobFile, JSON.stringify({
      model: { family: "wan", seed: 0, frames: 5, height: 16, width: 16 },
      reward: { kind: "named", name: "brightness", options: {} },
      trainer: { scheduler: { steps: 3, eta: 1 }, batchSize: 2, lora: { rank: 4 }, lr: 1e-2, seed: 0 },
      preview: { prompts: ["a dog"], seed: 1 },
    }));
    const lines: string[] = [];
    const sharded = await train({ runsDir, name: "sharded", steps: 2, config: jobFile, processes: 2, shardFrozenBase: true }, (line) => lines.push(line));
    expect(lines).toContainEqual(expect.stringMatching(/^note: frozen transformer sharded over 2 ranks \(FSDP2\): rank 0 holds [\d,]+ of their 28,328 parameters$/));
    expect(lines.filter((line) => /^(before|after) sample 0: reward/.test(line))).toHaveLength(2); // previews sampled on both ranks
    expect(JSON.parse(readFileSync(join(sharded, "config.json"), "utf8")).shardFrozenBase).toBe(true);

    const single = await train({ runsDir, name: "one", steps: 2, config: jobFile }, () => undefined);
    const mine = readSafetensors(join(sharded, "lora", "adapter_model.safetensors"));
    const reference = readSafetensors(join(single, "lora", "adapter_model.safetensors"));
    expect([...mine.keys()].sort()).toEqual([...reference.keys()].sort());
    let largest = 0;
    for (const [name, values] of mine) {
      const other = reference.get(name) as Float32Array;
      for (let index = 0; index < values.length; index++) largest = Math.max(largest, Math.abs((values[index] as number) - (other[index] as number)));
    }
    expect(largest).toBeLessThan(1e-5);
  }, 170_000);
});
