"""Digit (the digit world's image-text alignment, the role of HPSv2/PickScore in the paper): the
probability, under the world's DigitNet ensemble, that a frame shows the digit its prompt names,
averaged over the decoded frames."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..registry import register
from ..world.frames import classifier_input
from .world_classifier import WorldClassifierReward, probability_of, prompted


@register("reward", "digit")
class DigitReward(WorldClassifierReward):
    name = "digit"
    classifier_name = "digit"

    @dataclass(frozen=True)
    class Config:
        weights: str | None = None  # a DigitNet folder; default: the world's rewards/digit

    def score(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        digits = [digit for digit, _ in prompted(prompts, self.name)]
        pixels = classifier_input(frames)
        probabilities = self.classifier(pixels.flatten(0, 1)).reshape(*pixels.shape[:2], -1)
        return probability_of(probabilities, digits).mean(dim=1)
