"""Users' own reward functions, as docs/rewards.md describes them: for test_user_rewards.py (and the
TypeScript integration test), loaded as `user_reward_functions:<name>` or by this file's path."""

from __future__ import annotations

import torch


def mean_red(frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
    """The mean red channel of each video: differentiable torch code on frames [B, F, 3, H, W]."""
    return frames[:, :, 0].mean(dim=(1, 2, 3))


def frame_count(frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
    """How many frames it was given, per video (plus zero times the frames, to keep the graph)."""
    return torch.full((frames.shape[0],), float(frames.shape[1])) + 0 * frames.mean(dim=(1, 2, 3, 4))


def per_frame_scores(frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
    return frames.mean(dim=(2, 3, 4))  # [B, F]: one too many dimensions


def whole_numbers(frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
    return torch.ones(frames.shape[0], dtype=torch.int64)


def not_a_number(frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
    return frames.mean(dim=(1, 2, 3, 4)) / 0.0 * 0.0


def plain_list(frames: torch.Tensor, prompts: list[str]) -> list[float]:
    return [0.5] * frames.shape[0]


def detached(frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
    return torch.tensor([frames[index].mean().item() for index in range(frames.shape[0])])


NOT_CALLABLE = 3
