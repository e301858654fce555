"""Flow matching (Wan, and every rectified-flow model): x_sigma = (1 - sigma) x0 + sigma noise, and the
denoiser predicts the velocity v = noise - x0.

eta = 0 is the deterministic Euler step x_next = x + (sigma_next - sigma) v, exactly diffusers'
`FlowMatchEulerDiscreteScheduler.step` (the step VideoX-Fun's Reward LoRA backpropagates through).
eta > 0 is Flow-GRPO's SDE step with noise level a = eta (Liu et al. 2025, "Flow-GRPO"): it has the
same marginals as the ODE, and is a Gaussian with

    std_t = a sqrt(sigma / (1 - sigma))      (sigma = 1 replaced by the second sigma, to stay finite)
    mean  = x (1 + std_t^2 dt / (2 sigma)) + v (1 + std_t^2 (1 - sigma) / (2 sigma)) dt,   dt = sigma_next - sigma < 0
    x_next = mean + std_t sqrt(-dt) noise

so DDPO and GRPO get a log-probability for every step. Diffusion-DPO gets the flow forward process
and the velocity target. The sigmas are diffusers' own (`set_timesteps` with the model's `shift`),
so a sample with eta 0 matches the stock pipeline's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from diffusers import FlowMatchEulerDiscreteScheduler

from ..protocol import ConfigInvalid, Issue
from ..registry import register
from .noise_schedule import NoiseSchedule
from .scheduler import NoiseScheduler, SchedulerStep, draw_noise, gaussian_log_prob


def euler_config(schedule: NoiseSchedule) -> tuple[dict[str, Any], list[str]]:
    """A FlowMatchEulerDiscreteScheduler config for the schedule, and a note when it had to be translated.

    Wan's diffusers folders ship UniPC with `use_flow_sigmas` and `flow_shift`: the same flow with the
    same shift, stepped by another solver."""
    config = schedule.config
    if schedule.class_name == "FlowMatchEulerDiscreteScheduler":
        return dict(config), []
    shift = float(config.get("flow_shift", config.get("shift", 1.0)))
    translated = {"num_train_timesteps": int(config.get("num_train_timesteps", 1000)), "shift": shift}
    note = (f"{schedule.owner}'s {schedule.class_name} schedule is stepped with the Euler flow step on its shift {shift}; "
            f"samples differ from the stock pipeline's {schedule.class_name} solver by that solver's error")
    return translated, [note]


@register("scheduler", "flow-match")
class FlowMatchScheduler(NoiseScheduler):
    name = "flow-match"
    schedule_kind = "flow"
    predictions = ("flow_prediction",)

    @dataclass(frozen=True)
    class Config:
        """No options beyond the spec's steps and eta (eta is the SDE's noise level; 0 is the ODE)."""

    def __init__(self, schedule: NoiseSchedule, *, steps: int, eta: float, options: Any, where: tuple = ("scheduler",)):
        super().__init__(schedule, steps=steps, eta=eta, options=options)
        config, self.notes = euler_config(schedule)
        if config.get("use_dynamic_shifting"):
            raise ConfigInvalid([Issue(where + ("name",), (
                f"{schedule.owner}'s schedule shifts its sigmas by the image size (use_dynamic_shifting), which 'flow-match' "
                "does not implement; set a fixed `shift` in its scheduler_config.json"))])
        self.reference = FlowMatchEulerDiscreteScheduler.from_config(config)
        self.reference.set_timesteps(steps)
        self.train_timesteps = int(self.reference.config.num_train_timesteps)
        self.shift = float(self.reference.shift)
        self._timesteps = self.reference.timesteps.clone()
        self.sigmas = self.reference.sigmas.clone().double()  # steps + 1 values, the last 0

    def timesteps(self) -> torch.Tensor:
        return self._timesteps.clone()

    def _index(self, timestep: int | float | torch.Tensor) -> int:
        matches = (self._timesteps == torch.as_tensor(timestep, dtype=self._timesteps.dtype).cpu()).nonzero()
        if len(matches) == 0:
            raise ValueError(f"timestep {float(timestep)} is not one of this scheduler's {self.steps} timesteps; "
                             "pass one of scheduler.timesteps()")
        return int(matches[0])

    def step(self, model_output, timestep, sample, *, generator=None, prev_sample=None, with_log_prob=False) -> SchedulerStep:
        index = self._index(timestep)
        sigma, sigma_next = float(self.sigmas[index]), float(self.sigmas[index + 1])
        dt = sigma_next - sigma
        # Upcast as diffusers does: the update is a small difference of large terms.
        dtype = torch.promote_types(sample.dtype, torch.float32)
        sample, velocity = sample.to(dtype), model_output.to(dtype)
        pred_original = sample - sigma * velocity
        if self.eta == 0:
            mean, std = sample + dt * velocity, 0.0
        else:
            # std_t diverges at sigma = 1; Flow-GRPO takes the next sigma of the schedule instead.
            safe_sigma = float(self.sigmas[1]) if sigma == 1.0 else sigma
            std_t = self.eta * (sigma / (1 - safe_sigma)) ** 0.5
            mean = sample * (1 + std_t**2 / (2 * sigma) * dt) + velocity * (1 + std_t**2 * (1 - sigma) / (2 * sigma)) * dt
            std = std_t * (-dt) ** 0.5
        if prev_sample is None:
            prev_sample = mean + std * draw_noise(mean.shape, mean, generator) if std > 0 else mean
        log_prob = gaussian_log_prob(prev_sample, mean, std) if with_log_prob and std > 0 else None
        return SchedulerStep(prev_sample=prev_sample, mean=mean, std=std, pred_original_sample=pred_original, log_prob=log_prob)

    # ---- the forward process --------------------------------------------------------------------

    def training_timestep(self, generator: torch.Generator) -> torch.Tensor:
        """u ~ U(0, 1) through the model's shift (what shifted rectified-flow training samples)."""
        uniform = torch.rand((), generator=generator, dtype=torch.float64)
        sigma = self.shift * uniform / (1 + (self.shift - 1) * uniform)
        return (sigma * self.train_timesteps).float()

    def _sigma(self, timestep: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        return (timestep.to(like.device, torch.float64) / self.train_timesteps).to(like.dtype)

    def add_noise(self, clean: torch.Tensor, noise: torch.Tensor, timestep: torch.Tensor) -> torch.Tensor:
        sigma = self._sigma(timestep, clean)
        return (1 - sigma) * clean + sigma * noise

    def training_target(self, clean: torch.Tensor, noise: torch.Tensor, timestep: torch.Tensor) -> torch.Tensor:
        return noise - clean
