"""VADER's referencePenalty: beta times the mean squared difference of the LoRA's predictions from the base's."""

from __future__ import annotations

import pytest
import torch

from support import QUICK_DDIM, perturb_adapter, scheduler, tiny_model, vader_trainer
from vader_bridge.models import TextToVideoModel
from vader_bridge.protocol import ConfigInvalid
from vader_bridge.sampling import rollout
from vader_bridge.trainers.reference_penalty import PredictionDistance

PROMPTS = ["a dog running on the beach"]
ZERO_REWARD = {"kind": "scaled", "factor": 0.0, "reward": {"kind": "named", "name": "brightness", "options": {}}}


def distance_of_a_rollout(model: TextToVideoModel, grad_steps: list[int]) -> PredictionDistance:
    sampler = PredictionDistance(model)
    embeddings = model.encode_prompts(PROMPTS)
    with torch.enable_grad():
        rollout(sampler, scheduler(model), embeddings, generator=torch.Generator().manual_seed(0), grad_steps=grad_steps)
    return sampler


def trained(model: TextToVideoModel, reward: dict, steps: int, **config) -> dict[str, torch.Tensor]:
    """The LoRA after `steps` VADER steps."""
    trainer = vader_trainer(model, reward, scheduler=QUICK_DDIM, lr=1e-2, seed=0, **config)
    for _ in range(steps):
        trainer.step(PROMPTS)
    return model.adapter_state_dict("default")


def test_zero_for_a_fresh_lora_positive_for_a_trained_one():
    model = tiny_model()
    vader_trainer(model, scheduler=QUICK_DDIM)  # a fresh LoRA (B = 0): the model is its base
    fresh = distance_of_a_rollout(model, grad_steps=[3])
    assert len(fresh.distances) == 1 and fresh.mean().item() == 0.0
    perturb_adapter(model, seed=1)
    moved = distance_of_a_rollout(model, grad_steps=[2, 3])
    assert len(moved.distances) == 2 and moved.mean().item() > 0
    assert moved.mean().requires_grad  # differentiable in the LoRA; the reference side is not


def test_only_steps_the_gradient_goes_through_are_measured_and_sampling_is_unchanged():
    model = tiny_model()
    vader_trainer(model, scheduler=QUICK_DDIM)
    perturb_adapter(model, seed=1)
    embeddings = model.encode_prompts(PROMPTS)
    with torch.enable_grad():
        plain = rollout(model, scheduler(model), embeddings, generator=torch.Generator().manual_seed(0), grad_steps=[3]).latents
        sampler = PredictionDistance(model)
        measured = rollout(sampler, scheduler(model), embeddings, generator=torch.Generator().manual_seed(0), grad_steps=[3]).latents
    assert len(sampler.distances) == 1 and torch.equal(plain, measured)
    with torch.no_grad():
        rollout(sampler, scheduler(model), embeddings, generator=torch.Generator().manual_seed(0), grad_steps=[3])
    assert len(sampler.distances) == 1  # no graph, no reference forward


def test_its_gradient_pulls_the_lora_back_toward_the_base():
    model = tiny_model()
    trainer = vader_trainer(model, ZERO_REWARD, scheduler=QUICK_DDIM, lr=1e-2, seed=0, referencePenalty=1.0)
    perturb_adapter(model, seed=1)
    distances = [trainer.step(PROMPTS)["details"]["referenceDistance"] for _ in range(4)]
    assert distances[0] > 0 and distances[-1] < distances[0]
    assert all(later < earlier for earlier, later in zip(distances, distances[1:]))


def test_left_out_or_zero_the_training_is_bit_identical_and_zero_is_measured():
    brightness = {"kind": "named", "name": "brightness", "options": {}}
    absent_model, zero_model, weighed_model = tiny_model(), tiny_model(), tiny_model()
    absent = trained(absent_model, brightness, steps=3)
    zero = trained(zero_model, brightness, steps=3, referencePenalty=0.0)
    weighed = trained(weighed_model, brightness, steps=3, referencePenalty=10.0)
    assert absent.keys() == zero.keys()
    assert all(torch.equal(absent[key], zero[key]) for key in absent)
    assert any(not torch.equal(absent[key], weighed[key]) for key in absent)


def test_details_report_the_distance_only_when_the_option_is_set():
    model = tiny_model()
    plain = vader_trainer(model, scheduler=QUICK_DDIM).step(PROMPTS)
    assert "referenceDistance" not in plain["details"]
    measured = vader_trainer(tiny_model(), scheduler=QUICK_DDIM, referencePenalty=0.0).step(PROMPTS)
    assert measured["details"]["referenceDistance"] == 0.0  # a fresh LoRA predicts as the base


def test_a_negative_beta_is_refused_naming_the_field():
    with pytest.raises(ConfigInvalid) as error:
        vader_trainer(tiny_model(), scheduler=QUICK_DDIM, referencePenalty=-1.0)
    assert "referencePenalty" in str(error.value)
