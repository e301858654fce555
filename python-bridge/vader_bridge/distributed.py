"""Data-parallel ranks: who leads, how followers get the leader's calls, and the collectives training needs.

`vader train --processes N` (Bridge.start({processes: N})) starts the bridge under PyTorch's own
launcher, torchrun (torch.distributed.run, whose elastic agent watches the ranks and tears the group
down when one fails). One rank, the leader, is the bridge that TypeScript started: it binds the
ZeroMQ socket and answers. Every other rank is a follower: it binds nothing and runs each call the
leader shares with it (the method's name and its checked params, sent with `broadcast_object_list`)
through the same handler, replying to nobody. So model creation, trainer creation and fit run on
every rank, and handle ids stay the same everywhere. Calls that only read or write the leader's
disk or answer the leader's caller (LEADER_ONLY) are not shared.

The leader is the local rank 0 of the node whose torchrun TypeScript spawned (it has
VADER_BRIDGE_ENDPOINT); on one node that is global rank 0. A c10d rendezvous orders nodes by host and
pid, so on several nodes it may hold any global rank: every rank learns which at start-up.

Gloo on the CPU, NCCL on GPUs (each rank on cuda:LOCAL_RANK). The training group's collectives time
out after VADER_COLLECTIVE_TIMEOUT_S seconds (default 120); the calls arrive on a second, gloo group
without a practical timeout, since a follower waits there for as long as the user leaves the bridge
idle. A rank that dies closes its sockets, so its peers fail at once rather than at the timeout.
Any failed collective ends this process (exit code 1) after a short grace, in which torchrun
usually stops it first and reports the rank that failed.

With VADER_SHARD_FROZEN_BASE=1 on the leader (shardFrozenBase in TypeScript), every rank learns at
start-up that the run shards its models' frozen denoisers (sharding.py); the leader-only calls that
run a denoiser (SHARDED_BASE_CALLS) are then shared too, since every rank takes part in each pass.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Callable, TypeVar

if TYPE_CHECKING:
    import torch

# torch is imported inside the functions: the server imports this module before its cheap start-up
# checks, and importing torch takes seconds.

Result = TypeVar("Result")

DEFAULT_TIMEOUT_S = 120.0
IDLE_TIMEOUT = timedelta(days=365)  # a follower waiting for the next call
FAILURE_GRACE_S = 5.0  # time torchrun gets to stop this process and name the rank that failed

# Calls whose effects stay on the leader: its files, its caller's answer. Nothing here creates a
# handle or changes a model, a trainer or the reward cache, so skipping them keeps ranks in step.
LEADER_ONLY = frozenset({
    "system.hello", "system.echo", "system.sleep", "system.stats", "prompts.builtIn",
    "model.save", "model.saveLora", "model.fingerprint", "model.sample", "lora.export", "reward.score",
    "video.write", "video.read", "video.writeGrid", "world.prompts", "world.judge", "plot.comparison", "plot.finalBySize",
    "run.save", "run.saveEvaluation", "run.saveSample", "run.load", "tensorboard.addVideo",
})
# Leader-only calls that run a model, so every rank of a run that shards the frozen base must run
# them too (each FSDP2 block all-gathers its weights from every rank): sharding.py.
SHARDED_BASE_CALLS = frozenset({"model.sample", "model.fingerprint"})
SHARD_FROZEN_BASE = "VADER_SHARD_FROZEN_BASE"  # "1": the leader's models are sharded (its value decides for every rank)


class GroupFailed(RuntimeError):
    """A collective failed: another rank died or hung. The run cannot continue in step."""


@dataclass(frozen=True)
class Group:
    rank: int
    world_size: int
    local_rank: int
    leader: int  # the global rank that speaks to TypeScript
    backend: str
    calls: Any  # the gloo group that carries the leader's calls
    shards_frozen_base: bool = False  # the leader's VADER_SHARD_FROZEN_BASE: FSDP2 on the denoisers (sharding.py)

    @property
    def is_leader(self) -> bool:
        return self.rank == self.leader


_group: Group | None = None


def launched_by_torchrun() -> bool:
    return "TORCHELASTIC_RUN_ID" in os.environ or ("RANK" in os.environ and "WORLD_SIZE" in os.environ)


def timeout_seconds() -> float:
    text = os.environ.get("VADER_COLLECTIVE_TIMEOUT_S", "")
    try:
        value = float(text) if text else DEFAULT_TIMEOUT_S
    except ValueError:
        value = -1.0
    if value <= 0:
        sys.exit(f"VADER_COLLECTIVE_TIMEOUT_S must be a positive number of seconds, got {text!r}")
    return value


def start(*, wants_to_lead: bool) -> Group | None:
    """Joins the process group torchrun set up (None outside torchrun, or with one rank)."""
    global _group
    if not launched_by_torchrun() or int(os.environ.get("WORLD_SIZE", "1")) == 1:
        return None
    import torch
    import torch.distributed as dist

    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(local_rank)
    dist.init_process_group(backend=backend, timeout=timedelta(seconds=timeout_seconds()))
    calls = dist.new_group(backend="gloo", timeout=IDLE_TIMEOUT)
    claims: list[Any] = [None] * dist.get_world_size()
    leads = bool(wants_to_lead and local_rank == 0)
    dist.all_gather_object(claims, (leads, leads and os.environ.get(SHARD_FROZEN_BASE) == "1"), group=calls)
    leaders = [rank for rank, (claim, _) in enumerate(claims) if claim]
    if len(leaders) != 1:
        raise SystemExit(f"the distributed run has {len(leaders)} bridges started by TypeScript (ranks {leaders}), it needs exactly one: "
                         "start every other node's torchrun without VADER_BRIDGE_ENDPOINT (docs/distributed.md)")
    _group = Group(dist.get_rank(), dist.get_world_size(), local_rank, leaders[0], backend, calls, shards_frozen_base=claims[leaders[0]][1])
    return _group


def current() -> Group | None:
    return _group


def is_leader() -> bool:
    """True outside a distributed run: a lone bridge leads itself."""
    return _group is None or _group.is_leader


def rank_and_size() -> tuple[int, int]:
    return (0, 1) if _group is None else (_group.rank, _group.world_size)


def stop() -> None:
    global _group
    import torch.distributed as dist

    if _group is not None and dist.is_initialized():
        dist.destroy_process_group()
    _group = None


def _collective(what: str, action: Callable[[], Result]) -> Result:
    try:
        return action()
    except Exception as error:
        rank = _group.rank if _group else "?"
        raise GroupFailed(f"rank {rank}: the {what} failed, so another rank of the run died or stopped answering "
                          f"({type(error).__name__}: {error})") from error


# ---- the leader's calls, on every rank ---------------------------------------------------------

def share_call(method: str, params: dict[str, Any]) -> None:
    """Leader: hands a checked call to the followers before running it itself."""
    if _group is None or (method in LEADER_ONLY and not (_group.shards_frozen_base and method in SHARDED_BASE_CALLS)):
        return
    import torch.distributed as dist

    _collective("sharing of a call", lambda: dist.broadcast_object_list([(method, params)], src=_group.leader, group=_group.calls))


def next_call() -> tuple[str, dict[str, Any]]:
    """Follower: waits for the leader's next shared call."""
    assert _group is not None and not _group.is_leader
    import torch.distributed as dist

    received: list[Any] = [None]
    _collective("wait for the leader's next call", lambda: dist.broadcast_object_list(received, src=_group.leader, group=_group.calls))
    return received[0]


def leader_value(value: Result) -> Result:
    """The leader's `value` on every rank (what only the leader knows: a cancellation, a file it read)."""
    if _group is None:
        return value
    import torch.distributed as dist

    box = [value if _group.is_leader else None]
    _collective("broadcast of the leader's value", lambda: dist.broadcast_object_list(box, src=_group.leader, group=_group.calls))
    return box[0]


def on_leader(action: Callable[[], Result]) -> Result:
    """Runs `action` on the leader only and gives every rank its result, or raises its error everywhere."""
    if _group is None:
        return action()
    outcome: tuple[bool, Any] = (True, None)
    if _group.is_leader:
        try:
            outcome = (True, action())
        except Exception as error:
            outcome = (False, error)
    succeeded, value = leader_value(outcome)
    if not succeeded:
        raise value
    return value


# ---- training collectives ----------------------------------------------------------------------

def average_gradients(parameters: list[torch.nn.Parameter]) -> None:
    """Every rank's gradients replaced by their mean over ranks (a parameter without one counts as zeros)."""
    import torch
    import torch.distributed as dist

    if not dist.is_initialized() or _group is None:
        return
    gradients = [parameter.grad if parameter.grad is not None else torch.zeros_like(parameter) for parameter in parameters]
    flat = torch.cat([gradient.reshape(-1).float() for gradient in gradients])
    _collective("all-reduce of the LoRA gradients", lambda: dist.all_reduce(flat, op=dist.ReduceOp.SUM))
    flat /= _group.world_size
    offset = 0
    for parameter, gradient in zip(parameters, gradients):
        count = gradient.numel()
        parameter.grad = flat[offset : offset + count].view_as(gradient).to(gradient.dtype)
        offset += count


def gather_rows(tensor: torch.Tensor) -> torch.Tensor:
    """Every rank's rows, in rank order (ranks hold equal shares, so equal shapes)."""
    if _group is None:
        return tensor
    import torch
    import torch.distributed as dist

    local = tensor.detach().to(_device())
    pieces = [torch.empty_like(local) for _ in range(_group.world_size)]
    _collective("gather of the step's rewards", lambda: dist.all_gather(pieces, local))
    return torch.cat(pieces).to(tensor.device)


def mean_over_ranks(value: float) -> float:
    if _group is None:
        return value
    import torch
    import torch.distributed as dist

    total = torch.tensor([float(value)], dtype=torch.float64, device=_device())
    _collective("average of the step's loss", lambda: dist.all_reduce(total, op=dist.ReduceOp.SUM))
    return total.item() / _group.world_size


def _device() -> torch.device:
    import torch

    return torch.device("cuda", torch.cuda.current_device()) if _group is not None and _group.backend == "nccl" else torch.device("cpu")


def exit_after_failure(error: BaseException, log: Callable[[str], None]) -> None:
    """A run whose ranks fell out of step cannot go on: give torchrun a moment to report the rank it
    saw fail (it stops this process), then leave with exit code 1 so the launcher ends the run."""
    log(f"{error}; ending this rank")
    time.sleep(FAILURE_GRACE_S)
    os._exit(1)
