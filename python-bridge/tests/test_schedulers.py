from __future__ import annotations

import math

import pytest
import torch
from diffusers import DDIMScheduler

from vader_bridge.models.tiny_text_to_video import modelscope_noise_schedule
from vader_bridge.protocol import ConfigInvalid
from vader_bridge.registry import UnknownNameError
from vader_bridge.schedulers import NoiseScheduler, build_scheduler, gaussian_log_prob
from vader_bridge.schedulers.noise_schedule_guards import final_step_is_identity, max_steps, repair_noise_schedule


def ddim(steps: int = 10, eta: float = 1.0, schedule: dict | None = None):
    return build_scheduler({"name": "ddim", "steps": steps, "eta": eta}, schedule or modelscope_noise_schedule())


def test_ddim_carries_steps_and_eta_on_the_model_schedule():
    scheduler = ddim(10, 0.5)
    assert isinstance(scheduler, NoiseScheduler)
    assert (scheduler.steps, scheduler.eta) == (10, 0.5)
    assert scheduler.scheduler.config.beta_schedule == "scaled_linear"
    assert len(scheduler.timesteps()) == 10
    assert scheduler.describe() == {"name": "ddim", "steps": 10, "eta": 0.5}


def test_spec_defaults_come_from_the_zod_schema():
    scheduler = build_scheduler({"name": "ddim"}, modelscope_noise_schedule())
    assert (scheduler.steps, scheduler.eta) == (25, 1.0)


def test_unknown_scheduler_lists_known_names():
    with pytest.raises(UnknownNameError, match="known schedulers: ddim"):
        build_scheduler({"name": "euler", "steps": 10}, modelscope_noise_schedule())


@pytest.mark.parametrize(
    ("spec", "path", "needle"),
    [
        ({"name": "ddim", "steps": 0}, ("scheduler", "steps"), "at least 1"),
        ({"name": "ddim", "steps": 2.5}, ("scheduler", "steps"), "whole number"),
        ({"name": "ddim", "steps": 10, "eta": 2}, ("scheduler", "eta"), "at most 1"),
        ({"name": "ddim", "steps": 10, "etta": 1}, ("scheduler",), "unknown field.*etta"),
        ({"name": "ddim", "steps": 10, "options": {"order": 2}}, ("scheduler", "options"), "unknown field.*order"),
    ],
)
def test_bad_ddim_specs_name_the_field(spec, path, needle):
    with pytest.raises(ConfigInvalid, match=needle) as raised:
        build_scheduler(spec, modelscope_noise_schedule())
    assert [issue.path for issue in raised.value.issues] == [path]


def test_steps_are_bounded_by_what_the_noise_schedule_allows():
    # steps_offset=1 shifts "leading" timesteps up by one: 1000 steps would index alpha 1000 of 0..999.
    assert max_steps(modelscope_noise_schedule()) == 999
    with pytest.raises(ConfigInvalid, match=r"scheduler.steps must be at most 999 .* \(got 1000\)"):
        ddim(1000)
    assert len(ddim(999).timesteps()) == 999
    assert max_steps({**modelscope_noise_schedule(), "timestep_spacing": "trailing"}) == 1000


def test_the_step_matches_diffusers_ddim():
    """Our stateless step is diffusers' DDIMScheduler.step, given the same noise."""
    scheduler = ddim(10, 0.7)
    reference = DDIMScheduler.from_config(modelscope_noise_schedule())
    reference.set_timesteps(10)
    sample, output = torch.randn(2, 4, 3, 8, 8), torch.randn(2, 4, 3, 8, 8)
    for timestep in scheduler.timesteps()[[0, 5, -1]]:
        noise = torch.randn(2, 4, 3, 8, 8, generator=torch.Generator().manual_seed(3))
        ours = scheduler.step(output, timestep, sample, generator=torch.Generator().manual_seed(3))
        expected = reference.step(output, timestep, sample, eta=0.7, variance_noise=noise).prev_sample
        assert torch.allclose(ours.prev_sample, expected, atol=1e-5)
        assert torch.allclose(ours.prev_sample, ours.mean + ours.std * noise, atol=1e-6)


def test_log_prob_is_the_gaussian_density_of_the_step():
    scheduler = ddim(10, 1.0)
    sample, output = torch.randn(2, 4, 3, 8, 8), torch.randn(2, 4, 3, 8, 8)
    timestep = scheduler.timesteps()[3]
    step = scheduler.step(output, timestep, sample, generator=torch.Generator().manual_seed(0), with_log_prob=True)
    expected = torch.distributions.Normal(step.mean, step.std).log_prob(step.prev_sample).mean(dim=(1, 2, 3, 4))
    assert step.log_prob.shape == (2,) and torch.allclose(step.log_prob, expected, atol=1e-5)
    # Scoring a stored sample draws nothing and gives the same number; the gradient reaches the model output.
    output.requires_grad_()
    rescored = scheduler.step(output, timestep, sample, prev_sample=step.prev_sample, with_log_prob=True)
    assert torch.allclose(rescored.log_prob, step.log_prob)
    rescored.log_prob.sum().backward()
    assert output.grad is not None and output.grad.abs().sum() > 0


def test_a_deterministic_step_has_no_log_prob():
    assert gaussian_log_prob(torch.zeros(1, 2), torch.zeros(1, 2), 0.5).item() == pytest.approx(-math.log(0.5) - 0.5 * math.log(2 * math.pi))
    with pytest.raises(ValueError, match="eta > 0"):
        gaussian_log_prob(torch.zeros(1, 2), torch.zeros(1, 2), 0.0)
    # A DDIM step with std 0 says so instead of raising: rollouts mark it deterministic (Trajectory.stochastic_steps).
    step = ddim(10, 0.0).step(torch.zeros(1, 4), ddim(10, 0.0).timesteps()[0], torch.zeros(1, 4), with_log_prob=True)
    assert step.std == 0 and step.log_prob is None


# ---- the identity-final-step guard -----------------------------------------------------------


def diffusers_default_schedule() -> dict:
    """What many checkpoints ship: steps_offset 0, set_alpha_to_one False, "leading" spacing."""
    return {**modelscope_noise_schedule(), "steps_offset": 0}


def test_the_diffusers_default_schedule_has_an_identity_final_step():
    schedule = diffusers_default_schedule()
    assert final_step_is_identity(schedule, 10) and not final_step_is_identity(modelscope_noise_schedule(), 10)
    # What that means: diffusers' own last step returns its input unchanged, whatever the model says.
    reference = DDIMScheduler.from_config(schedule)
    reference.set_timesteps(10)
    sample = torch.randn(1, 4, 2, 4, 4)
    for output in (torch.zeros_like(sample), torch.randn_like(sample)):
        assert torch.allclose(reference.step(output, reference.timesteps[-1], sample, eta=1.0).prev_sample, sample, atol=1e-6)


def test_the_ddim_scheduler_repairs_it_with_a_note_and_refuses_what_it_cannot_repair():
    repaired = ddim(10, schedule=diffusers_default_schedule())
    assert repaired.scheduler.config.steps_offset == 1 and "exactly zero gradient" in repaired.notes[0]
    assert repaired.describe()["notes"] == repaired.notes
    trailing = {**modelscope_noise_schedule(), "timestep_spacing": "trailing"}
    assert len(ddim(10, schedule=trailing).timesteps()) == 10
    with pytest.raises(ConfigInvalid, match="returns its input unchanged"):
        ddim(1000, schedule=trailing)  # trailing ends on t=0 only for step counts near the training length


@pytest.mark.parametrize(("spacing", "setting"), [("leading", {"steps_offset": 1}), ("linspace", {"set_alpha_to_one": True})])
def test_a_model_schedule_is_repaired_with_a_note(spacing, setting):
    schedule = {**diffusers_default_schedule(), "timestep_spacing": spacing}
    repaired, notes = repair_noise_schedule(schedule)
    assert repaired == {**schedule, **setting}
    assert len(notes) == 1 and "exactly zero gradient" in notes[0]
    assert not any(final_step_is_identity(repaired, steps) for steps in (1, 10, 50))
    assert repair_noise_schedule(modelscope_noise_schedule()) == (modelscope_noise_schedule(), [])
