"""The digit world's learned rewards and judge, loaded from their committed weights."""

from __future__ import annotations

import pytest
import torch

from vader_bridge.rewards.build import build_reward
from vader_bridge.world.clips import DIRECTIONS, caption, sample_clips
from vader_bridge.world.digits import load_digits
from vader_bridge.world.judge import Judge


@pytest.fixture(scope="module")
def test_clips():
    """Clips of held-out digits as the model contract hands them to rewards: [B, F, 3, H, W] in [0, 1]."""
    clips = sample_clips(load_digits("test"), 48, torch.Generator().manual_seed(11))
    return (clips.videos + 1) / 2, clips


def named(name: str, **options) -> dict:
    return {"kind": "named", "name": name, "options": options}


@pytest.mark.parametrize("spec", [named("digit"), named("motion"), named("removal", digit=3)])
def test_reward_gradient_reaches_every_pixel_finite_and_non_zero(spec, test_clips):
    frames, clips = test_clips
    frames = frames[:4].clone().requires_grad_(True)
    scores = build_reward(spec)(frames, clips.captions[:4])
    assert scores.shape == (4,) and torch.all((scores >= 0) & (scores <= 1))
    scores.sum().backward()
    assert torch.isfinite(frames.grad).all()
    assert frames.grad.abs().sum() > 0


def test_digit_reward_prefers_the_prompted_digit(test_clips):
    frames, clips = test_clips
    reward = build_reward(named("digit"))
    right = reward(frames, clips.captions)
    wrong = reward(frames, [caption((int(digit) + 1) % 10, DIRECTIONS[int(way)])
                            for digit, way in zip(clips.digits, clips.directions)])
    assert right.mean() > 0.7 and wrong.mean() < 0.15


def test_motion_reward_prefers_the_prompted_direction(test_clips):
    frames, clips = test_clips
    reward = build_reward(named("motion"))
    right = reward(frames, clips.captions)
    wrong = reward(frames, [caption(int(digit), DIRECTIONS[(int(way) + 1) % 4])
                            for digit, way in zip(clips.digits, clips.directions)])
    assert right.mean() > 0.9 and wrong.mean() < 0.05


def test_removal_reward_is_low_where_the_named_digit_is(test_clips):
    frames, clips = test_clips
    sevens = clips.digits == 7
    others = clips.digits != 7
    assert sevens.any() and others.any()
    scores = build_reward(named("removal", digit=7))(frames, clips.captions)
    assert scores[sevens].mean() < 0.3 and scores[others].mean() > 0.8


def test_rewards_refuse_prompts_that_are_not_world_captions(test_clips):
    frames, _ = test_clips
    with pytest.raises(ValueError, match="prompt 0: 'a dog' is not a digit-world caption"):
        build_reward(named("digit"))(frames[:1], ["a dog"])


def test_judge_reads_real_clips_of_test_digits(test_clips):
    frames, clips = test_clips
    report = Judge()(frames, clips.captions)
    assert report.direction_accuracy == 1.0
    assert report.digit_accuracy > 0.85
