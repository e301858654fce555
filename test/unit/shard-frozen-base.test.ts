// shardFrozenBase (docs/distributed.md): FSDP2 on the frozen denoiser needs several ranks, is refused
// without them (Bridge.start and the train job), and reaches the leader as VADER_SHARD_FROZEN_BASE.
import { describe, expect, it } from "vitest";
import { Bridge } from "../../src/bridge.js";
import { ConfigError } from "../../src/errors.js";
import { resolveTrainJob } from "../../src/cli/train.js";
import { DistributedOptions, launcherEnvironment } from "../../src/transport/distributed-launch.js";
import { issuesOf } from "../helpers.js";

describe("shardFrozenBase", () => {
  it("is refused with one rank, naming the field and the fix", async () => {
    const refused = await Bridge.start({ shardFrozenBase: true }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).issues.join("\n")).toMatch(/shardFrozenBase.*this run has 1: set processes \(and nodes\) to 2 or more ranks/);
    const parsed = DistributedOptions.safeParse({ processes: 1, nodes: 1, shardFrozenBase: true });
    expect(parsed.success).toBe(false);
  });

  it("is accepted with several ranks, on one node or several, and tells the leader", () => {
    expect(DistributedOptions.safeParse({ processes: 2, shardFrozenBase: true }).success).toBe(true);
    expect(DistributedOptions.safeParse({ processes: 1, nodes: 2, rendezvous: "node0:29400", shardFrozenBase: true }).success).toBe(true);
    expect(launcherEnvironment({ processes: 2, shardFrozenBase: true }).VADER_SHARD_FROZEN_BASE).toBe("1");
    expect(launcherEnvironment({ processes: 2 }).VADER_SHARD_FROZEN_BASE).toBeUndefined();
  });

  it("is a train job field and flag, refused on one rank", () => {
    const issues = issuesOf(() => resolveTrainJob({ runsDir: "runs", tiny: true, shardFrozenBase: true }));
    expect(issues.join("\n")).toMatch(/shardFrozenBase.*this run has 1/);
    const job = resolveTrainJob({ runsDir: "runs", tiny: true, shardFrozenBase: true, processes: 2 });
    expect(job.shardFrozenBase).toBe(true);
    expect(job.processes).toBe(2);
  });
});
