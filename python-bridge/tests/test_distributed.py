"""Data-parallel training on torch.distributed (gloo, CPU): ranks started by torchrun, as the bridge is.

Each test launches tests/distributed/train_worker.py under torchrun: a tiny VADER run with a global
batch of 2 split over 2 ranks. Measured here: the two ranks' LoRA tensors are bit-identical, and they
differ from a single-process run with the same global batch by at most about 4e-7 (weights of
about 0.2), from the order of floating-point sums.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from vader_bridge.protocol import ConfigInvalid
from vader_bridge.shards import BatchShard

WORKER = Path(__file__).parent / "distributed" / "train_worker.py"
BRIDGE = Path(__file__).parent.parent
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--monitor-interval", "0.2", "--max-restarts", "0"]


def _environment(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(BRIDGE), "OMP_NUM_THREADS": "1", "VADER_COLLECTIVE_TIMEOUT_S": "60", **extra}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _rank_files(folder: Path, world: int) -> list[dict]:
    return [torch.load(folder / f"rank-{rank}.pt", weights_only=False) for rank in range(world)]


def _single_process(steps: int) -> tuple[list[torch.Tensor], list[dict]]:
    sys.path.insert(0, str(WORKER.parent))
    try:
        from train_worker import train
    finally:
        sys.path.remove(str(WORKER.parent))
    return train(steps)


def test_two_ranks_hold_identical_lora_equal_to_one_process(tmp_path):
    finished = subprocess.run([*TORCHRUN, "--standalone", "--nproc-per-node", "2", str(WORKER), str(tmp_path), "3"],
                              env=_environment(), capture_output=True, text=True, timeout=110)
    assert finished.returncode == 0, finished.stderr[-3000:]
    leader, follower = _rank_files(tmp_path, 2)
    assert leader["leader"] == 0 and leader["world"] == 2
    assert all(torch.equal(mine, theirs) for mine, theirs in zip(leader["parameters"], follower["parameters"]))
    single, metrics = _single_process(3)
    difference = max((mine - alone).abs().max().item() for mine, alone in zip(leader["parameters"], single))
    assert difference < 1e-5, f"2 ranks vs 1 process: max abs difference {difference}"
    assert any(parameter.abs().max() > 0 for parameter in single)  # the LoRA moved (B starts at zero)
    # The metrics are the global batch's, the same on every rank.
    for distributed_step, alone in zip(leader["metrics"], metrics):
        assert distributed_step["rewardQueries"] == alone["rewardQueries"]
        assert distributed_step["reward"]["mean"] == pytest.approx(alone["reward"]["mean"], abs=1e-5)
        assert distributed_step["reward"]["std"] == pytest.approx(alone["reward"]["std"], abs=1e-5)
        assert distributed_step["loss"] == pytest.approx(alone["loss"], abs=1e-5)
    assert leader["metrics"][-1]["rewardQueries"] == 6
    assert [step["reward"] for step in leader["metrics"]] == [step["reward"] for step in follower["metrics"]]


def test_a_killed_rank_ends_the_run_within_seconds_naming_it(tmp_path):
    started = time.monotonic()
    finished = subprocess.run([*TORCHRUN, "--standalone", "--nproc-per-node", "2", str(WORKER), str(tmp_path), "3", "1"],
                              env=_environment(), capture_output=True, text=True, timeout=110)
    assert finished.returncode != 0
    assert time.monotonic() - started < 60
    root_cause = finished.stderr.split("Root Cause")[-1]
    assert "rank      : 1 (local_rank: 1)" in root_cause and "SIGKILL" in root_cause, finished.stderr[-3000:]
    assert not (tmp_path / "rank-0.pt").exists()  # rank 0 never finished alone


def test_two_nodes_join_through_a_c10d_rendezvous_on_loopback(tmp_path):
    """Two torchrun agents, as on two machines; the leader's node may get any global rank."""
    endpoint = f"localhost:{_free_port()}"
    node = [*TORCHRUN, "--nnodes", "2", "--nproc-per-node", "1", "--rdzv-backend", "c10d", "--rdzv-endpoint", endpoint,
            "--rdzv-id", "vader-test", str(WORKER), str(tmp_path), "2"]
    leader_node = subprocess.Popen(node, env=_environment(VADER_TEST_LEADS="1"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    other_node = subprocess.Popen(node, env=_environment(VADER_TEST_LEADS="0"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    outputs = [process.communicate(timeout=110)[0] for process in (leader_node, other_node)]
    assert leader_node.returncode == 0 and other_node.returncode == 0, "\n".join(output[-2000:] for output in outputs)
    first, second = _rank_files(tmp_path, 2)
    assert first["world"] == 2 and first["leader"] == second["leader"]
    assert all(torch.equal(mine, theirs) for mine, theirs in zip(first["parameters"], second["parameters"]))


def test_a_batch_that_does_not_split_is_refused_with_both_numbers():
    with pytest.raises(ConfigInvalid) as refused:
        BatchShard.of(3, 0, 2, ("config", "batchSize"))
    issue = refused.value.issues[0]
    assert issue.path == ("config", "batchSize")
    assert "3 videos for 2 ranks" in issue.message and "4" in issue.message


def test_shares_are_contiguous_rows_in_rank_order():
    generator = torch.Generator().manual_seed(0)
    whole = torch.randn([4, 3], generator=torch.Generator().manual_seed(0))
    shares = [BatchShard.of(4, rank, 2, ("batchSize",)) for rank in range(2)]
    assert [share.take("abcd") for share in shares] == [["a", "b"], ["c", "d"]]
    drawn = shares[1].noise(generator).randn([2, 3], torch.float32)
    assert torch.equal(drawn, whole[2:])
