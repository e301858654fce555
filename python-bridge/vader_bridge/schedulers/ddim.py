"""DDIM (Song et al. 2021), the sampler VADER trains with; eta=1 gives DDPM-like stochastic steps.

The update is written out here rather than delegated to diffusers' `DDIMScheduler.step`, so that
it is stateless and also returns the Gaussian it samples from (mean, std, log-probability), which
the policy-gradient trainers need; diffusers' scheduler still provides the timesteps and alphas.

A schedule whose final DDIM step would be the identity is repaired here (noise_schedule_guards.py),
and a config key that would change the schedule but that DDIM does not read (a flow `shift`,
CogVideoX's `snr_shift_scale`) is refused rather than dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import diffusers
import torch
from diffusers import DDIMScheduler

from ..protocol import ConfigInvalid, Issue
from ..registry import register
from .noise_schedule import NoiseSchedule
from .noise_schedule_guards import final_step_is_identity, max_steps, repair_noise_schedule
from .scheduler import NoiseScheduler, SchedulerStep, draw_noise, gaussian_log_prob

# Keys of other schedulers' configs that change the noise levels themselves: DDIM would silently
# drop them and step a different schedule than the model was trained on. (Keys that only choose a
# sampler, such as PNDM's skip_prk_steps or Euler's use_karras_sigmas, leave alphas_cumprod alone.)
SCHEDULE_CHANGING_KEYS = ("shift", "use_dynamic_shifting", "base_shift", "max_shift", "use_flow_sigmas", "flow_shift",
                          "snr_shift_scale", "shift_terminal", "time_shift_type")
# DDIM-family classes that compute their own alphas_cumprod (CogVideoX shifts its SNR by snr_shift_scale):
# the table comes from the class the model's schedule names, the step and timesteps are DDIM's. Their
# own step never clips or thresholds x0, whatever clip_sample says, so neither does ours for them.
OWN_ALPHAS_CLASSES = {"CogVideoXDDIMScheduler": ("snr_shift_scale",), "CogVideoXDPMScheduler": ("snr_shift_scale",)}


@register("scheduler", "ddim")
class DdimScheduler(NoiseScheduler):
    name = "ddim"
    schedule_kind = "diffusion"
    predictions = ("epsilon", "v_prediction", "sample")

    @dataclass(frozen=True)
    class Config:
        """DDIM takes no options beyond the spec's steps and eta."""

    def __init__(self, schedule: NoiseSchedule, *, steps: int, eta: float, options: Any, where: tuple = ("scheduler",)):
        super().__init__(schedule, steps=steps, eta=eta, options=options)
        understood = OWN_ALPHAS_CLASSES.get(schedule.class_name, ())
        dropped = sorted(key for key in SCHEDULE_CHANGING_KEYS if key in schedule.config and key not in understood)
        if dropped:
            raise ConfigInvalid([Issue(where + ("name",), (
                f"'ddim' cannot step the noise schedule of {schedule.owner} ({schedule.class_name}): it does not read "
                f"{', '.join(dropped)}, which change the noise levels, and would step diffusers' default schedule instead; "
                f"leave scheduler.name out to use the model's own ('{schedule.default_scheduler}')"))])
        noise_schedule, self.notes = repair_noise_schedule(schedule.config)
        most = max_steps(noise_schedule)
        if steps > most:
            raise ConfigInvalid([Issue(where + ("steps",), (
                f"must be at most {most} for this model's noise schedule (got {steps}): its "
                f"{noise_schedule.get('num_train_timesteps', 1000)} training timesteps with steps_offset "
                f"{noise_schedule.get('steps_offset', 0)} and {noise_schedule.get('timestep_spacing', 'leading')!r} "
                "spacing put a timestep past the end of the table"))])
        if final_step_is_identity(noise_schedule, steps):
            raise ConfigInvalid([Issue(where + ("steps",), (
                f"gives a final DDIM step that returns its input unchanged ({steps} steps end on t=0 and "
                "set_alpha_to_one=False makes alpha_prev equal alpha_0), so truncated backprop with K=1 would get an "
                "exactly zero gradient and learn nothing; use fewer steps"))])
        if understood:
            noise_schedule = {**noise_schedule, "clip_sample": False, "thresholding": False}
        self.scheduler = DDIMScheduler.from_config({key: value for key, value in noise_schedule.items() if key not in understood})
        if understood:
            table = getattr(diffusers, schedule.class_name).from_config(noise_schedule)
            self.scheduler.alphas_cumprod, self.scheduler.final_alpha_cumprod = table.alphas_cumprod, table.final_alpha_cumprod
        self.scheduler.set_timesteps(steps)
        self.train_timesteps = int(self.scheduler.config.num_train_timesteps)
        self.alphas_cumprod = self.scheduler.alphas_cumprod
        self.final_alpha_cumprod = float(self.scheduler.final_alpha_cumprod)

    def timesteps(self) -> torch.Tensor:
        return self.scheduler.timesteps.clone()

    def training_timestep(self, generator: torch.Generator) -> torch.Tensor:
        return torch.randint(0, self.train_timesteps, (), generator=generator)

    def add_noise(self, clean: torch.Tensor, noise: torch.Tensor, timestep: torch.Tensor) -> torch.Tensor:
        return self.scheduler.add_noise(clean, noise, timestep.reshape(1).expand(len(clean)).to(clean.device))

    def training_target(self, clean: torch.Tensor, noise: torch.Tensor, timestep: torch.Tensor) -> torch.Tensor:
        prediction = self.scheduler.config.prediction_type
        if prediction == "epsilon":
            return noise
        if prediction == "v_prediction":
            return self.scheduler.get_velocity(clean, noise, timestep.reshape(1).expand(len(clean)).to(clean.device))
        return clean  # "sample" (build_scheduler refused every other prediction type)

    @property
    def init_noise_sigma(self) -> float:
        return float(self.scheduler.init_noise_sigma)

    def _alpha(self, timestep: int) -> float:
        return float(self.alphas_cumprod[timestep]) if timestep >= 0 else self.final_alpha_cumprod

    def step(self, model_output, timestep, sample, *, generator=None, prev_sample=None, with_log_prob=False) -> SchedulerStep:
        t = int(timestep)
        alpha_t, alpha_prev = self._alpha(t), self._alpha(t - self.train_timesteps // self.steps)
        beta_t, beta_prev = 1 - alpha_t, 1 - alpha_prev
        prediction = self.scheduler.config.prediction_type
        if prediction == "epsilon":
            pred_original = (sample - beta_t**0.5 * model_output) / alpha_t**0.5
            pred_epsilon = model_output
        elif prediction == "v_prediction":
            pred_original = alpha_t**0.5 * sample - beta_t**0.5 * model_output
            pred_epsilon = alpha_t**0.5 * model_output + beta_t**0.5 * sample
        else:  # "sample" (build_scheduler refused every other prediction type)
            pred_original = model_output
            pred_epsilon = (sample - alpha_t**0.5 * pred_original) / beta_t**0.5
        if self.scheduler.config.thresholding:
            pred_original = self.scheduler._threshold_sample(pred_original)
        elif self.scheduler.config.clip_sample:
            limit = self.scheduler.config.clip_sample_range
            pred_original = pred_original.clamp(-limit, limit)

        variance = (beta_prev / beta_t) * (1 - alpha_t / alpha_prev)
        std = self.eta * variance**0.5
        mean = alpha_prev**0.5 * pred_original + (1 - alpha_prev - std**2) ** 0.5 * pred_epsilon
        if prev_sample is None:
            prev_sample = mean
            if std > 0:
                prev_sample = mean + std * draw_noise(mean.shape, mean, generator)
        # A step with std 0 (eta 0, or a final step onto alpha = 1) is deterministic: it has no log-probability.
        log_prob = gaussian_log_prob(prev_sample, mean, std) if with_log_prob and std > 0 else None
        return SchedulerStep(prev_sample=prev_sample, mean=mean, std=std, pred_original_sample=pred_original, log_prob=log_prob)
