from __future__ import annotations

import math

import pytest
import torch

from vader_bridge.models import TextToVideoModel
from vader_bridge.prompts import ANIMAL_ACTIVITIES
from vader_bridge.registry import lookup
from vader_bridge.trainers import VaderTrainer

BRIGHTNESS = {"kind": "named", "name": "brightness", "options": {}}
QUICK_DDIM = {"name": "ddim", "steps": 4, "eta": 1.0}
METRIC_KEYS = {"step", "reward_mean", "reward_std", "loss", "grad_norm", "seconds", "lr"}

# The CLI's default job (src/cli/train-job.ts DEFAULT_TRAIN_JOB), as Python keyword arguments.
DEFAULT_VADER_JOB: dict = {
    "reward": {"kind": "named", "name": "brightness", "options": {}},
    "scheduler": {"name": "ddim", "steps": 10, "eta": 1.0},
    "truncation": {"mode": "last", "k": 1},
    "lora": {"rank": 8, "alpha": None, "target_modules": ["to_q", "to_k", "to_v", "to_out.0"]},
    "lr": 1e-2,
    "weight_decay": 0.0,
    "max_grad_norm": 1.0,
    "grad_accumulation": 1,
    "batch_size": 1,
    "guidance_scale": 1.0,
    "decode_frames": {"mode": "random", "count": 1},
    "seed": 0,
    "checkpointing": True,
}


def default_trainer(model: TextToVideoModel, **overrides) -> VaderTrainer:
    """The shipped default job's trainer settings, with overrides."""
    settings = {key: DEFAULT_VADER_JOB[key] for key in (
        "scheduler", "truncation", "lora", "lr", "weight_decay", "max_grad_norm", "grad_accumulation",
        "batch_size", "guidance_scale", "decode_frames", "seed", "checkpointing")}
    settings.update(overrides)
    return VaderTrainer(model, DEFAULT_VADER_JOB["reward"], **settings)


class RolloutSpy:
    """Wraps model.rollout and model.decode to record what the trainer asked for."""

    def __init__(self, model: TextToVideoModel):
        self.rollouts: list[dict] = []
        self.decodes: list[list[int] | None] = []
        rollout, decode = model.rollout, model.decode

        def recording_rollout(prompts, **arguments):
            self.rollouts.append({"prompts": list(prompts), **arguments})
            return rollout(prompts, **arguments)

        def recording_decode(latents, frame_indices=None):
            self.decodes.append(frame_indices)
            return decode(latents, frame_indices)

        model.rollout, model.decode = recording_rollout, recording_decode


def test_registered():
    assert lookup("trainer", "vader") is VaderTrainer


def test_trains_lora_and_leaves_base_weights_bit_identical():
    model = TextToVideoModel.tiny(seed=0)
    base = {part: {key: value.clone() for key, value in getattr(model, part).state_dict().items()}
            for part in ("unet", "vae", "text_encoder")}
    trainer = default_trainer(model, scheduler=QUICK_DDIM)
    assert model.info()["lora"]["rank"] == 8
    lora_before = model.lora_state_dict()
    for _ in range(3):
        metrics = trainer.step(ANIMAL_ACTIVITIES)
    assert set(metrics) == METRIC_KEYS and metrics["step"] == 3
    assert all(isinstance(value, (int, float)) and math.isfinite(value) for value in metrics.values())
    lora_after = model.lora_state_dict()
    assert any(not torch.equal(lora_before[key], lora_after[key]) for key in lora_before)
    for part, state in base.items():
        # peft moves each adapted layer's weight under `.base_layer`; compare by the original names.
        current = {key.replace(".base_layer", ""): value for key, value in getattr(model, part).state_dict().items()
                   if ".lora_" not in key}
        assert current.keys() == state.keys()
        for key, value in state.items():
            assert torch.equal(current[key], value), f"{part}.{key} changed"


def test_default_job_raises_the_reward():
    model = TextToVideoModel.tiny(seed=0)
    trainer = default_trainer(model)
    rewards = [trainer.step(ANIMAL_ACTIVITIES)["reward_mean"] for _ in range(15)]
    first, last = sum(rewards[:3]) / 3, sum(rewards[-3:]) / 3
    assert last > first + 0.02, rewards


def test_same_seed_same_metrics():
    def run() -> list[dict]:
        trainer = default_trainer(TextToVideoModel.tiny(seed=0), scheduler=QUICK_DDIM, batch_size=2,
                                  truncation={"mode": "rand", "k": 3})
        return [{key: value for key, value in trainer.step(ANIMAL_ACTIVITIES).items() if key != "seconds"}
                for _ in range(3)]

    assert run() == run()


def test_micro_batches_prompts_and_frames():
    model = TextToVideoModel.tiny(seed=0)
    spy = RolloutSpy(model)
    trainer = default_trainer(model, scheduler=QUICK_DDIM, batch_size=2, grad_accumulation=3,
                              decode_frames={"mode": "random", "count": 2})
    trainer.step(["a dog", "a cat"])
    assert len(spy.rollouts) == 3
    assert all(len(call["prompts"]) == 2 and set(call["prompts"]) <= {"a dog", "a cat"} for call in spy.rollouts)
    assert all(call["grad_last_steps"] == 1 for call in spy.rollouts)
    assert all(len(indices) == 2 and indices == sorted(set(indices)) for indices in spy.decodes)


def test_rand_truncation_draws_k_from_one_to_k():
    model = TextToVideoModel.tiny(seed=0)
    spy = RolloutSpy(model)
    trainer = default_trainer(model, scheduler=QUICK_DDIM, truncation={"mode": "rand", "k": 4}, grad_accumulation=6)
    trainer.step(["a dog"])
    drawn = [call["grad_last_steps"] for call in spy.rollouts]
    assert all(1 <= k <= 4 for k in drawn) and len(set(drawn)) > 1


@pytest.mark.parametrize(
    ("decode_frames", "expected"),
    [({"mode": "all"}, None), ({"mode": "indices", "indices": [0, 7]}, [0, 7])],
)
def test_decode_frame_modes(decode_frames, expected):
    model = TextToVideoModel.tiny(seed=0)
    spy = RolloutSpy(model)
    default_trainer(model, scheduler=QUICK_DDIM, decode_frames=decode_frames).step(["a dog"])
    assert spy.decodes == [expected]


def test_an_existing_adapter_is_trained_as_it_is():
    model = TextToVideoModel.tiny(seed=0)
    model.add_lora(rank=2)
    trainer = default_trainer(model, scheduler=QUICK_DDIM)
    assert model.info()["lora"]["rank"] == 2
    assert trainer.settings()["lora"]["rank"] == 2


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"truncation": {"mode": "first", "k": 1}}, "truncation.mode must be one of last, rand"),
        ({"truncation": {"mode": "last", "k": 5}}, r"truncation.k must be from 1 to 4"),
        ({"decode_frames": {"mode": "random", "count": 9}}, r"decode_frames.count must be from 1 to 8"),
        ({"decode_frames": {"mode": "indices", "indices": []}}, "decode_frames.indices"),
        ({"grad_accumulation": 0}, "grad_accumulation"),
        ({"lr": float("nan")}, "lr"),
        ({"lora": {"rank": 4, "dropout": 0.1}}, "dropout"),
    ],
)
def test_bad_settings_are_explained(overrides, needle):
    with pytest.raises(ValueError, match=needle):
        default_trainer(TextToVideoModel.tiny(seed=0), scheduler=QUICK_DDIM, **overrides)


def test_a_reward_error_surfaces_unchanged():
    model = TextToVideoModel.tiny(seed=0)
    trainer = VaderTrainer(model, {"kind": "named", "name": "testing-exception", "options": {"message": "from scoring"}},
                           scheduler=QUICK_DDIM)
    with pytest.raises(RuntimeError, match="from scoring"):
        trainer.step(["a dog"])


def test_step_needs_prompts():
    trainer = default_trainer(TextToVideoModel.tiny(seed=0), scheduler=QUICK_DDIM)
    with pytest.raises(ValueError, match="prompt"):
        trainer.step([])
