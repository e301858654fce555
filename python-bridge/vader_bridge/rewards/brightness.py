"""Brightness: mean luma of each frame; with `target`, closeness to that mean luma instead."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..registry import register
from .luma import luma
from .frame_selection import FrameSelection
from .reward import PerFrameReward


@register("reward", "brightness")
class BrightnessReward(PerFrameReward):
    name = "brightness"

    @dataclass(frozen=True)
    class Config:
        # Without a target, brighter is better without limit (up to white); a target gives a peak.
        target: float | None = None
        frames: FrameSelection = field(default_factory=FrameSelection)  # which frames it scores

    def score_images(self, images: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        mean_luma = luma(images).mean(dim=(1, 2))
        if self.config.target is None:
            return mean_luma
        return -(mean_luma - self.config.target).abs()
