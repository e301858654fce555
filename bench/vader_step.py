"""One VADER configuration measured directly in Python, with no bridge: prints one JSON line.

Run by bench/vader-step.ts and bench/memory.ts in a fresh process per configuration, because peak
RSS only grows. Peak memory is the device's: torch.cuda.max_memory_allocated on a GPU, the process's
peak RSS on the CPU.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time

import torch

from vader_bridge.device import peak_memory_bytes, reset_peak_memory, resolve_placement
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
    parser.add_argument("--family", default="text-to-video")
    parser.add_argument("--options", default="{}", help="the tiny model's options as JSON (frames, height, width)")
    parser.add_argument("--decode", choices=("one", "all"), default="one", help="the reward sees the first frame only, or every frame")
    parser.add_argument("--device", default="auto")
    arguments = parser.parse_args()

    torch.manual_seed(0)
    placement = resolve_placement(arguments.device)
    model = create_model({"kind": "tiny", "family": arguments.family, "options": {"seed": 0, **json.loads(arguments.options)}}, placement)
    # Wire-form config: every field left out takes its zod default, as through the bridge.
    trainer = create_trainer("vader", model, build_reward({"kind": "named", "name": "brightness", "options": {}}), {
        "scheduler": {"steps": arguments.denoising_steps, "eta": 1.0},  # the model's own scheduler
        # Frame 0 alone decodes from one latent frame on every family (the causal VAEs' first).
        "decodeFrames": {"mode": "indices", "indices": [0]} if arguments.decode == "one" else {"mode": "all"},
        "truncation": {"mode": "last", "k": arguments.k},
        "lora": {"rank": 8},
        "lr": 1e-2,
        "seed": 0,
        "checkpointing": bool(arguments.checkpointing),
    })
    reset_peak_memory(model.device)
    resident = peak_memory_bytes(model.device)  # the model and the libraries, before any step
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
            "family": arguments.family,
            "device": str(model.device),
            "denoisingSteps": arguments.denoising_steps,
            "k": arguments.k,
            "checkpointing": bool(arguments.checkpointing),
            "decode": arguments.decode,
            "secondsPerStep": statistics.median(seconds),
            "allSeconds": seconds,
            "peakRssBytes": peak_kib * 1024,
            "peakMemoryBytes": peak_memory_bytes(model.device),
            "residentBytes": resident,
            "unetParameters": sum(p.numel() for p in model.denoiser.parameters()),
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
