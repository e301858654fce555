from __future__ import annotations

import math

import pytest
import torch

from support import QUICK_DDIM, add_adapter, tiny_model, vader_trainer
from vader_bridge import sampling
from vader_bridge.models import TextToVideoModel
from vader_bridge.prompts import ANIMAL_ACTIVITIES
from vader_bridge.protocol import ConfigInvalid
from vader_bridge.registry import lookup
from vader_bridge.trainers import VaderTrainer

CORE_METRICS = {"step", "seconds", "cpuSeconds", "lr", "loss", "gradNorm", "peakMemoryBytes", "rewardQueries", "reward", "rewardTerms", "details"}

# The CLI's default job (src/cli/train-job.ts DEFAULT_TRAIN_JOB): the rest are zod defaults.
DEFAULT_VADER_JOB: dict = {
    "scheduler": {"name": "ddim", "steps": 10, "eta": 1.0},
    "truncation": {"mode": "last", "k": 1},
    "lora": {"rank": 8},
    "lr": 1e-2,
    "seed": 0,
}


def default_trainer(model: TextToVideoModel, **overrides) -> VaderTrainer:
    """The shipped default job's trainer settings, with overrides (wire names)."""
    return vader_trainer(model, **{**DEFAULT_VADER_JOB, **overrides})


class LoopSpy:
    """Records what the trainer asked of the sampling loop and of the model's decoder."""

    def __init__(self, model: TextToVideoModel, monkeypatch: pytest.MonkeyPatch):
        self.rollouts: list[dict] = []
        self.decodes: list[list[int] | None] = []
        rollout, decode = sampling.rollout, model.decode_frames

        def recording_rollout(model, scheduler, embeddings, **arguments):
            self.rollouts.append({"batch": len(embeddings), **arguments})
            return rollout(model, scheduler, embeddings, **arguments)

        def recording_decode(latents, frame_indices=None):
            self.decodes.append(frame_indices)
            return decode(latents, frame_indices)

        monkeypatch.setattr("vader_bridge.trainers.vader.rollout", recording_rollout)
        model.decode_frames = recording_decode


def test_registered():
    assert lookup("trainer", "vader") is VaderTrainer


def test_trains_lora_and_leaves_base_weights_bit_identical():
    model = tiny_model()
    base = {part: {key: value.clone() for key, value in module.state_dict().items()} for part, module in model.parts().items()}
    trainer = default_trainer(model, scheduler=QUICK_DDIM)
    assert model.info()["adapters"]["default"]["rank"] == 8 and model.active_adapter == "default"
    lora_before = model.adapter_state_dict("default")
    for _ in range(3):
        metrics = trainer.step(ANIMAL_ACTIVITIES)
    assert set(metrics) == CORE_METRICS and metrics["step"] == 3 and metrics["rewardQueries"] == 3
    numbers = [metrics[key] for key in ("seconds", "cpuSeconds", "lr", "loss", "gradNorm", "peakMemoryBytes")] + list(metrics["reward"].values())
    assert all(isinstance(value, (int, float)) and math.isfinite(value) for value in numbers)
    assert metrics["details"] == {"backpropSteps": 1.0}
    lora_after = model.adapter_state_dict("default")
    assert any(not torch.equal(lora_before[key], lora_after[key]) for key in lora_before)
    for part, state in base.items():
        # peft moves each adapted layer's weight under `.base_layer`; compare by the original names.
        current = {key.replace(".base_layer", ""): value for key, value in model.parts()[part].state_dict().items() if ".lora_" not in key}
        assert current.keys() == state.keys()
        for key, value in state.items():
            assert torch.equal(current[key], value), f"{part}.{key} changed"


def test_default_job_raises_the_reward():
    trainer = default_trainer(tiny_model())
    rewards = [trainer.step(ANIMAL_ACTIVITIES)["reward"]["mean"] for _ in range(15)]
    first, last = sum(rewards[:3]) / 3, sum(rewards[-3:]) / 3
    assert last > first + 0.02, rewards


def test_same_seed_same_metrics():
    def run() -> list[dict]:
        trainer = default_trainer(tiny_model(), scheduler=QUICK_DDIM, batchSize=2, truncation={"mode": "rand", "k": 3})
        return [{key: value for key, value in trainer.step(ANIMAL_ACTIVITIES).items() if key not in ("seconds", "cpuSeconds", "peakMemoryBytes")}
                for _ in range(3)]

    assert run() == run()


def test_micro_batches_prompts_and_frames(monkeypatch):
    model = tiny_model()
    spy = LoopSpy(model, monkeypatch)
    trainer = default_trainer(model, scheduler=QUICK_DDIM, batchSize=2, gradAccumulation=3, decodeFrames={"mode": "random", "count": 2})
    metrics = trainer.step(["a dog", "a cat"])
    assert len(spy.rollouts) == 3 and metrics["rewardQueries"] == 6
    assert all(call["batch"] == 2 and call["grad_steps"] == [3] for call in spy.rollouts)  # the last of 4 steps
    assert all(len(indices) == 2 and indices == sorted(set(indices)) for indices in spy.decodes)


def test_rand_truncation_draws_k_from_one_to_k(monkeypatch):
    model = tiny_model()
    spy = LoopSpy(model, monkeypatch)
    metrics = default_trainer(model, scheduler=QUICK_DDIM, truncation={"mode": "rand", "k": 4}, gradAccumulation=6).step(["a dog"])
    drawn = [call["grad_steps"] for call in spy.rollouts]
    assert all(steps == list(range(4 - len(steps), 4)) for steps in drawn)  # always a tail of the chain
    assert all(1 <= len(steps) <= 4 for steps in drawn) and len({len(steps) for steps in drawn}) > 1
    assert metrics["details"]["backpropSteps"] == pytest.approx(sum(map(len, drawn)) / len(drawn))


@pytest.mark.parametrize(("truncation", "expected"), [
    ({"mode": "uniform", "k": 2}, lambda drawn: drawn == [[1, 3]]),
    ({"mode": "steps", "steps": [2, 0]}, lambda drawn: drawn == [[0, 2]]),
    ({"mode": "random", "k": 2}, lambda drawn: len(drawn[0]) == 2 and set(drawn[0]) <= {0, 1, 2, 3}),
])
def test_videox_fun_backprop_step_choices(truncation, expected, monkeypatch):
    model = tiny_model()
    spy = LoopSpy(model, monkeypatch)
    metrics = default_trainer(model, scheduler=QUICK_DDIM, truncation=truncation).step(["a dog"])
    assert expected([call["grad_steps"] for call in spy.rollouts])
    assert metrics["details"]["backpropSteps"] == len(spy.rollouts[0]["grad_steps"])


def test_steps_past_the_chain_are_refused_with_both_numbers():
    with pytest.raises(ConfigInvalid, match=r"truncation\.steps must be step indices below scheduler\.steps 4 \(got \[4\]\)"):
        default_trainer(tiny_model(), scheduler=QUICK_DDIM, truncation={"mode": "steps", "steps": [1, 4]})


@pytest.mark.parametrize(("decode_frames", "expected"), [({"mode": "all"}, None), ({"mode": "indices", "indices": [0, 7]}, [0, 7])])
def test_decode_frame_modes(decode_frames, expected, monkeypatch):
    model = tiny_model()
    spy = LoopSpy(model, monkeypatch)
    default_trainer(model, scheduler=QUICK_DDIM, decodeFrames=decode_frames).step(["a dog"])
    assert spy.decodes == [expected]


def test_an_existing_adapter_is_trained_as_it_is():
    model = tiny_model()
    add_adapter(model, rank=2)
    default_trainer(model, scheduler=QUICK_DDIM)
    assert model.info()["adapters"] == {"default": {"rank": 2, "alpha": 2.0, "targetModules": ["to_k", "to_out.0", "to_q", "to_v"]}}


def test_two_trainers_train_their_own_adapters_on_one_model():
    model = tiny_model()
    first = default_trainer(model, scheduler=QUICK_DDIM, adapter="first")
    second = default_trainer(model, scheduler=QUICK_DDIM, adapter="second", lora={"rank": 2})
    first_before, second_before = model.adapter_state_dict("first"), model.adapter_state_dict("second")
    second.step(["a dog"])
    assert all(torch.equal(first_before[key], value) for key, value in model.adapter_state_dict("first").items())
    second_after = model.adapter_state_dict("second")
    assert any(not torch.equal(second_before[key], value) for key, value in second_after.items())
    first.step(["a dog"])  # switches its own adapter back on
    assert model.active_adapter == "first"
    assert any(not torch.equal(first_before[key], value) for key, value in model.adapter_state_dict("first").items())
    assert all(torch.equal(second_after[key], value) for key, value in model.adapter_state_dict("second").items())
    assert first.parameters and not set(map(id, first.parameters)) & set(map(id, second.parameters))


@pytest.mark.parametrize(
    ("overrides", "path", "needle"),
    [
        ({"truncation": {"mode": "first", "k": 1}}, ("truncation", "mode"), 'must be "last" or "rand"'),
        ({"truncation": {"mode": "last", "k": 5}}, ("truncation", "k"), r"must be between 1 and scheduler.steps \(got 5 > 4\)"),
        ({"decodeFrames": {"mode": "random", "count": 9}}, ("decodeFrames", "count"), "at most the model's frame count 8"),
        ({"decodeFrames": {"mode": "indices", "indices": [0, 8]}}, ("decodeFrames", "indices"), r"below the model's frame count 8 \(got \[8\]\)"),
        ({"decodeFrames": {"mode": "indices", "indices": []}}, ("decodeFrames", "indices"), "at least 1 item"),
        ({"gradAccumulation": 0}, ("gradAccumulation",), "at least 1"),
        ({"lr": float("nan")}, ("lr",), "must be a finite number"),
        ({"guidanceScale": 0.5}, ("guidanceScale",), "at least 1"),
        ({"lora": {"rank": 4, "dropout": 0.1}}, ("lora",), "unknown field.*dropout"),
    ],
)
def test_bad_settings_name_the_field(overrides, path, needle):
    with pytest.raises(ConfigInvalid, match=needle) as raised:
        default_trainer(tiny_model(), scheduler=QUICK_DDIM, **overrides)
    assert [issue.path for issue in raised.value.issues] == [("config", *path)]


def test_a_reward_error_surfaces_unchanged():
    trainer = vader_trainer(tiny_model(), {"kind": "named", "name": "testing-exception", "options": {"message": "from scoring"}},
                            scheduler=QUICK_DDIM)
    with pytest.raises(RuntimeError, match="from scoring"):
        trainer.step(["a dog"])


def test_step_needs_prompts():
    trainer = default_trainer(tiny_model(), scheduler=QUICK_DDIM)
    with pytest.raises(ValueError, match="prompt"):
        trainer.step([])
