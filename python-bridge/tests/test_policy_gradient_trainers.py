"""PPO on the denoising chain as DDPO and GRPO run it: the first update is on-policy (a ratio of
exactly 1, the reference implementations' sanity check), later ones are not; advantages are
clipped; only a fraction of each chain's steps is re-scored."""

from __future__ import annotations

import pytest
import torch

from support import quick_baseline, tiny_model
from vader_bridge.trainers import policy_gradient

POLICY_GRADIENT = ["ddpo", "grpo"]


class ObjectiveSpy:
    """Records every clipped objective a trainer computes: the ratios and the advantages it weighted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.ratios: list[torch.Tensor] = []
        self.advantages: list[torch.Tensor] = []
        objective = policy_gradient.clipped_objective

        def recording(log_prob, sampled_log_prob, advantages, clip_range):
            result = objective(log_prob, sampled_log_prob, advantages, clip_range)
            self.ratios.append(result.ratio)
            self.advantages.append(advantages.detach())
            return result

        monkeypatch.setattr(policy_gradient, "clipped_objective", recording)


@pytest.mark.parametrize("algorithm", POLICY_GRADIENT)
def test_the_first_pass_is_on_policy_and_the_second_is_not(algorithm, monkeypatch):
    spy = ObjectiveSpy(monkeypatch)
    trainer = quick_baseline(algorithm, tiny_model(), innerEpochs=2, timestepFraction=1.0)
    metrics = trainer.step(["a dog"])
    steps = trainer.scheduler.steps
    assert len(spy.ratios) == 2 * steps  # one micro-batch, every step re-scored, two passes
    first_pass, second_pass = spy.ratios[:steps], spy.ratios[steps:]
    assert all(torch.equal(ratio, torch.ones_like(ratio)) for ratio in first_pass)
    assert not all(torch.equal(ratio, torch.ones_like(ratio)) for ratio in second_pass)
    assert metrics["details"]["approxKl"] > 0 and 0 <= metrics["details"]["clipFraction"] <= 1


@pytest.mark.parametrize("algorithm", POLICY_GRADIENT)
def test_advantages_are_clipped(algorithm, monkeypatch):
    spy = ObjectiveSpy(monkeypatch)
    quick_baseline(algorithm, tiny_model(), advantageClip=0.05).step(["a dog", "a cat"])
    assert spy.advantages and all(advantages.abs().max() == 0.05 for advantages in spy.advantages)  # standardised ones reach past it


def test_a_fraction_of_the_steps_is_re_scored_at_least_one(monkeypatch):
    spy = ObjectiveSpy(monkeypatch)
    four_steps = {"name": "ddim", "steps": 4, "eta": 1.0}
    quick_baseline("ddpo", tiny_model(), scheduler=four_steps, timestepFraction=0.5).step(["a dog"])
    assert len(spy.ratios) == 2
    spy.ratios.clear()
    quick_baseline("ddpo", tiny_model(), scheduler=four_steps, timestepFraction=0.01).step(["a dog"])
    assert len(spy.ratios) == 1
