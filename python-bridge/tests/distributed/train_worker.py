"""One rank of a tiny data-parallel VADER run, for test_distributed.py (started by torchrun).

    train_worker.py OUT_DIR STEPS [KILL_RANK]

Joins the group as the leader on local rank 0 (like the bridge TypeScript starts), trains a tiny
model for STEPS steps with a global batch of 2, and saves this rank's LoRA tensors and the step
metrics to OUT_DIR/rank-<r>.pt. KILL_RANK, when given, is killed by SIGKILL after the first step.
"""

from __future__ import annotations

import os
import signal
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))  # tests/support.py

from support import tiny_model, vader_trainer  # noqa: E402
from vader_bridge import distributed  # noqa: E402

TRAINER = {"scheduler": {"steps": 3, "eta": 1.0}, "lr": 1e-2, "batchSize": 2, "seed": 0, "lora": {"rank": 4}}
PROMPTS = ["a dog", "a cat", "a bird"]


def train(steps: int, kill_rank: int | None = None) -> tuple[list[torch.Tensor], list[dict]]:
    torch.set_num_threads(1)
    model = tiny_model("cpu", frames=2, height=16, width=16)
    trainer = vader_trainer(model, **TRAINER)
    metrics = []
    for _ in range(steps):
        metrics.append(trainer.step(PROMPTS))
        rank, _ = distributed.rank_and_size()
        if rank == kill_rank:
            os.kill(os.getpid(), signal.SIGKILL)
    return [parameter.detach().clone() for parameter in trainer.parameters], metrics


def main() -> None:
    out, steps = sys.argv[1], int(sys.argv[2])
    kill_rank = int(sys.argv[3]) if len(sys.argv) > 3 else None
    group = distributed.start(wants_to_lead=os.environ.get("VADER_TEST_LEADS", "1") == "1")
    assert group is not None
    parameters, metrics = train(steps, kill_rank)
    torch.save({"parameters": parameters, "metrics": metrics, "leader": group.leader, "world": group.world_size},
               os.path.join(out, f"rank-{group.rank}.pt"))
    distributed.stop()


if __name__ == "__main__":
    main()
