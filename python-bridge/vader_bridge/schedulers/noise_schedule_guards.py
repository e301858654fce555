"""Checks of a model's noise schedule that would otherwise fail silently or crash mid-rollout.

1. Identity final step. With "leading" spacing and steps_offset=0 (diffusers' defaults, and what
   many checkpoints ship) the last timestep is t=0; with set_alpha_to_one=False its "previous"
   alpha is alpha_0 itself, so the last DDIM step returns its input unchanged. VADER with K=1
   backpropagates through that step only: the gradient is exactly zero and nothing learns, while
   the reward keeps being reported. The DDIM scheduler repairs this when it is built on such a
   schedule (steps_offset=1, as ModelScope and Stable Diffusion ship; a note says so), and refuses
   any step count that still hits it.
2. Steps out of range. steps_offset shifts every timestep up: with 1000 training timesteps,
   1000 "leading" steps and steps_offset=1 the first timestep is 1000, one past the table.
"""

from __future__ import annotations

from typing import Any

import numpy as np

REPAIRED_OFFSET = 1


def inference_timesteps(config: dict[str, Any], steps: int) -> np.ndarray:
    """The timesteps diffusers' DDIMScheduler.set_timesteps would choose (same spacing rules)."""
    train = int(config.get("num_train_timesteps", 1000))
    spacing = config.get("timestep_spacing", "leading")
    if spacing == "linspace":
        return np.linspace(0, train - 1, steps).round()[::-1].astype(np.int64)
    if spacing == "leading":
        return (np.arange(0, steps) * (train // steps)).round()[::-1].astype(np.int64) + int(config.get("steps_offset", 0))
    if spacing == "trailing":
        return np.round(np.arange(train, 0, -train / steps)).astype(np.int64) - 1
    raise ValueError(f"timestep_spacing {spacing!r} is not supported; use leading, trailing or linspace")


def max_steps(config: dict[str, Any]) -> int:
    """The most inference steps whose timesteps all fall inside the training table."""
    train = int(config.get("num_train_timesteps", 1000))
    return next(steps for steps in range(train, 0, -1) if int(inference_timesteps(config, steps).max()) < train)


def final_step_is_identity(config: dict[str, Any], steps: int) -> bool:
    """Whether the last DDIM step maps its input to itself (alpha_t == alpha_prev)."""
    train = int(config.get("num_train_timesteps", 1000))
    final = int(inference_timesteps(config, steps)[-1])
    previous = final - train // steps
    # Only t=0 stepping to "before the start" can repeat an alpha: alphas_cumprod strictly decreases.
    return previous < 0 and final == 0 and not config.get("set_alpha_to_one", True)


def repair_noise_schedule(config: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The config with an identity final step fixed for every step count, and a note saying what changed and why.

    "leading": steps_offset=1 (as ModelScope and Stable Diffusion ship). "linspace" always ends on
    t=0, so its final step goes to alpha=1 instead (set_alpha_to_one=True, the DDIM paper's choice).
    "trailing" ends on t=0 only for step counts close to the training length: schedulers refuse those.
    """
    spacing = config.get("timestep_spacing", "leading")
    if spacing == "trailing" or not final_step_is_identity(config, 1):
        return dict(config), []
    change = {"steps_offset": REPAIRED_OFFSET} if spacing == "leading" else {"set_alpha_to_one": True}
    setting, value = next(iter(change.items()))
    note = (
        f"noise schedule repaired: with set_alpha_to_one=False and {spacing!r} spacing ending on t=0, the final DDIM "
        "step is the identity (alpha_0 stands in for alpha_prev), so truncated backprop with K=1 would get an exactly "
        f"zero gradient and learn nothing; {setting} set to {value}"
    )
    return {**config, **change}, [note]
