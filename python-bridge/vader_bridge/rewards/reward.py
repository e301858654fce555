"""What every reward is: a differentiable map from decoded frames (and prompts) to one score per video."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import torch

from ..configs import to_wire
from .frame_selection import FrameSelection
from .weight_files import file_digest


def check_frames(frames: torch.Tensor, prompts: list[str]) -> None:
    if not isinstance(frames, torch.Tensor) or frames.dim() != 5 or frames.shape[2] != 3:
        shape = tuple(frames.shape) if isinstance(frames, torch.Tensor) else type(frames).__name__
        raise ValueError(f"rewards score frames shaped [B, F, 3, H, W] with values in [0, 1], got {shape}")
    if len(prompts) != frames.shape[0]:
        raise ValueError(f"rewards need one prompt per video: {frames.shape[0]} videos, {len(prompts)} prompts")


TermScores = list[tuple["NamedReward", torch.Tensor]]


class Reward(ABC):
    """Call with frames [B, F, 3, H, W] in [0, 1] and B prompts; returns scores [B], keeping the graph."""

    def place(self, device: torch.device) -> "Reward":
        """Moves any weights to `device` and returns self; called before each use, so it must cost
        nothing when they are already there. Rewards without weights have nothing to move."""
        return self

    def __call__(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        return self.evaluate(frames, prompts)[0]

    def evaluate(self, frames: torch.Tensor, prompts: list[str]) -> tuple[torch.Tensor, TermScores]:
        """The scores [B] and, for each named reward in the tree (in order), its own unweighted
        scores, detached: what per-term logging shows. Composed rewards override this."""
        check_frames(frames, prompts)
        scores = self.score(frames, prompts)
        if scores.shape != (frames.shape[0],):
            raise AssertionError(f"{type(self).__name__} returned shape {tuple(scores.shape)}, not [{frames.shape[0]}]")
        return scores, ([(self, scores.detach())] if isinstance(self, NamedReward) else [])

    def named_terms(self) -> list["NamedReward"]:
        """The named rewards in this tree, in the order `evaluate` reports them."""
        return [self] if isinstance(self, NamedReward) else []

    @abstractmethod
    def score(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor: ...

    @abstractmethod
    def spec(self) -> dict:
        """The JSON spec this reward was built from (after defaults), for reports."""


def term_labels(terms: list["NamedReward"]) -> list[str]:
    """Each named term's label in the metrics: its `label` (usually its name), with #2, #3... on repeats."""
    labels, seen = [], {}
    for term in terms:
        seen[term.label] = seen.get(term.label, 0) + 1
        labels.append(term.label if seen[term.label] == 1 else f"{term.label}#{seen[term.label]}")
    return labels


class NamedReward(Reward):
    """A registered reward (`@register("reward", name)`); its options dataclass is `Config`.

    A whole-clip reward (`whole_clip = True`) scores a video from all its frames at once (an action
    classifier); `clip_frames`, when set, is the exact number it needs. Trainers read both when they
    are built, so a mismatch is refused or resolved before the first step; a term that is not
    `differentiable` is refused there by a trainer that backpropagates the reward (VADER).
    """

    name: str
    Config: type
    version: ClassVar[str] = "1"  # bumped when the same options would score differently
    whole_clip: ClassVar[bool] = False
    clip_frames: ClassVar[int | None] = None
    # False for a term whose score has no gradient (a TypeScript function's): VADER refuses such a tree.
    differentiable: ClassVar[bool] = True

    def __init__(self, config: Any):
        self.config = config

    def spec(self) -> dict:
        return {"kind": "named", "name": self.name, "options": to_wire(self.config)}

    @property
    def label(self) -> str:
        """What the metrics call this term (before #2 on repeats): its name, unless a reward says better."""
        return self.name

    def weight_files(self) -> dict[str, Path]:
        """Option name -> the local file or folder its weights were loaded from (for the run record)."""
        return {}

    def record(self) -> dict[str, Any]:
        """What a run's config records about this reward: name, version, options, and each weight file's sha256."""
        files = {option: {"path": str(path), "sha256": file_digest(path)} for option, path in self.weight_files().items()}
        return {"name": self.name, "version": self.version, "options": to_wire(self.config), "files": files}

    @property
    def frame_selection(self) -> FrameSelection | None:
        """The `frames` option of a per-frame reward; None for whole-clip ones."""
        return getattr(self.config, "frames", None)


class PerFrameReward(NamedReward):
    """A reward on single images; a video's score is the mean over the frames it sees, as in the VADER
    paper. Which frames: its config's `frames` option (a FrameSelection) when it has one, else all."""

    def score(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        seen = self.frame_selection.pick(frames, self.name) if self.frame_selection is not None else frames
        batch, frame_count = seen.shape[:2]
        per_frame = self.score_images(seen.flatten(0, 1), [prompt for prompt in prompts for _ in range(frame_count)])
        return per_frame.reshape(batch, frame_count).mean(dim=1)

    @abstractmethod
    def score_images(self, images: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        """images [N, 3, H, W] in [0, 1] and each image's prompt -> scores [N]."""
