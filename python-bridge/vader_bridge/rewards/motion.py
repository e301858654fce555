"""Motion (the digit world's action reward, the role of VideoMAE in the paper): the probability,
under the world's MotionNet ensemble, that the whole clip moves the way its prompt names. It
reads every frame: decode them all (`decodeFrames: {mode: "all"}`)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..registry import register
from ..world.clips import DIRECTIONS, FRAMES
from ..world.frames import classifier_input
from .world_classifier import WorldClassifierReward, probability_of, prompted


@register("reward", "motion")
class MotionReward(WorldClassifierReward):
    name = "motion"
    classifier_name = "motion"
    whole_clip = True
    clip_frames = FRAMES

    @dataclass(frozen=True)
    class Config:
        weights: str | None = None  # a MotionNet folder; default: the world's rewards/motion

    def score(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        if frames.shape[1] != FRAMES:
            raise ValueError(f"the 'motion' reward scores whole clips of {FRAMES} frames, got {frames.shape[1]}: "
                             "decode every frame (decodeFrames: {mode: 'all'})")
        directions = [DIRECTIONS.index(way) for _, way in prompted(prompts, self.name)]
        return probability_of(self.classifier(classifier_input(frames)), directions)
