"""Diffusion-DPO's own part: the reward's best and worst candidates make the pair, winner and
loser share t and noise, and the loss is log 2 while the model equals its reference."""

from __future__ import annotations

import math

import pytest
import torch

from support import quick_baseline, tiny_model
from vader_bridge.trainers import dpo


def test_a_fresh_adapter_is_the_reference_so_the_loss_is_log_2():
    metrics = quick_baseline("dpo", tiny_model(), promptsPerStep=2).step(["a dog", "a cat"])
    assert metrics["loss"] == pytest.approx(math.log(2), abs=1e-6)
    assert metrics["details"]["implicitAccuracy"] == 0.5  # every margin is exactly 0: a tie


def test_the_pair_is_the_best_and_the_worst_candidate_noised_alike(monkeypatch):
    trainer = quick_baseline("dpo", tiny_model(), samplesPerPrompt=3)
    sampled, scored, noised = [], [], []
    rollout, score, add_noise = dpo.rollout, trainer.score, trainer.scheduler.add_noise

    def recording_rollout(*arguments, **keywords):
        sampled.append(rollout(*arguments, **keywords))
        return sampled[-1]

    def recording_score(frames, prompts):
        scored.append(score(frames, prompts))
        return scored[-1]

    def recording_add_noise(clean, noise, timestep):
        noised.append((clean, noise, timestep))
        return add_noise(clean, noise, timestep)

    monkeypatch.setattr(dpo, "rollout", recording_rollout)
    trainer.score, trainer.scheduler.add_noise = recording_score, recording_add_noise
    metrics = trainer.step(["a dog"])
    (candidates,), (scores,), ((clean, noise, timestep),) = sampled, scored, noised
    assert torch.equal(clean[0], candidates.latents[scores.argmax()]) and torch.equal(clean[1], candidates.latents[scores.argmin()])
    assert metrics["details"]["rewardGap"] == pytest.approx((scores.max() - scores.min()).item())
    assert torch.equal(noise[0], noise[1]) and timestep.dim() == 0  # one noise and one timestep for both
