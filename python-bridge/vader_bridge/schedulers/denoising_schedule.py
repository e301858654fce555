"""What a rollout needs from a scheduler spec: the diffusers scheduler plus the step count and eta.

diffusers schedulers do not remember how many steps a caller wants or which eta it samples with
(both are arguments to `set_timesteps` / `step`), so the built spec carries them beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class DenoisingSchedule:
    name: str
    scheduler: Any  # a diffusers scheduler with set_timesteps / step / init_noise_sigma
    steps: int
    eta: float

    def describe(self) -> dict:
        """Plain JSON for reports and handles."""
        return {"name": self.name, "steps": self.steps, "eta": self.eta}
