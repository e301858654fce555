"""What the sampling loop and every trainer need from a noise scheduler.

A scheduler is built from a spec ({"name", "steps", "eta", "options"}) on a model's noise
schedule, and is stateless between rollouts: `timesteps()` is computed afresh, and `step` takes
everything it needs as arguments (diffusers' schedulers keep a step index; ours do not, so a
trainer may step any timestep in any order, as DDPO's re-evaluation of a stored chain does).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import torch


@dataclass
class SchedulerStep:
    """One denoising step x_t -> x_{t-1} and the Gaussian it was drawn from."""

    prev_sample: torch.Tensor  # x_{t-1}
    mean: torch.Tensor  # the mean of p(x_{t-1} | x_t)
    std: float  # its standard deviation (0 for a deterministic step)
    pred_original_sample: torch.Tensor  # the x_0 estimate at this step
    log_prob: torch.Tensor | None = None  # log p(x_{t-1} | x_t) per video [B], when asked for


def gaussian_log_prob(sample: torch.Tensor, mean: torch.Tensor, std: float) -> torch.Tensor:
    """log N(sample; mean, std^2), averaged over every dimension but the batch (as DDPO does).

    `sample` is detached: the policy gradient flows through the mean, that is through the model.
    """
    if std <= 0:
        raise ValueError("the log-probability of a deterministic step (eta = 0) is undefined; sample with eta > 0")
    log_prob = -((sample.detach() - mean) ** 2) / (2 * std**2) - math.log(std) - 0.5 * math.log(2 * math.pi)
    return log_prob.mean(dim=tuple(range(1, log_prob.dim())))


class NoiseScheduler(ABC):
    """Built by name (`@register("scheduler", name)`); declares its option dataclass as `Config`."""

    name: str
    Config: type

    def __init__(self, noise_schedule: dict[str, Any], *, steps: int, eta: float, options: Any, where: tuple = ("scheduler",)):
        """`where` is the spec's path in the caller's params, for errors that need the model's noise schedule."""
        self.noise_schedule, self.steps, self.eta, self.options = dict(noise_schedule), steps, eta, options

    @abstractmethod
    def timesteps(self) -> torch.Tensor:
        """The `steps` timesteps of one rollout, noisiest first."""

    @property
    def init_noise_sigma(self) -> float:
        return 1.0

    def scale_model_input(self, sample: torch.Tensor, timestep: torch.Tensor) -> torch.Tensor:
        return sample

    @abstractmethod
    def step(
        self,
        model_output: torch.Tensor,
        timestep: int | torch.Tensor,
        sample: torch.Tensor,
        *,
        generator: torch.Generator | None = None,
        prev_sample: torch.Tensor | None = None,
        with_log_prob: bool = False,
    ) -> SchedulerStep:
        """x_{t-1} from x_t and the model's output. With `prev_sample`, no noise is drawn: that sample
        is scored instead (the log-probability of a stored step under the current model)."""

    def describe(self) -> dict[str, Any]:
        """Plain JSON for reports and run records."""
        return {"name": self.name, "steps": self.steps, "eta": self.eta}
