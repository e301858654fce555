"""Contrast: the standard deviation of each frame's luma (RMS contrast)."""

from __future__ import annotations

import torch

from ..registry import register
from .luma import luma
from .options import OptionReader
from .reward import PerFrameReward


@register("reward", "contrast")
class ContrastReward(PerFrameReward):
    name = "contrast"

    def __init__(self, options: dict | None = None):
        self.options = OptionReader(self.name, options).finish()

    def score_images(self, images: torch.Tensor) -> torch.Tensor:
        # Population std: a one-pixel frame is 0, not NaN.
        return luma(images).flatten(1).std(dim=1, unbiased=False)

    def spec(self) -> dict:
        return {"kind": "named", "name": self.name, "options": {}}
