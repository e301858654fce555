// Data-parallel training from TypeScript: `vader train --processes 2` under torchrun (gloo on the CPU),
// its LoRA against a one-process run with the same global batch, a killed rank, and the options' checks.
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Bridge, BridgeClosedError, ConfigError, Model, Reward, Scheduler, Trainer } from "../../src/index.js";
import { train } from "../../src/cli/train.js";
import { TINY_TRAIN_JOB, TrainJobConfig } from "../../src/world/train-job.js";

/** The float32 tensors of a safetensors file, by name. */
function readSafetensors(path: string): Map<string, Float32Array> {
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8")) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const tensors = new Map<string, Float32Array>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    expect(entry.dtype).toBe("F32");
    const [start, end] = entry.data_offsets;
    const copy = Uint8Array.from(bytes.subarray(8 + headerLength + start, 8 + headerLength + end));
    tensors.set(name, new Float32Array(copy.buffer));
  }
  return tensors;
}

/** The pid of local rank `rank` among the launcher's children (torchrun puts LOCAL_RANK in each one's environment). */
function rankPid(launcherPid: number, rank: number): number | undefined {
  for (const entry of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const parent = Number(readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.split(" ")[1]);
      if (parent !== launcherPid) continue;
      if (readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").includes(`LOCAL_RANK=${rank}`)) return Number(entry);
    } catch {
      // a process that ended while we looked
    }
  }
  return undefined;
}

describe("data-parallel training", () => {
  it("vader train --tiny --processes 2 gives the LoRA of one process with the same global batch", async () => {
    const runsDir = mkdtempSync(join(tmpdir(), "vader-distributed-"));
    const lines: string[] = [];
    const twoRanks = await train({ runsDir, name: "two", steps: 2, tiny: true, processes: 2 }, (line) => lines.push(line));
    expect(lines.some((line) => line.startsWith("data-parallel: 2 ranks"))).toBe(true);
    const config = JSON.parse(readFileSync(join(twoRanks, "config.json"), "utf8"));
    expect([config.processes, config.trainer.batchSize]).toEqual([2, 2]); // one video per rank when the job sets no batch
    const metrics = readFileSync(join(twoRanks, "metrics.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
    expect(metrics.map((step) => step.rewardQueries)).toEqual([2, 4]); // the global batch's queries

    const jobFile = join(runsDir, "batch-2.json");
    writeFileSync(jobFile, JSON.stringify({ trainer: { batchSize: 2 } }));
    const oneProcess = await train({ runsDir, name: "one", steps: 2, tiny: true, config: jobFile }, () => undefined);
    const distributed = readSafetensors(join(twoRanks, "lora", "adapter_model.safetensors"));
    const single = readSafetensors(join(oneProcess, "lora", "adapter_model.safetensors"));
    expect([...distributed.keys()].sort()).toEqual([...single.keys()].sort());
    let largest = 0;
    for (const [name, values] of distributed) {
      const reference = single.get(name) as Float32Array;
      for (let index = 0; index < values.length; index++) largest = Math.max(largest, Math.abs((values[index] as number) - (reference[index] as number)));
    }
    expect(largest).toBeLessThan(1e-5); // measured: 6.4e-8, on weights up to about 0.18
  }, 110_000);

  it("a rank killed mid-run ends the run within seconds, naming the rank", async () => {
    const bridge = await Bridge.start({ processes: 2, torchThreads: 1 });
    try {
      await using model = await Model.tiny(bridge, { frames: 2, height: 16, width: 16 });
      await using trainer = Trainer.vader({ model, reward: Reward.named("brightness"), scheduler: Scheduler.from({ steps: 3, eta: 1 }), batchSize: 2, lr: 1e-2, lora: { rank: 4 } });
      const fitting = trainer.fit({ prompts: ["a dog", "a cat"], steps: 200 });
      let killedAt = 0;
      const failure = (async () => {
        for await (const step of fitting) {
          if (step.step === 1) {
            const follower = rankPid(bridge.pid as number, 1);
            expect(follower).toBeDefined();
            process.kill(follower as number, "SIGKILL");
            killedAt = Date.now();
          }
        }
      })();
      const error = await failure.then(() => undefined, (thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(BridgeClosedError);
      expect((error as Error).message).toMatch(/rank 1 of the distributed run killed by SIGKILL/);
      expect(Date.now() - killedAt).toBeLessThan(20_000);
    } finally {
      await bridge.kill();
    }
  }, 110_000);

  it("checks its options with zod: a batch that does not split, nodes without a rendezvous", async () => {
    const uneven = TrainJobConfig.safeParse({ ...TINY_TRAIN_JOB, processes: 2, trainer: { ...TINY_TRAIN_JOB.trainer, batchSize: 3 } });
    expect(uneven.success).toBe(false);
    expect(uneven.error?.issues[0]?.path).toEqual(["trainer", "batchSize"]);
    expect(uneven.error?.issues[0]?.message).toMatch(/multiple of the 2 ranks .* got 3; use 4/);
    const baseline = TrainJobConfig.safeParse({ ...TINY_TRAIN_JOB, method: "ddpo", trainer: {}, processes: 2 });
    expect(baseline.error?.issues[0]?.path).toEqual(["processes"]);
    const refused = await Bridge.start({ nodes: 2 }).then(() => undefined, (thrown: unknown) => thrown);
    expect(refused).toBeInstanceOf(ConfigError);
    expect(String(refused)).toMatch(/rendezvous.*host:port/);
  });
});
