"""Contrast: the standard deviation of each frame's luma (RMS contrast)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..registry import register
from .luma import luma
from .reward import PerFrameReward


@register("reward", "contrast")
class ContrastReward(PerFrameReward):
    name = "contrast"

    @dataclass(frozen=True)
    class Config:
        """No options."""

    def score_images(self, images: torch.Tensor) -> torch.Tensor:
        # Population std: a one-pixel frame is 0, not NaN.
        return luma(images).flatten(1).std(dim=1, unbiased=False)
