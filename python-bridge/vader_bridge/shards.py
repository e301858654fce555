"""One rank's share of a global batch: which samples are its own, and its share of their noise.

Data parallelism splits each micro-batch of `batch_size` videos into equal, contiguous shares, one
per rank, in rank order. Every rank keeps the trainer's random streams as they would be in one
process (same seed, same draws): it draws the whole micro-batch's prompts and noise from them and
keeps its own slice. So rank r's noise is its own (no two ranks sample the same video), the streams
stay identical on every rank (one checkpoint resumes any number of ranks), and N ranks reproduce the
single-process run with the same global batch up to the order of floating-point sums. Drawing the
whole batch's noise costs one `randn` of the global shape per denoising step: nothing next to the
denoiser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, TypeVar

import torch

from .protocol import ConfigInvalid, Issue

Item = TypeVar("Item")


@dataclass(frozen=True)
class BatchShard:
    rank: int
    world_size: int
    global_batch: int

    @classmethod
    def of(cls, global_batch: int, rank: int, world_size: int, where: tuple) -> "BatchShard":
        """Refuses a batch that does not split evenly (ranks would otherwise average unequal shares)."""
        if global_batch % world_size:
            raise ConfigInvalid([Issue(where, (
                f"must be a multiple of the number of ranks to split across them (got {global_batch} videos for {world_size} ranks); "
                f"use a multiple of {world_size} such as {(global_batch // world_size + 1) * world_size}, or run fewer processes"))])
        return cls(rank, world_size, global_batch)

    @property
    def size(self) -> int:
        return self.global_batch // self.world_size

    @property
    def start(self) -> int:
        return self.rank * self.size

    def take(self, items: Sequence[Item]) -> list[Item]:
        return list(items[self.start : self.start + self.size])

    def take_rows(self, tensor: torch.Tensor) -> torch.Tensor:
        return tensor[self.start : self.start + self.size]

    def noise(self, generator: torch.Generator) -> "ShardNoise":
        return ShardNoise(generator, self)


@dataclass(frozen=True)
class ShardNoise:
    """Stands in for a torch.Generator where the sampling loop draws noise (schedulers' `draw_noise`):
    each draw is the whole batch's, from the shared stream, and this rank's rows of it."""

    generator: torch.Generator
    shard: BatchShard

    @property
    def device(self) -> torch.device:
        return self.generator.device

    def randn(self, shape: Sequence[int], dtype: torch.dtype) -> torch.Tensor:
        if shape[0] != self.shard.size:
            raise ValueError(f"this rank's share is {self.shard.size} videos, but noise for {shape[0]} was asked for")
        whole = torch.randn([self.shard.global_batch, *shape[1:]], generator=self.generator, device=self.generator.device, dtype=dtype)
        return self.shard.take_rows(whole)
