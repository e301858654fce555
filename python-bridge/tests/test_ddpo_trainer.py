"""DDPO's own part: advantages from each prompt's running reward statistics, once it has enough."""

from __future__ import annotations

import torch

from support import quick_baseline, tiny_model


def recorded_steps(trainer, steps: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(rewards, advantages) of each step, as the trainer assigned them."""
    assign, seen = trainer.assign_advantages, []

    def recording(batches):
        assign(batches)
        seen.append((torch.cat([batch.rewards for batch in batches]).cpu(), torch.cat([batch.advantages for batch in batches])))

    trainer.assign_advantages = recording
    for _ in range(steps):
        trainer.step(["a dog"])
    return seen


def standardised(values: torch.Tensor, among: torch.Tensor) -> torch.Tensor:
    among = among.double()
    return ((values.double() - among.mean()) / (among.std(unbiased=False) + 1e-6)).float()


def test_the_batch_until_the_prompt_has_min_count_rewards_then_its_own_buffer():
    trainer = quick_baseline("ddpo", tiny_model(), perPromptStats={"bufferSize": 3, "minCount": 3})
    (first_rewards, first), (second_rewards, second) = recorded_steps(trainer, 2)
    assert torch.allclose(first, standardised(first_rewards, first_rewards))
    buffer = torch.cat([first_rewards[-1:], second_rewards])  # the last 3 rewards of "a dog"
    assert torch.allclose(second, standardised(second_rewards, buffer))


def test_without_per_prompt_statistics_each_step_stands_alone():
    trainer = quick_baseline("ddpo", tiny_model(), perPromptStats=None)
    for rewards, advantages in recorded_steps(trainer, 2):
        rewards = rewards.double()
        assert torch.allclose(advantages, ((rewards - rewards.mean()) / (rewards.std(unbiased=False) + 1e-8)).float())
