"""The flow-matching scheduler: diffusers' Euler step at eta 0, Flow-GRPO's SDE step at eta > 0, and the
flow forward process; and the fit checks that refuse a scheduler of the other kind by name."""

from __future__ import annotations

import math

import pytest
import torch
from diffusers import FlowMatchEulerDiscreteScheduler, UniPCMultistepScheduler

from vader_bridge.models.tiny_text_to_video import modelscope_noise_schedule
from vader_bridge.models.tiny_wan import flow_noise_schedule
from vader_bridge.protocol import ConfigInvalid
from vader_bridge.schedulers import NoiseSchedule, build_scheduler

SHAPE = (2, 16, 3, 4, 4)


def flow(steps: int = 6, eta: float = 0.0, config: dict | None = None):
    return build_scheduler({"name": "flow-match", "steps": steps, "eta": eta}, NoiseSchedule.from_config(config or flow_noise_schedule(), "the wan model"))


def test_the_timesteps_are_diffusers_float_sigmas_not_truncated_integers():
    reference = FlowMatchEulerDiscreteScheduler.from_config(flow_noise_schedule())
    reference.set_timesteps(6)
    scheduler = flow()
    assert torch.equal(scheduler.timesteps(), reference.timesteps)
    assert scheduler.timesteps().dtype == torch.float32 and any(t != int(t) for t in scheduler.timesteps().tolist())


def test_eta_zero_is_diffusers_euler_step_at_every_timestep():
    reference = FlowMatchEulerDiscreteScheduler.from_config(flow_noise_schedule())
    reference.set_timesteps(6)
    scheduler, generator = flow(), torch.Generator().manual_seed(0)
    sample = torch.randn(SHAPE, generator=generator)
    for timestep in reference.timesteps:
        velocity = torch.randn(SHAPE, generator=generator)
        expected = reference.step(velocity, timestep, sample).prev_sample
        ours = scheduler.step(velocity, timestep, sample, with_log_prob=True)
        assert torch.equal(ours.prev_sample, expected)
        assert ours.std == 0 and ours.log_prob is None  # the ODE step is deterministic
        sample = expected


def test_eta_positive_is_flow_grpos_sde_step():
    """Against the published form x + [v + std_t^2 / (2 sigma) (x + (1 - sigma) v)] dt (Flow-GRPO), in float64."""
    noise_level, scheduler = 0.7, flow(eta=0.7)
    sigmas = scheduler.sigmas.tolist()
    generator = torch.Generator().manual_seed(1)
    for index, timestep in enumerate(scheduler.timesteps()):
        sample, velocity = torch.randn(SHAPE, generator=generator, dtype=torch.float64), torch.randn(SHAPE, generator=generator, dtype=torch.float64)
        sigma, dt = sigmas[index], sigmas[index + 1] - sigmas[index]
        std_t = noise_level * math.sqrt(sigma / (1 - (sigmas[1] if sigma == 1 else sigma)))
        mean = sample + (velocity + std_t**2 / (2 * sigma) * (sample + (1 - sigma) * velocity)) * dt
        step = scheduler.step(velocity, timestep, sample, generator=torch.Generator().manual_seed(index), with_log_prob=True)
        assert torch.allclose(step.mean, mean, rtol=1e-12, atol=1e-12)
        assert step.std == pytest.approx(std_t * math.sqrt(-dt), rel=1e-12)
        noise = torch.randn(SHAPE, generator=torch.Generator().manual_seed(index), dtype=torch.float32).double()
        assert torch.allclose(step.prev_sample, mean + step.std * noise, rtol=1e-12, atol=1e-12)
        by_distribution = torch.distributions.Normal(mean, step.std).log_prob(step.prev_sample).mean(dim=(1, 2, 3, 4))
        assert torch.allclose(step.log_prob, by_distribution, rtol=1e-10)


def test_the_first_step_at_sigma_one_stays_finite():
    scheduler = flow(eta=1.0)
    assert float(scheduler.sigmas[0]) == 1.0
    step = scheduler.step(torch.zeros(SHAPE), scheduler.timesteps()[0], torch.ones(SHAPE), generator=torch.Generator().manual_seed(0), with_log_prob=True)
    assert math.isfinite(step.std) and torch.isfinite(step.prev_sample).all() and torch.isfinite(step.log_prob).all()


def test_the_forward_process_is_the_straight_line_and_euler_follows_it_exactly():
    """x_sigma = (1 - sigma) x0 + sigma noise and v = noise - x0: with the true velocity, an Euler step
    lands on the line at the next sigma."""
    scheduler, generator = flow(eta=0.0), torch.Generator().manual_seed(2)
    clean, noise = torch.randn(SHAPE, generator=generator, dtype=torch.float64), torch.randn(SHAPE, generator=generator, dtype=torch.float64)
    timesteps = scheduler.timesteps()
    for index in range(len(timesteps)):
        noisy = scheduler.add_noise(clean, noise, timesteps[index])
        velocity = scheduler.training_target(clean, noise, timesteps[index])
        landed = scheduler.step(velocity, timesteps[index], noisy).prev_sample
        sigma_next = float(scheduler.sigmas[index + 1])
        assert torch.allclose(landed, (1 - sigma_next) * clean + sigma_next * noise, atol=1e-6)


def test_training_timesteps_follow_the_shifted_uniform_distribution():
    scheduler, generator = flow(), torch.Generator().manual_seed(3)
    sigmas = torch.stack([scheduler.training_timestep(generator) for _ in range(4000)]) / 1000
    assert 0 < sigmas.min() and sigmas.max() < 1
    # shift 3 moves the median of U(0, 1) from 0.5 to 3 * 0.5 / (1 + 2 * 0.5) = 0.75.
    assert sigmas.median().item() == pytest.approx(0.75, abs=0.02)


def test_a_scheduler_of_the_other_kind_is_refused_with_both_named():
    with pytest.raises(ConfigInvalid, match=r"scheduler\.name: 'ddim' steps a diffusion noise schedule, but the wan model is trained "
                                            r"with flow matching \(FlowMatchEulerDiscreteScheduler\); use 'flow-match'"):
        build_scheduler({"name": "ddim", "steps": 4}, NoiseSchedule.from_config(flow_noise_schedule(), "the wan model"))
    with pytest.raises(ConfigInvalid, match=r"'flow-match' steps flow matching, but the text-to-video model is trained with a "
                                            r"diffusion noise schedule \(epsilon\) \(DDIMScheduler\); use 'ddim'"):
        build_scheduler({"name": "flow-match", "steps": 4}, NoiseSchedule.from_config(modelscope_noise_schedule(), "the text-to-video model"))


def test_without_a_name_each_model_gets_its_own_scheduler():
    assert build_scheduler({"steps": 4}, NoiseSchedule.from_config(flow_noise_schedule())).name == "flow-match"
    assert build_scheduler({"steps": 4}, NoiseSchedule.from_config(modelscope_noise_schedule())).name == "ddim"


def test_ddim_refuses_schedule_keys_it_would_silently_drop():
    """CogVideoX's snr_shift_scale changes alphas_cumprod; DDIMScheduler.from_config would drop it."""
    with pytest.raises(ConfigInvalid, match="does not read snr_shift_scale"):
        build_scheduler({"name": "ddim", "steps": 4}, NoiseSchedule.from_config({**modelscope_noise_schedule(), "snr_shift_scale": 3.0}))


def test_wans_unipc_flow_config_is_stepped_on_its_shift_with_a_note():
    """Wan's diffusers folders ship UniPC with use_flow_sigmas and flow_shift."""
    unipc = {**UniPCMultistepScheduler(use_flow_sigmas=True, flow_shift=3.0, prediction_type="flow_prediction").config,
             "_class_name": "UniPCMultistepScheduler"}
    schedule = NoiseSchedule.from_config(unipc, "the wan model")
    assert schedule.kind == "flow" and schedule.default_scheduler == "flow-match"
    scheduler = build_scheduler({"steps": 6, "eta": 0}, schedule)
    assert scheduler.shift == 3.0 and torch.equal(scheduler.timesteps(), flow().timesteps())
    assert "UniPCMultistepScheduler solver" in scheduler.notes[0] and scheduler.notes[0] in schedule.notes
