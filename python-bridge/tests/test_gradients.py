"""The VADER gradient, checked against finite differences in float64 on tiny models.

VADER's truncated backprop differentiates J_K(theta): the reward of a rollout in which only the
last K denoising steps see the weights (the state entering them is a constant). Central
differences of exactly that objective must match what autograd through the shared sampling loop
gives, for K=1 and K>1; and with K=T they are the full derivative, which K=1 is not.

Each model runs its own scheduler at eta 1 (the same generator seed draws the same noise in both
computations): stochastic DDIM on the text-to-video model, and Flow-GRPO's SDE step of the
flow-match scheduler on the same UNet given a flow-matching schedule (pure float64). Wan itself
keeps its residual stream in float32 whatever the weights' dtype (`hidden_states.float()` in
diffusers' WanTransformerBlock), so its check has a looser tolerance.
"""

from __future__ import annotations

import pytest
import torch

from support import add_adapter, perturb_adapter, scheduler
from vader_bridge.device import Placement, resolve_device
from vader_bridge.models import TextToVideoModel, VideoModel, create_model
from vader_bridge.models.tiny_text_to_video import tiny_components
from vader_bridge.models.tiny_wan import flow_noise_schedule
from vader_bridge.rewards import build_reward
from vader_bridge.sampling import denoising_step, rollout
from vader_bridge.schedulers import ddim

STEPS = 4
FLOAT64 = Placement(resolve_device("auto"), torch.float64, adapter_dtype=torch.float64)
BRIGHTNESS = build_reward({"kind": "named", "name": "brightness", "options": {}})


def with_adapter(model: VideoModel) -> VideoModel:
    add_adapter(model, rank=2)
    perturb_adapter(model, seed=0)  # B = 0 at init would leave A's gradient zero
    assert {p.dtype for p in model.adapter_parameters()} == {torch.float64}
    return model


@pytest.fixture(scope="module", params=["diffusion", "flow"])
def model(request) -> TextToVideoModel:
    components = tiny_components(seed=0, height=16, width=16)
    if request.param == "flow":
        components["noise_schedule"] = flow_noise_schedule()
    model = with_adapter(TextToVideoModel(**components, frames=2, height=16, width=16, placement=FLOAT64))
    assert scheduler(model).name == {"diffusion": "ddim", "flow": "flow-match"}[request.param]
    return model


def reward_of(model: VideoModel, latents: torch.Tensor) -> torch.Tensor:
    return BRIGHTNESS(model.decode_frames(latents), ["a dog"]).sum()


def autograd_gradient(model: VideoModel, k: int) -> list[torch.Tensor]:
    """What VaderTrainer backpropagates: the shared loop with graph through the last k steps."""
    for parameter in model.adapter_parameters():
        parameter.grad = None
    embeddings = model.encode_prompts(["a dog"])
    latents = rollout(model, scheduler(model, STEPS), embeddings, generator=torch.Generator().manual_seed(0), grad_last_steps=k).latents
    reward_of(model, latents).backward()
    return [parameter.grad.clone() for parameter in model.adapter_parameters()]


def truncated_objective(model: VideoModel, k: int, direction: list[torch.Tensor], epsilon: float) -> float:
    """J_k at theta + epsilon * direction, where only the last k steps see the moved weights."""
    generator, embeddings, steps = torch.Generator().manual_seed(0), model.encode_prompts(["a dog"]), scheduler(model, STEPS)
    parameters = model.adapter_parameters()
    originals = [parameter.detach().clone() for parameter in parameters]
    latents = model.initial_latents(1, generator)
    with torch.no_grad():
        try:
            for index, timestep in enumerate(steps.timesteps()):
                if index == STEPS - k:
                    for parameter, original, change in zip(parameters, originals, direction):
                        parameter.copy_(original + epsilon * change)
                latents = denoising_step(model, steps, latents, timestep, embeddings, generator=generator).prev_sample
            return reward_of(model, latents).item()
        finally:
            for parameter, original in zip(parameters, originals):
                parameter.copy_(original)


def directional_derivative(model: VideoModel, k: int, direction: list[torch.Tensor], epsilon: float = 1e-5) -> float:
    return (truncated_objective(model, k, direction, epsilon) - truncated_objective(model, k, direction, -epsilon)) / (2 * epsilon)


def check_against_differences(model: VideoModel, k: int, *, epsilon: float = 1e-5, rel: float = 1e-6) -> None:
    gradient = autograd_gradient(model, k)
    generator = torch.Generator().manual_seed(k)
    for _ in range(2):  # two random directions through all LoRA weights
        direction = [torch.randn(g.shape, generator=generator, dtype=torch.float64).to(g.device) for g in gradient]
        by_autograd = sum((g * d).sum() for g, d in zip(gradient, direction)).item()
        by_differences = directional_derivative(model, k, direction, epsilon)
        assert by_autograd != 0
        assert by_autograd == pytest.approx(by_differences, rel=rel, abs=1e-12), (k, by_autograd, by_differences)


@pytest.mark.parametrize("k", [1, 2, STEPS])
def test_autograd_through_the_last_k_steps_matches_finite_differences(model, k):
    check_against_differences(model, k)


def test_on_wan_too_within_its_float32_residual_stream():
    """K=2, whose derivative (about 1e-3) stands well above the float32 rounding of the residual stream:
    measured 1e-4 apart at epsilon 1e-4. (K=1's derivative is about 3e-6, too small for that stream, and
    at epsilon 1e-3 the objective already jumps by 5e-5 in one of these directions.)"""
    wan = with_adapter(create_model({"kind": "tiny", "family": "wan", "options": {"frames": 5, "height": 16, "width": 16}}, FLOAT64))
    check_against_differences(wan, 2, epsilon=1e-4, rel=1e-2)


def test_truncation_really_truncates(model):
    """K=1 is not the full derivative (the full chain's is much larger): the two must differ."""
    generator = torch.Generator().manual_seed(9)
    direction = [torch.randn(g.shape, generator=generator, dtype=torch.float64).to(g.device) for g in autograd_gradient(model, 1)]
    truncated, full = directional_derivative(model, 1, direction), directional_derivative(model, STEPS, direction)
    assert abs(full - truncated) > 1e-3 * abs(full)


def test_the_identity_final_step_guard_keeps_k1_learning(monkeypatch):
    """A checkpoint with diffusers' default schedule: the DDIM scheduler repairs it (and says so in the
    model's notes), so K=1 gets a real gradient. Without the repair the same K=1 gradient is exactly zero."""
    components = tiny_components(seed=0, height=16, width=16)
    components["noise_schedule"] = {**components["noise_schedule"], "steps_offset": 0}  # what many checkpoints ship
    model = TextToVideoModel(**components, frames=2, height=16, width=16, placement=FLOAT64)
    assert model.noise_schedule["steps_offset"] == 0 and model.notes == []  # the model keeps its file's schedule
    add_adapter(model, rank=2)
    perturb_adapter(model, seed=0)
    assert any(gradient.abs().sum() > 0 for gradient in autograd_gradient(model, 1))
    assert "exactly zero gradient" in model.notes[0]

    monkeypatch.setattr(ddim, "repair_noise_schedule", lambda config: (dict(config), []))
    monkeypatch.setattr(ddim, "final_step_is_identity", lambda schedule, steps: False)
    assert all(torch.equal(gradient, torch.zeros_like(gradient)) for gradient in autograd_gradient(model, 1))


# ---- VideoX-Fun's step choices: a non-contiguous set of steps, and the stopped input gradient ----


def base_chain(model: VideoModel) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Each step's input latents and prediction in a rollout at the current weights."""
    generator, embeddings, steps = torch.Generator().manual_seed(0), model.encode_prompts(["a dog"]), scheduler(model, STEPS)
    latents, inputs, predictions = model.initial_latents(1, generator), [], []
    with torch.no_grad():
        for timestep in steps.timesteps():
            inputs.append(latents)
            predictions.append(model.predict_noise(latents, timestep, embeddings))
            latents = steps.step(predictions[-1], timestep, latents, generator=generator).prev_sample
    return inputs, predictions


def chosen_steps_objective(model: VideoModel, chosen: set[int], stop_input: bool, direction: list[torch.Tensor], epsilon: float) -> float:
    """The objective those choices differentiate: the weights move only in the chosen steps' predictions;
    every other step uses its prediction at the current weights as a constant, and with `stop_input`
    the chosen steps' denoiser reads the latents of the rollout at the current weights."""
    inputs, predictions = base_chain(model)
    generator, embeddings, steps = torch.Generator().manual_seed(0), model.encode_prompts(["a dog"]), scheduler(model, STEPS)
    parameters = model.adapter_parameters()
    originals = [parameter.detach().clone() for parameter in parameters]
    latents = model.initial_latents(1, generator)
    with torch.no_grad():
        try:
            for parameter, original, change in zip(parameters, originals, direction):
                parameter.copy_(original + epsilon * change)
            for index, timestep in enumerate(steps.timesteps()):
                prediction = predictions[index]
                if index in chosen:
                    prediction = model.predict_noise(inputs[index] if stop_input else latents, timestep, embeddings)
                latents = steps.step(prediction, timestep, latents, generator=generator).prev_sample
            return reward_of(model, latents).item()
        finally:
            for parameter, original in zip(parameters, originals):
                parameter.copy_(original)


@pytest.mark.parametrize("stop_input", [False, True])
def test_a_set_of_steps_with_detached_predictions_between_matches_finite_differences(model, stop_input):
    chosen = {1, 3}
    for parameter in model.adapter_parameters():
        parameter.grad = None
    latents = rollout(model, scheduler(model, STEPS), model.encode_prompts(["a dog"]), generator=torch.Generator().manual_seed(0),
                      grad_steps=sorted(chosen), stop_input_gradient=stop_input).latents
    reward_of(model, latents).backward()
    gradient = [parameter.grad.clone() for parameter in model.adapter_parameters()]
    direction = [torch.randn(g.shape, generator=torch.Generator().manual_seed(5), dtype=torch.float64).to(g.device) for g in gradient]
    by_autograd = sum((g * d).sum() for g, d in zip(gradient, direction)).item()
    epsilon = 1e-5
    by_differences = (chosen_steps_objective(model, chosen, stop_input, direction, epsilon)
                      - chosen_steps_objective(model, chosen, stop_input, direction, -epsilon)) / (2 * epsilon)
    assert by_autograd != 0
    assert by_autograd == pytest.approx(by_differences, rel=1e-6, abs=1e-12)
