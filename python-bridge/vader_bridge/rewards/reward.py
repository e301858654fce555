"""What every reward is: a differentiable map from decoded frames (and prompts) to one score per video."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import torch

from ..configs import to_wire


def check_frames(frames: torch.Tensor, prompts: list[str]) -> None:
    if not isinstance(frames, torch.Tensor) or frames.dim() != 5 or frames.shape[2] != 3:
        shape = tuple(frames.shape) if isinstance(frames, torch.Tensor) else type(frames).__name__
        raise ValueError(f"rewards score frames shaped [B, F, 3, H, W] with values in [0, 1], got {shape}")
    if len(prompts) != frames.shape[0]:
        raise ValueError(f"rewards need one prompt per video: {frames.shape[0]} videos, {len(prompts)} prompts")


class Reward(ABC):
    """Call with frames [B, F, 3, H, W] in [0, 1] and B prompts; returns scores [B], keeping the graph."""

    def place(self, device: torch.device) -> "Reward":
        """Moves any weights to `device` and returns self; called before each use, so it must cost
        nothing when they are already there. Rewards without weights have nothing to move."""
        return self

    def __call__(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        check_frames(frames, prompts)
        scores = self.score(frames, prompts)
        if scores.shape != (frames.shape[0],):
            raise AssertionError(f"{type(self).__name__} returned shape {tuple(scores.shape)}, not [{frames.shape[0]}]")
        return scores

    @abstractmethod
    def score(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor: ...

    @abstractmethod
    def spec(self) -> dict:
        """The JSON spec this reward was built from (after defaults), for reports."""


class NamedReward(Reward):
    """A registered reward (`@register("reward", name)`); its options dataclass is `Config`."""

    name: str
    Config: type

    def __init__(self, config: Any):
        self.config = config

    def spec(self) -> dict:
        return {"kind": "named", "name": self.name, "options": to_wire(self.config)}


class PerFrameReward(NamedReward):
    """A reward on single images; a video's score is the mean over its frames, as in the VADER paper."""

    def score(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        batch, frame_count = frames.shape[:2]
        per_frame = self.score_images(frames.flatten(0, 1))
        return per_frame.reshape(batch, frame_count).mean(dim=1)

    @abstractmethod
    def score_images(self, images: torch.Tensor) -> torch.Tensor:
        """images [N, 3, H, W] in [0, 1] -> scores [N]."""
