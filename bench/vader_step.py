"""One VADER configuration measured directly in Python, with no bridge: prints one JSON line.

Run by bench/vader-step.ts in a fresh process per configuration, because peak RSS only grows.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time

import torch

from vader_bridge.device import resolve_placement
from vader_bridge.models import create_model
from vader_bridge.prompts import ANIMAL_ACTIVITIES
from vader_bridge.rewards import build_reward
from vader_bridge.trainers import create_trainer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--denoising-steps", type=int, required=True)
    parser.add_argument("--k", type=int, required=True)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--checkpointing", type=int, choices=(0, 1), default=1)
    arguments = parser.parse_args()

    torch.manual_seed(0)
    model = create_model({"kind": "tiny", "family": "text-to-video", "options": {"seed": 0}}, resolve_placement())
    # Wire-form config: every field left out takes its zod default, as through the bridge.
    trainer = create_trainer("vader", model, build_reward({"kind": "named", "name": "brightness", "options": {}}), {
        "scheduler": {"name": "ddim", "steps": arguments.denoising_steps, "eta": 1.0},
        "truncation": {"mode": "last", "k": arguments.k},
        "lora": {"rank": 8},
        "lr": 1e-2,
        "seed": 0,
        "checkpointing": bool(arguments.checkpointing),
    })
    for _ in range(arguments.warmup):
        trainer.step(ANIMAL_ACTIVITIES)
    seconds = []
    for _ in range(arguments.iterations):
        started = time.perf_counter()
        trainer.step(ANIMAL_ACTIVITIES)
        seconds.append(time.perf_counter() - started)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    json.dump(
        {
            "denoisingSteps": arguments.denoising_steps,
            "k": arguments.k,
            "checkpointing": bool(arguments.checkpointing),
            "secondsPerStep": statistics.median(seconds),
            "allSeconds": seconds,
            "peakRssBytes": peak_kib * 1024,
            "unetParameters": sum(p.numel() for p in model.unet.parameters()),
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
