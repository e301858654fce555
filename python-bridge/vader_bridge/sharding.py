"""The frozen base sharded over the ranks of a data-parallel run with PyTorch's FSDP2 (`fully_shard`),
for models whose frozen weights do not fit one device (Wan 2.2 A14B: two 14B experts).

With `shardFrozenBase` (docs/distributed.md), every rank holds 1/N of each denoiser's weights (both
experts of a two-expert Wan): `fully_shard` on each transformer block, then on the transformer itself
(its embeddings, norms and output projection). Before a block runs, FSDP2 all-gathers its weights,
and frees the gathered copy after it (again for the backward pass). The VAE and the text encoder stay
whole on every rank.

The LoRA stays outside FSDP: it is added after the sharding (a trainer adds its adapter to the model
the bridge created), so its parameters are plain tensors that FSDP never sees; any that already
exist are passed as `ignored_params`. Each rank therefore keeps a full copy of the LoRA, computes its
gradient locally, and `Trainer.apply_gradients` all-reduces and averages it as without sharding.
FSDP reduce-scatters only the gradients of the parameters it manages, and none of those needs a
gradient, so nothing is averaged twice. The optimizer state, checkpoints and saved LoRA files are
those of an unsharded run: the leader saves its own full copy.

The cost of sharding is that every call of the denoiser is a collective: all ranks must run it the
same number of times, in the same order. Training does (each rank denoises its share of every
batch); sampling (`model.sample`) and fingerprints run on every rank of a run that shards
(distributed.SHARDED_BASE_CALLS), each rank sampling the whole batch, the leader answering.

A model is built on the CPU first, in the dtype it will run in, and only its shards move to the
accelerator: a GPU never holds a whole expert. The host holds every rank's whole model for a moment.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import torch

from . import distributed
from .device import Placement
from .protocol import ConfigInvalid, Issue

if TYPE_CHECKING:
    from .models import VideoModel

# The parts that are sharded, when a model has them (the denoisers; both experts of Wan 2.2 A14B).
DENOISER_PARTS = ("transformer", "transformer_2")
# Where a denoiser keeps its repeated blocks, the unit that is all-gathered at a time.
BLOCK_LISTS = ("blocks", "transformer_blocks")


def wanted() -> bool:
    """Whether this bridge's models are sharded: a data-parallel run whose leader was started with shardFrozenBase."""
    group = distributed.current()
    return group is not None and group.shards_frozen_base


def create_sharded_model(source: dict[str, Any], placement: Placement) -> VideoModel:
    """The model `source` names, built on the CPU in its run dtype, its denoisers sharded onto `placement.device`."""
    from .models import create_model

    group = distributed.current()
    assert group is not None
    mesh_device = "cuda" if group.backend == "nccl" else "cpu"
    if placement.device.type != mesh_device:
        raise ConfigInvalid([Issue(("device",), (
            f"is {str(placement.device)!r}, but this run's ranks talk over {group.backend}, which shards onto {mesh_device}: "
            f"use device \"auto\" with shardFrozenBase"))])
    staging = Placement(torch.device("cpu"), placement.weights_dtype, placement.adapter_dtype)
    model = create_model(source, staging)
    sharded = shard_frozen_base(model, mesh_device, group.world_size)
    for name, part in model.parts().items():
        if name not in sharded:
            part.to(placement.device)
    model.placement = placement
    local, total = local_share(model)
    model.notes.append(f"frozen {' and '.join(sharded)} sharded over {group.world_size} ranks (FSDP2): rank {group.rank} holds "
                       f"{local:,} of their {total:,} parameters")
    return model


def shard_frozen_base(model: VideoModel, mesh_device: str, world_size: int) -> list[str]:
    """`fully_shard` on each block of each denoiser part, then on the part; returns the parts' names."""
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    parts = {name: part for name, part in model.parts().items() if name in DENOISER_PARTS}
    if not parts:
        raise ConfigInvalid([Issue(("shardFrozenBase",), (
            f"shards transformer denoisers (Wan's); the {model.family} model has none ({', '.join(model.parts())}): "
            "leave shardFrozenBase out, every rank then holds the whole model"))])
    mesh = init_device_mesh(mesh_device, (world_size,))
    for name, part in parts.items():
        blocks = _blocks(part, name)
        trained = {parameter for parameter in part.parameters() if parameter.requires_grad}  # LoRA: replicated, not FSDP's
        for block in blocks:
            fully_shard(block, mesh=mesh, ignored_params=trained & set(block.parameters()))
        fully_shard(part, mesh=mesh, ignored_params=trained)
    return list(parts)


def _blocks(part: torch.nn.Module, name: str) -> torch.nn.ModuleList:
    for attribute in BLOCK_LISTS:
        blocks = getattr(part, attribute, None)
        if isinstance(blocks, torch.nn.ModuleList) and len(blocks):
            return blocks
    raise ConfigInvalid([Issue(("shardFrozenBase",), (
        f"shards a denoiser block by block, but the {name} ({type(part).__name__}) has no {' or '.join(BLOCK_LISTS)} list"))])


def is_sharded(model: VideoModel) -> bool:
    from torch.distributed.fsdp import FSDPModule

    return any(isinstance(part, FSDPModule) for part in model.parts().values())


def local_share(model: VideoModel) -> tuple[int, int]:
    """(parameters this rank holds, parameters in all) of the model's sharded parts."""
    from torch.distributed.tensor import DTensor

    local = total = 0
    for name, part in model.parts().items():
        if name in DENOISER_PARTS:
            for parameter in part.parameters():
                local += parameter.to_local().numel() if isinstance(parameter, DTensor) else parameter.numel()
                total += parameter.numel()
    return local, total


# FSDP2 warns that the root returns a view (Wan's output is a reshaped patch grid): an in-place op on
# it would skip the backward all-gather. The sampling loop, the schedulers and guidance use only
# out-of-place arithmetic on the prediction (tests/test_sharding.py checks the gradients against an
# unsharded run).
warnings.filterwarnings("ignore", message=r"FSDP2-wrapped module \(.*\) returned a view tensor")
