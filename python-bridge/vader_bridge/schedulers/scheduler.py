"""What the sampling loop and every trainer need from a noise scheduler.

A scheduler is built from a spec ({"name", "steps", "eta", "options"}) on a model's noise
schedule, and is stateless between rollouts: `timesteps()` is computed afresh, and `step` takes
everything it needs as arguments (diffusers' schedulers keep a step index; ours do not, so a
trainer may step any timestep in any order, as DDPO's re-evaluation of a stored chain does).

It owns both directions of its process: the reverse step (with the Gaussian it samples from) and
the forward one that trainers which noise clean latents use (`add_noise`, `training_target`,
`training_timestep`: Diffusion-DPO). Timesteps are tensors, integers for diffusion and floats for
flow matching (sigma times the training length), passed to the denoiser as they are.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from ..shards import ShardNoise
from .noise_schedule import NoiseSchedule, ScheduleKind


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
    """Built by name (`@register("scheduler", name)`); declares its option dataclass as `Config`, the
    kind of noise schedule it steps and the predictions it understands (build_scheduler refuses others)."""

    name: str
    Config: type
    schedule_kind: ClassVar[ScheduleKind]
    predictions: ClassVar[tuple[str, ...]]

    def __init__(self, schedule: NoiseSchedule, *, steps: int, eta: float, options: Any, where: tuple = ("scheduler",)):
        """`where` is the spec's path in the caller's params, for errors that need the model's noise schedule."""
        self.schedule, self.steps, self.eta, self.options = schedule, steps, eta, options
        self.notes: list[str] = []  # what the scheduler changed about the schedule, and why (run records show it)

    @property
    def noise_schedule(self) -> dict[str, Any]:
        return self.schedule.config

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
        timestep: int | float | torch.Tensor,
        sample: torch.Tensor,
        *,
        generator: torch.Generator | None = None,
        prev_sample: torch.Tensor | None = None,
        with_log_prob: bool = False,
    ) -> SchedulerStep:
        """x_{t-1} from x_t and the model's output. With `prev_sample`, no noise is drawn: that sample
        is scored instead (the log-probability of a stored step under the current model)."""

    # ---- the forward process (trainers that noise clean latents) ----------------------------------

    @abstractmethod
    def training_timestep(self, generator: torch.Generator) -> torch.Tensor:
        """A timestep drawn as the model's pretraining drew them (a 0-dim tensor)."""

    @abstractmethod
    def add_noise(self, clean: torch.Tensor, noise: torch.Tensor, timestep: torch.Tensor) -> torch.Tensor:
        """x_t from x_0 and noise at one timestep."""

    @abstractmethod
    def training_target(self, clean: torch.Tensor, noise: torch.Tensor, timestep: torch.Tensor) -> torch.Tensor:
        """What the denoiser should output at x_t (its prediction type's target)."""

    def describe(self) -> dict[str, Any]:
        """Plain JSON for reports and run records."""
        description: dict[str, Any] = {"name": self.name, "steps": self.steps, "eta": self.eta}
        if self.notes:
            description["notes"] = list(self.notes)
        return description


def draw_noise(shape: torch.Size, like: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Standard normal noise drawn in fp32 on the generator's device (CPU by default) and moved, so a
    seed means the same noise anywhere. A data-parallel rank passes its ShardNoise (shards.py): its rows
    of the whole batch's draw."""
    if isinstance(generator, ShardNoise):
        return generator.randn(shape, torch.float32).to(like.device, like.dtype)
    device = generator.device if generator is not None else like.device
    noise = torch.randn(shape, generator=generator, device=device, dtype=torch.float32)
    return noise.to(like.device, like.dtype)
