"""What DDPO, Diffusion-DPO and GRPO share with VADER: the metrics core, only the LoRA trains, and
reward queries are counted exactly (each video the reward scores is one query)."""

from __future__ import annotations

import math

import pytest

from support import QUICK_BASELINES, quick_baseline, tiny_model
from vader_bridge.protocol import ConfigInvalid
from vader_bridge.registry import lookup

CORE_METRICS = {"step", "seconds", "cpuSeconds", "lr", "loss", "gradNorm", "peakMemoryBytes", "rewardQueries", "reward", "rewardTerms", "details"}
BASELINES = sorted(QUICK_BASELINES)


class CountingReward:
    """The trainer's reward, counting the videos it is asked to score."""

    def __init__(self, reward):
        self.reward, self.videos = reward, 0

    def place(self, device):
        self.reward = self.reward.place(device)
        return self

    def __call__(self, frames, prompts):
        return self.evaluate(frames, prompts)[0]

    def evaluate(self, frames, prompts):
        self.videos += frames.shape[0]
        return self.reward.evaluate(frames, prompts)


@pytest.mark.parametrize("algorithm", BASELINES)
def test_registered_under_its_name(algorithm):
    assert lookup("trainer", algorithm).algorithm == algorithm


@pytest.mark.parametrize("algorithm", BASELINES)
def test_trains_the_lora_only_and_counts_every_scored_video(algorithm):
    model = tiny_model()
    base = model.fingerprint()["base"]
    trainer = quick_baseline(algorithm, model)
    lora_before = model.fingerprint()["adapters"]["default"]
    counting = trainer.reward = CountingReward(trainer.reward)
    history = []
    for _ in range(2):
        history.append(trainer.step(["a dog", "a cat"]))
        assert history[-1]["rewardQueries"] == counting.videos
    assert history[0]["rewardQueries"] > 0 and history[1]["rewardQueries"] == 2 * history[0]["rewardQueries"]
    for metrics in history:
        assert set(metrics) == CORE_METRICS
        numbers = [metrics[key] for key in ("seconds", "cpuSeconds", "lr", "loss", "gradNorm")] + list(metrics["reward"].values())
        assert all(math.isfinite(value) for value in numbers + list(metrics["details"].values())), metrics
        assert metrics["seconds"] > 0 and metrics["cpuSeconds"] > 0
    after = model.fingerprint()
    assert after["base"] == base
    assert after["adapters"]["default"] != lora_before


@pytest.mark.parametrize(
    ("algorithm", "overrides", "path", "needle"),
    [
        ("ddpo", {"scheduler": {"name": "ddim", "steps": 2, "eta": 0.0}}, ("scheduler", "eta"), "greater than 0 for DDPO"),
        ("grpo", {"scheduler": {"name": "ddim", "steps": 2, "eta": 0.0}}, ("scheduler", "eta"), "greater than 0 for GRPO"),
        ("ddpo", {"perPromptStats": {"bufferSize": 4, "minCount": 8}}, ("perPromptStats", "minCount"), r"at most bufferSize \(got 8 > 4\)"),
        ("ddpo", {"timestepFraction": 0}, ("timestepFraction",), "greater than 0"),
        ("grpo", {"groupSize": 1}, ("groupSize",), "at least 2"),
        ("dpo", {"samplesPerPrompt": 1}, ("samplesPerPrompt",), "at least 2"),
        ("dpo", {"beta": -1}, ("beta",), "greater than 0"),
    ],
)
def test_bad_settings_name_the_field(algorithm, overrides, path, needle):
    with pytest.raises(ConfigInvalid, match=needle) as raised:
        quick_baseline(algorithm, tiny_model(), **overrides)
    assert [issue.path for issue in raised.value.issues] == [("config", *path)]
