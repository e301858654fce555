"""GRPO's own part: each group is one prompt's videos from one shared start (by default), its
advantages have zero mean within the group, and the KL penalty measures the distance to the
reference model (the adapter off)."""

from __future__ import annotations

import pytest
import torch

from support import quick_baseline, tiny_model


def sampled_groups(trainer, prompts: list[str]) -> list:
    assign, seen = trainer.assign_advantages, []

    def recording(batches):
        assign(batches)
        seen.extend(batches)

    trainer.assign_advantages = recording
    trainer.step(prompts)
    return seen


@pytest.mark.parametrize("shared", [True, False])
def test_each_group_is_one_prompt_with_zero_mean_advantages(shared):
    trainer = quick_baseline("grpo", tiny_model(), promptsPerStep=2, groupSize=3, sharedInitialNoise=shared)
    groups = sampled_groups(trainer, ["a dog", "a cat", "a duck"])
    assert len(groups) == 2
    for group in groups:
        assert len(group.prompts) == 3 and len(set(group.prompts)) == 1
        assert abs(group.advantages.sum().item()) < 1e-5
        starts, ends = group.trajectory.states[0], group.trajectory.states[-1]
        assert all(torch.equal(starts[0], start) for start in starts[1:]) == shared
        assert not torch.equal(ends[0], ends[1])  # the chain's own noise tells the videos apart


def test_kl_to_the_reference_is_zero_while_the_lora_is_and_grows_once_it_trains():
    trainer = quick_baseline("grpo", tiny_model(), klCoefficient=0.1)
    first, second = trainer.step(["a dog"]), trainer.step(["a dog"])
    assert first["details"]["klToReference"] == 0.0
    assert second["details"]["klToReference"] > 0.0
    without = quick_baseline("grpo", tiny_model(), klCoefficient=0).step(["a dog"])
    assert "klToReference" not in without["details"]
