"""Saturation: mean chroma (max channel minus min channel) of each frame; 0 for grey images."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..registry import register
from .frame_selection import FrameSelection
from .reward import PerFrameReward


@register("reward", "saturation")
class SaturationReward(PerFrameReward):
    name = "saturation"

    @dataclass(frozen=True)
    class Config:
        frames: FrameSelection = field(default_factory=FrameSelection)  # which frames it scores

    def score_images(self, images: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        chroma = images.amax(dim=1) - images.amin(dim=1)
        return chroma.mean(dim=(1, 2))
