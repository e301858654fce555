"""The frozen base sharded with FSDP2 over data-parallel ranks (sharding.py), on gloo and the CPU.

Each test launches tests/distributed/shard_worker.py under torchrun: 2 ranks train a tiny Wan with
VADER (global batch 2, 3 steps), first with the base whole on every rank, then sharded. Measured
here: each rank holds about half of the denoisers' parameters (Wan 2.1: 14,332 and 13,996 of
28,328; the two-expert 2.2-a14b: 28,664 and 27,992 of 56,656), and the sharded run's LoRA, gradient
norms, losses and sampled frames equal the unsharded run's exactly (largest difference 0.0: the
gathered weights are the same numbers, and the LoRA's gradient is all-reduced the same way).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from support import tiny_model
from vader_bridge.call import Call
from vader_bridge.configs import checked_params
from vader_bridge.control import CancelRegistry
from vader_bridge.handlers import build_methods
from vader_bridge.protocol import ConfigInvalid
from vader_bridge.sharding import shard_frozen_base

WORKER = Path(__file__).parent / "distributed" / "shard_worker.py"
BRIDGE = Path(__file__).parent.parent
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--monitor-interval", "0.2", "--max-restarts", "0"]


def _launch(out: Path, variant: str) -> list[dict]:
    environment = {**os.environ, "PYTHONPATH": f"{BRIDGE}{os.pathsep}{BRIDGE / 'tests'}", "OMP_NUM_THREADS": "1",
                   "VADER_COLLECTIVE_TIMEOUT_S": "60", "VADER_SHARD_FROZEN_BASE": "1"}
    finished = subprocess.run([*TORCHRUN, "--standalone", "--nproc-per-node", "2", str(WORKER), str(out), variant, "3"],
                              env=environment, capture_output=True, text=True, timeout=170)
    assert finished.returncode == 0, finished.stderr[-3000:]
    return [torch.load(out / f"rank-{rank}.pt", weights_only=False) for rank in range(2)]


def _largest_difference(mine: list[torch.Tensor], theirs: list[torch.Tensor]) -> float:
    return max((one - other).abs().max().item() for one, other in zip(mine, theirs))


def _sample_with_saved_lora(variant: str, directory: Path, sample: dict) -> torch.Tensor:
    """One process, no group: the base whole, the LoRA loaded from the sharded run's files."""
    methods = build_methods()

    def run(method: str, params: dict) -> dict:
        return methods[method](checked_params(method, params), Call(lambda identity, header: None, CancelRegistry(), b"", 1, method))

    source = {"kind": "tiny", "family": "wan", "options": {"seed": 0, "frames": 5, "height": 16, "width": 16, "variant": variant}}
    handle = run("model.create", {"source": source, "device": "cpu", "precision": "fp32"})["handle"]
    run("model.loadLora", {"handle": handle, "adapter": "default", "directory": str(directory)})
    return run("model.sample", {"handle": handle, **sample})["video"]


@pytest.mark.parametrize("variant", ["2.1", "2.2-a14b"])
def test_a_sharded_base_trains_as_the_whole_one_and_its_lora_loads_unsharded(tmp_path, variant):
    ranks = _launch(tmp_path, variant)
    assert all(rank["flag"] for rank in ranks)  # the leader's VADER_SHARD_FROZEN_BASE reached every rank
    whole, sharded = [rank["whole"] for rank in ranks], [rank["sharded"] for rank in ranks]
    # Each rank holds about half of the denoisers' parameters; together, all of them once.
    total = sharded[0]["total"]
    assert all(run["sharded"] for run in sharded) and not any(run["sharded"] for run in whole)
    assert [run["local"] for run in whole] == [total, total]
    assert sum(run["local"] for run in sharded) == total
    assert all(0.45 * total <= run["local"] <= 0.55 * total for run in sharded), [run["local"] for run in sharded]
    assert f"rank 0 holds {sharded[0]['local']:,} of their {total:,} parameters" in sharded[0]["notes"][-1]
    # The ranks' LoRA tensors are bit-identical, and equal the unsharded data-parallel run's.
    assert all(torch.equal(mine, theirs) for mine, theirs in zip(sharded[0]["parameters"], sharded[1]["parameters"]))
    difference = _largest_difference(sharded[0]["parameters"], whole[0]["parameters"])
    assert difference <= 1e-6, f"sharded vs whole base: max abs difference {difference}"
    assert any(parameter.abs().max() > 0.01 for parameter in whole[0]["parameters"])  # the LoRA moved (B starts at zero)
    # The gradient is averaged once (twice would halve the norm), and the metrics are the global batch's.
    for sharded_step, whole_step in zip(sharded[0]["metrics"], whole[0]["metrics"], strict=True):
        assert sharded_step["gradNorm"] == pytest.approx(whole_step["gradNorm"], rel=1e-5)
        assert sharded_step["loss"] == pytest.approx(whole_step["loss"], abs=1e-6)
        assert sharded_step["rewardQueries"] == whole_step["rewardQueries"]
    # Sampling and fingerprints run on every rank of a sharded model and agree with the whole one.
    assert torch.allclose(sharded[0]["video"], whole[0]["video"], atol=1e-6)
    assert sharded[0]["fingerprint"] == sharded[1]["fingerprint"] == whole[0]["fingerprint"]
    assert "sharded over the ranks" in sharded[0]["saveError"]
    # The LoRA the leader saved from the sharded run loads into an unsharded model and gives the same frames.
    frames = _sample_with_saved_lora(variant, tmp_path / "lora", ranks[0]["sample"])
    assert (frames - sharded[0]["video"]).abs().max().item() <= 1e-6


def test_a_model_without_transformer_blocks_is_refused_before_any_collective():
    model = tiny_model("cpu", frames=2, height=16, width=16)  # ModelScope's UNet3D
    with pytest.raises(ConfigInvalid) as refused:
        shard_frozen_base(model, "cpu", 2)
    issue = refused.value.issues[0]
    assert issue.path == ("shardFrozenBase",) and "text-to-video model has none" in issue.message
