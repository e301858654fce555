"""Brightness: mean luma of each frame; with `target`, closeness to that mean luma instead."""

from __future__ import annotations

import torch

from ..registry import register
from .luma import luma
from .options import OptionReader
from .reward import PerFrameReward


@register("reward", "brightness")
class BrightnessReward(PerFrameReward):
    name = "brightness"

    def __init__(self, options: dict | None = None):
        reader = OptionReader(self.name, options)
        # Without a target, brighter is better without limit (up to white); a target gives a peak.
        self.target = reader.number("target", default=None, minimum=0.0, maximum=1.0)
        self.options = reader.finish()

    def score_images(self, images: torch.Tensor) -> torch.Tensor:
        mean_luma = luma(images).mean(dim=(1, 2))
        if self.target is None:
            return mean_luma
        return -(mean_luma - self.target).abs()

    def spec(self) -> dict:
        return {"kind": "named", "name": self.name, "options": dict(self.options)}
