"""Which decoded frames a per-frame reward scores (its `frames` option): all of them, every n-th,
one random frame per video, or listed indices. The video's score is the mean over the frames seen."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class FrameSelection:
    """FrameSelection in src/specs/reward-options.ts."""

    mode: str = "all"  # "all" | "every" | "random" | "indices"
    every: int | None = None
    indices: list[int] | None = None

    def pick(self, frames: torch.Tensor, reward: str) -> torch.Tensor:
        """frames [B, F, ...] -> the frames this selection sees, [B, F', ...]."""
        count = frames.shape[1]
        if self.mode == "all":
            return frames
        if self.mode == "every":
            return frames[:, :: self.every]
        if self.mode == "random":
            # One frame per video, drawn from torch's global generator (seeded by the trainer's seed;
            # a resumed run restores it).
            chosen = torch.randint(count, (frames.shape[0],), device=frames.device)
            return frames[torch.arange(frames.shape[0], device=frames.device), chosen].unsqueeze(1)
        late = [index for index in self.indices if index >= count]
        if late:
            raise ValueError(f"the {reward!r} reward's frames.indices {late} are past the {count} frames it was given; "
                             f"use indices below {count}, or decode every frame (decodeFrames: {{mode: 'all'}})")
        return frames[:, list(self.indices)]

    @property
    def needs_every_frame(self) -> bool:
        """Listed indices refer to the video's own frame numbers, so the trainer must decode them all."""
        return self.mode == "indices"
