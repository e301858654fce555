"""How rewards become advantages for the policy-gradient trainers.

DDPO (Black et al. 2023, kvablack/ddpo-pytorch `stat_tracking.py`) normalises each reward by the
running mean and spread of its own prompt's recent rewards, falling back to the whole batch's
until a prompt has enough history. GRPO (Flow-GRPO, DanceGRPO) normalises within the group of
videos sampled for one prompt in the same step, so each group's advantages sum to zero.
"""

from __future__ import annotations

from collections import deque

import torch


class PerPromptStatTracker:
    """The last `buffer_size` rewards of each prompt; `advantages` uses them once there are `min_count`."""

    def __init__(self, buffer_size: int, min_count: int):
        self.buffer_size, self.min_count = buffer_size, min_count
        self.history: dict[str, deque[float]] = {}

    def history_lists(self) -> dict[str, list[float]]:
        return {prompt: list(rewards) for prompt, rewards in self.history.items()}

    def restore_history(self, history: dict[str, list[float]]) -> None:
        self.history = {prompt: deque(rewards, maxlen=self.buffer_size) for prompt, rewards in history.items()}

    def advantages(self, prompts: list[str], rewards: torch.Tensor) -> torch.Tensor:
        """(reward - mean) / (std + 1e-6) per video, with this batch's rewards already in the history."""
        rewards = rewards.detach().double().cpu()
        result = torch.empty_like(rewards)
        for prompt in dict.fromkeys(prompts):
            members = torch.tensor([index for index, other in enumerate(prompts) if other == prompt])
            seen = self.history.setdefault(prompt, deque(maxlen=self.buffer_size))
            seen.extend(rewards[members].tolist())
            reference = torch.tensor(list(seen), dtype=torch.float64) if len(seen) >= self.min_count else rewards
            result[members] = (rewards[members] - reference.mean()) / (reference.std(unbiased=False) + 1e-6)
        return result.float()


def batch_advantages(rewards: torch.Tensor) -> torch.Tensor:
    """(reward - mean) / (std + 1e-8) over the whole batch: DDPO without per-prompt statistics."""
    rewards = rewards.detach().double().cpu()
    return ((rewards - rewards.mean()) / (rewards.std(unbiased=False) + 1e-8)).float()


def group_advantages(rewards: torch.Tensor) -> torch.Tensor:
    """Group-relative advantages of rewards [groups, group_size]: (reward - group mean) / (group std + 1e-4).

    The population std and 1e-4 are Flow-GRPO's (`PerPromptStatTracker` with type "grpo"); a group
    whose rewards are all equal gets advantages of exactly zero and so no gradient.
    """
    rewards = rewards.detach().double().cpu()
    mean = rewards.mean(dim=1, keepdim=True)
    return ((rewards - mean) / (rewards.std(dim=1, unbiased=False, keepdim=True) + 1e-4)).float()
