"""Rewards into advantages: DDPO's per-prompt running statistics, GRPO's group-relative ones."""

from __future__ import annotations

import torch

from vader_bridge.trainers.advantages import PerPromptStatTracker, batch_advantages, group_advantages


def standardised(values: list[float], among: list[float]) -> torch.Tensor:
    reference = torch.tensor(among, dtype=torch.float64)
    return ((torch.tensor(values, dtype=torch.float64) - reference.mean()) / (reference.std(unbiased=False) + 1e-6)).float()


def test_a_prompt_with_too_little_history_is_measured_against_the_whole_batch():
    tracker = PerPromptStatTracker(buffer_size=4, min_count=3)
    rewards = torch.tensor([1.0, 2.0, 4.0])
    advantages = tracker.advantages(["a dog", "a dog", "a cat"], rewards)
    assert torch.allclose(advantages, standardised([1.0, 2.0, 4.0], [1.0, 2.0, 4.0]))


def test_once_a_prompt_has_min_count_rewards_its_own_history_is_used():
    tracker = PerPromptStatTracker(buffer_size=4, min_count=3)
    tracker.advantages(["a dog", "a dog"], torch.tensor([1.0, 2.0]))
    advantages = tracker.advantages(["a dog", "a cat"], torch.tensor([3.0, 10.0]))
    assert torch.allclose(advantages[0], standardised([3.0], [1.0, 2.0, 3.0])[0])
    assert torch.allclose(advantages[1], standardised([10.0], [3.0, 10.0])[0])  # "a cat": one reward, so the batch


def test_the_buffer_keeps_only_the_latest_rewards():
    tracker = PerPromptStatTracker(buffer_size=2, min_count=2)
    tracker.advantages(["a dog", "a dog"], torch.tensor([100.0, 200.0]))
    advantages = tracker.advantages(["a dog", "a dog"], torch.tensor([1.0, 3.0]))
    assert torch.allclose(advantages, standardised([1.0, 3.0], [1.0, 3.0]))


def test_batch_advantages_have_zero_mean():
    assert abs(batch_advantages(torch.tensor([0.5, 0.1, 0.9, 0.3])).sum().item()) < 1e-6


def test_group_advantages_are_relative_to_their_own_group():
    rewards = torch.tensor([[1.0, 2.0, 3.0], [10.0, 30.0, 20.0], [5.0, 5.0, 5.0]])
    advantages = group_advantages(rewards)
    assert torch.allclose(advantages.sum(dim=1), torch.zeros(3), atol=1e-6)
    assert torch.equal(advantages[0].argsort(), rewards[0].argsort()) and torch.equal(advantages[1].argsort(), rewards[1].argsort())
    assert torch.allclose(advantages[0], advantages[1][[0, 2, 1]], atol=1e-3)  # shifting and scaling a group changes nothing
    assert torch.equal(advantages[2], torch.zeros(3))  # no preference within a group, no signal
