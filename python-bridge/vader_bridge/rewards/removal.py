"""Removal (the digit world's object removal, the role of YOLOS in the paper): one minus the
probability, under the world's DigitNet ensemble, that a frame shows the named digit, averaged
over the decoded frames. The prompt is not read: the digit to remove is the option `digit`."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..registry import register
from ..world.frames import classifier_input
from .world_classifier import WorldClassifierReward


@register("reward", "removal")
class RemovalReward(WorldClassifierReward):
    name = "removal"
    classifier_name = "digit"

    @dataclass(frozen=True)
    class Config:
        digit: int = 0  # the digit that should not appear
        weights: str | None = None  # a DigitNet folder; default: the world's rewards/digit

    def score(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        pixels = classifier_input(frames)
        probabilities = self.classifier(pixels.flatten(0, 1)).reshape(*pixels.shape[:2], -1)
        return 1 - probabilities[..., self.config.digit].mean(dim=1)
