"""Saturation: mean chroma (max channel minus min channel) of each frame; 0 for grey images."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..registry import register
from .reward import PerFrameReward


@register("reward", "saturation")
class SaturationReward(PerFrameReward):
    name = "saturation"

    @dataclass(frozen=True)
    class Config:
        """No options."""

    def score_images(self, images: torch.Tensor) -> torch.Tensor:
        chroma = images.amax(dim=1) - images.amin(dim=1)
        return chroma.mean(dim=(1, 2))
