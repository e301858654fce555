"""One rank of a tiny data-parallel VADER run on Wan, trained twice: with the frozen base whole on every
rank, then sharded with FSDP2 (sharding.py). For test_sharding.py (started by torchrun).

    shard_worker.py OUT_DIR VARIANT STEPS

Runs the bridge's own handlers, as a leader and its followers do (model.create, trainer.create,
trainer.fit, model.sample and model.fingerprint on every rank; model.saveLora on the leader), and
saves to OUT_DIR/rank-<r>.pt, per run ("whole", "sharded"): this rank's LoRA tensors, the step
metrics, the sampled frames, the fingerprint, and the denoisers' parameters held here and in all.
The leader saves the sharded run's LoRA to OUT_DIR/lora.
"""

from __future__ import annotations

import dataclasses
import os
import resource
import sys

import torch

from vader_bridge import distributed, sharding
from vader_bridge.call import Call
from vader_bridge.configs import checked_params
from vader_bridge.control import CancelRegistry
from vader_bridge.handlers import BridgeContext, build_methods

TRAINER = {"scheduler": {"steps": 3, "eta": 1.0}, "lr": 1e-2, "batchSize": 2, "seed": 0, "lora": {"rank": 4}}
BRIGHTNESS = {"kind": "named", "name": "brightness", "options": {}}
PROMPTS = ["a dog", "a cat", "a bird"]
SAMPLE = {"prompts": ["a dog running"], "seed": 7, "scheduler": {"steps": 3, "eta": 0.0}, "guidanceScale": 1.0}


def source(variant: str) -> dict:
    return {"kind": "tiny", "family": "wan", "options": {"seed": 0, "frames": 5, "height": 16, "width": 16, "variant": variant}}


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))


def train(out: str, variant: str, steps: int, shard: bool) -> dict:
    group = distributed.current()
    distributed._group = dataclasses.replace(group, shards_frozen_base=shard)  # what the leader's VADER_SHARD_FROZEN_BASE sets
    context = BridgeContext()
    methods = build_methods(context=context)
    events: list[tuple[str, dict]] = []

    def run(method: str, params: dict) -> dict:
        call = Call(lambda identity, header: events.append((header["event"], header["data"])), CancelRegistry(), b"", 1, method)
        return methods[method](checked_params(method, params), call)

    created = run("model.create", {"source": source(variant), "device": "cpu", "precision": "fp32"})
    model = context.handles.get(created["handle"], "model")
    local, total = sharding.local_share(model)
    trainer = run("trainer.create", {"model": created["handle"], "algorithm": "vader", "reward": BRIGHTNESS, "config": TRAINER})
    run("trainer.fit", {"handle": trainer["handle"], "prompts": PROMPTS, "steps": steps})
    metrics = [data for event, data in events if event == "fit-delta"]
    sampled = run("model.sample", {"handle": created["handle"], **SAMPLE})["video"]
    fingerprint = run("model.fingerprint", {"handle": created["handle"]})
    save_error = ""
    if shard and group.is_leader:
        run("model.saveLora", {"handle": created["handle"], "directory": os.path.join(out, "lora")})
        try:
            run("model.save", {"handle": created["handle"], "directory": os.path.join(out, "base")})
        except ValueError as error:
            save_error = str(error)
    return {"parameters": [parameter.detach().clone() for parameter in model.adapter_parameters()], "metrics": metrics,
            "video": sampled, "fingerprint": fingerprint, "local": local, "total": total, "sharded": sharding.is_sharded(model),
            "notes": list(model.notes), "rssBytes": rss_bytes(), "saveError": save_error}


def main() -> None:
    out, variant, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(1)
    group = distributed.start(wants_to_lead=True)
    assert group is not None
    result = {"world": group.world_size, "leader": group.leader, "flag": group.shards_frozen_base, "sample": SAMPLE}
    for name, shard in (("whole", False), ("sharded", True)):
        result[name] = train(out, variant, steps, shard)
    result["peakRssBytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    torch.save(result, os.path.join(out, f"rank-{group.rank}.pt"))
    distributed.stop()


if __name__ == "__main__":
    main()
