"""Colorfulness (Hasler & Suesstrunk 2003) of each frame, on [0, 1] pixels rather than [0, 255]."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..registry import register
from .frame_selection import FrameSelection
from .reward import PerFrameReward

# Keeps the square root differentiable at a flat grey frame (its gradient is infinite at 0).
EPSILON = 1e-8


@register("reward", "colorfulness")
class ColorfulnessReward(PerFrameReward):
    name = "colorfulness"

    @dataclass(frozen=True)
    class Config:
        frames: FrameSelection = field(default_factory=FrameSelection)  # which frames it scores

    def score_images(self, images: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        red, green, blue = images.unbind(dim=1)
        red_green = (red - green).flatten(1)
        yellow_blue = (0.5 * (red + green) - blue).flatten(1)
        spread = (red_green.var(dim=1, unbiased=False) + yellow_blue.var(dim=1, unbiased=False) + EPSILON).sqrt()
        offset = (red_green.mean(dim=1) ** 2 + yellow_blue.mean(dim=1) ** 2 + EPSILON).sqrt()
        return spread + 0.3 * offset
