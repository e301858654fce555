"""DDIM (Song et al. 2021): the sampler VADER trains with; eta=1 gives DDPM-like stochastic steps."""

from __future__ import annotations

from diffusers import DDIMScheduler

from ..registry import register
from .denoising_schedule import DenoisingSchedule
from .spec_checks import check_spec_keys, read_number, read_positive_int


@register("scheduler", "ddim")
def build_ddim(spec: dict, base_config: dict) -> DenoisingSchedule:
    """`spec` = {"name": "ddim", "steps": int, "eta": float}; `base_config` = the model's noise schedule."""
    check_spec_keys(spec, "ddim", allowed={"name", "steps", "eta"})
    scheduler = DDIMScheduler.from_config(dict(base_config))
    training_steps = int(scheduler.config.num_train_timesteps)
    steps = read_positive_int(spec, "steps", "ddim", maximum=training_steps)
    eta = read_number(spec, "eta", "ddim", default=1.0, minimum=0.0, maximum=1.0)
    return DenoisingSchedule(name="ddim", scheduler=scheduler, steps=steps, eta=eta)
