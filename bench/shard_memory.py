"""Memory per rank of a Wan denoiser whole and sharded with FSDP2 (vader_bridge/sharding.py), on the CPU.

    python -m torch.distributed.run --standalone --nproc-per-node N bench/shard_memory.py [--layers 4]

Builds a Wan 2.1 1.3B-wide transformer (dim 1536, ffn 8960, 12 heads; fewer layers than its 30) with
random fp32 weights on every rank, shards it when N > 1 exactly as the bridge does, puts a rank-16
LoRA on it, and runs one forward and backward pass on a small latent. Prints one JSON line per rank:
the denoiser's parameter bytes held by the rank, its resident memory (RSS) before the model, with the
whole model, after sharding, and at the peak of the pass. With PYTHONPATH=python-bridge.
"""

from __future__ import annotations

import argparse
import gc
import json
import os

import torch
import torch.distributed as dist
from diffusers import WanTransformer3DModel
from torch.distributed.tensor import DTensor

from vader_bridge.device import peak_memory_bytes, reset_peak_memory
from vader_bridge.models.lora_adapter import DEFAULT_TARGET_MODULES, inject_lora, lora_config
from vader_bridge.sharding import shard_frozen_base


class Denoiser:
    """The two things shard_frozen_base asks of a model."""

    family = "wan"

    def __init__(self, transformer: torch.nn.Module):
        self.transformer = transformer

    def parts(self) -> dict[str, torch.nn.Module]:
        return {"transformer": self.transformer}


def rss() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--layers", type=int, default=4)
    arguments = parser.parse_args()
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    before = rss()
    torch.manual_seed(0)
    transformer = WanTransformer3DModel(num_attention_heads=12, attention_head_dim=128, text_dim=4096, ffn_dim=8960,
                                        num_layers=arguments.layers, rope_max_seq_len=64).eval().requires_grad_(False)
    whole = rss()
    total = sum(parameter.numel() * parameter.element_size() for parameter in transformer.parameters())
    model = Denoiser(transformer)
    if world > 1:
        shard_frozen_base(model, "cpu", world)
    gc.collect()
    sharded = rss()
    held = sum((parameter.to_local() if isinstance(parameter, DTensor) else parameter).numel() * parameter.element_size()
               for parameter in model.transformer.parameters())
    inject_lora(model.transformer, "default", lora_config(16, None, list(DEFAULT_TARGET_MODULES)), seed=0)
    latents = torch.randn(1, 16, 3, 16, 16)  # 3 x 8 x 8 = 192 tokens
    text = torch.randn(1, 32, 4096)
    reset_peak_memory(torch.device("cpu"))
    output = model.transformer(hidden_states=latents, timestep=torch.tensor([500]), encoder_hidden_states=text, return_dict=False)[0]
    output.float().square().mean().backward()
    peak = peak_memory_bytes(torch.device("cpu"))
    mib = 2**20
    print(json.dumps({"rank": rank, "ranks": world, "layers": arguments.layers, "denoiserMiB": round(total / mib, 1),
                      "heldMiB": round(held / mib, 1), "rssBeforeMiB": round(before / mib), "rssWholeMiB": round(whole / mib),
                      "rssShardedMiB": round(sharded / mib), "peakRssMiB": round(peak / mib)}), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
