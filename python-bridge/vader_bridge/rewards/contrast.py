"""Contrast: the standard deviation of each frame's luma (RMS contrast)."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..registry import register
from .luma import luma
from .frame_selection import FrameSelection
from .reward import PerFrameReward


@register("reward", "contrast")
class ContrastReward(PerFrameReward):
    name = "contrast"

    @dataclass(frozen=True)
    class Config:
        frames: FrameSelection = field(default_factory=FrameSelection)  # which frames it scores

    def score_images(self, images: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        # Population std: a one-pixel frame is 0, not NaN.
        return luma(images).flatten(1).std(dim=1, unbiased=False)
