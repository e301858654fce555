"""Saturation: mean chroma (max channel minus min channel) of each frame; 0 for grey images."""

from __future__ import annotations

import torch

from ..registry import register
from .options import OptionReader
from .reward import PerFrameReward


@register("reward", "saturation")
class SaturationReward(PerFrameReward):
    name = "saturation"

    def __init__(self, options: dict | None = None):
        self.options = OptionReader(self.name, options).finish()

    def score_images(self, images: torch.Tensor) -> torch.Tensor:
        chroma = images.amax(dim=1) - images.amin(dim=1)
        return chroma.mean(dim=(1, 2))

    def spec(self) -> dict:
        return {"kind": "named", "name": self.name, "options": {}}
