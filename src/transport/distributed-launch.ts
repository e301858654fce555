// A data-parallel bridge: N ranks started by PyTorch's launcher, torchrun (torch.distributed.run),
// whose elastic agent watches them and stops them all when one fails (docs/distributed.md). These
// are the options, the launcher's command line, and how its failure report names the failed rank.
import { z } from "zod";

/** host:port, as torchrun's --rdzv-endpoint takes it. */
const Endpoint = z
  .string()
  .regex(/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/, { message: "must be host:port, such as node0.cluster:29400 or localhost:29400 (the machine that hosts the c10d rendezvous)" });

export const DistributedFields = z.strictObject({
  /** Ranks on this machine (torchrun --nproc-per-node); 1 with `nodes` 1 is the ordinary single bridge. */
  processes: z.number().int().min(1).max(256).optional(),
  /** Machines in the run (torchrun --nnodes); the others are started by hand with the same rendezvous. */
  nodes: z.number().int().min(1).max(1024).optional(),
  /** The c10d rendezvous every node joins (torchrun --rdzv-endpoint); needed when `nodes` > 1. */
  rendezvous: Endpoint.optional(),
  /** The run's id at the rendezvous (torchrun --rdzv-id): the same on every node. */
  rendezvousId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: "must be 1 to 64 letters, digits, _ or -" }).optional(),
  /** Seconds a training collective may wait for a slow rank before the run is stopped (default 120). */
  collectiveTimeoutS: z.number().positive().max(86_400).optional(),
  /**
   * Shard each model's frozen denoiser over the ranks with FSDP2 (each holds 1/N of it), for bases that do not fit one
   * GPU such as Wan 2.2 A14B; the LoRA stays whole on every rank. Needs several ranks (docs/distributed.md).
   */
  shardFrozenBase: z.boolean().optional(),
});

/** The rules across fields, for any schema that holds DistributedFields. */
export function requireRendezvous(
  options: { processes?: number | undefined; nodes?: number | undefined; rendezvous?: string | undefined; shardFrozenBase?: boolean | undefined },
  context: z.RefinementCtx,
): void {
  if ((options.nodes ?? 1) > 1 && options.rendezvous === undefined) {
    context.addIssue({ code: "custom", path: ["rendezvous"], message: `is needed with nodes ${options.nodes}: give the host:port of the c10d rendezvous every node joins` });
  }
  requireRanksToShard(options.shardFrozenBase, (options.processes ?? 1) * (options.nodes ?? 1), context);
}

/** shardFrozenBase splits the base over the ranks: with one rank there is nothing to split it over. */
export function requireRanksToShard(shardFrozenBase: boolean | undefined, ranks: number, context: z.RefinementCtx): void {
  if (shardFrozenBase && ranks < 2) {
    context.addIssue({
      code: "custom",
      path: ["shardFrozenBase"],
      message: `shards the frozen base over the ranks of a data-parallel run, but this run has ${ranks}: set processes (and nodes) to 2 or more ranks, or leave shardFrozenBase out`,
    });
  }
}

export const DistributedOptions = DistributedFields.superRefine(requireRendezvous);
export type DistributedOptions = z.input<typeof DistributedOptions>;

export function isDistributed(options: DistributedOptions): boolean {
  return (options.processes ?? 1) > 1 || (options.nodes ?? 1) > 1;
}

/** torchrun's arguments before `-m vader_bridge.server`. */
export function launcherArguments(options: DistributedOptions): string[] {
  const nodes = options.nodes ?? 1;
  const rendezvous =
    options.rendezvous === undefined
      ? ["--standalone"]
      : ["--rdzv-backend", "c10d", "--rdzv-endpoint", options.rendezvous, "--rdzv-id", options.rendezvousId ?? "vader"];
  // --max-restarts 0: a rank that fails ends the run (a restarted rank would have lost the model the leader loaded).
  return ["-m", "torch.distributed.run", "--nnodes", String(nodes), "--nproc-per-node", String(options.processes ?? 1), ...rendezvous, "--max-restarts", "0", "--monitor-interval", "0.5"];
}

export function launcherEnvironment(options: DistributedOptions): Record<string, string> {
  return {
    // torchrun sets 1 thread per rank otherwise and says so on stderr; VADER_TORCH_THREADS still wins in the bridge.
    OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? "1",
    ...(options.collectiveTimeoutS !== undefined ? { VADER_COLLECTIVE_TIMEOUT_S: String(options.collectiveTimeoutS) } : {}),
    // Read by the leader only, which tells the other ranks (python-bridge/vader_bridge/sharding.py).
    ...(options.shardFrozenBase ? { VADER_SHARD_FROZEN_BASE: "1" } : {}),
  };
}

/**
 * The rank torchrun named as the root cause of a failed run, from its report on stderr:
 *   Root Cause (first observed failure):
 *   [0]:
 *     rank      : 1 (local_rank: 1)
 *     exitcode  : -9 (pid: 4242)  (SIGKILL)
 */
export function failedRank(stderr: string): { rank: number; exit: string } | undefined {
  const rootCause = stderr.split("Root Cause (first observed failure):")[1];
  if (rootCause === undefined) return undefined;
  const rank = /rank\s*:\s*(\d+)/.exec(rootCause);
  if (!rank?.[1]) return undefined;
  const exit = /exitcode\s*:\s*(-?\d+)[^\n]*?(\((SIG[A-Z]+)\))?\s*$/m.exec(rootCause);
  const how = exit?.[3] ? `killed by ${exit[3]}` : exit?.[1] ? `exit code ${exit[1]}` : "failed";
  return { rank: Number(rank[1]), exit: how };
}
