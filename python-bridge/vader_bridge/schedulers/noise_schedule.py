"""A model's noise schedule as its scheduler config file states it, and what kind of process it is.

Checkpoints ship their training schedule as a diffusers scheduler config (`scheduler/
scheduler_config.json`): a DDPM-type diffusion (betas, alphas_cumprod; the model predicts noise,
velocity or the sample) or flow matching (sigmas; the model predicts the velocity noise - x0).
A scheduler steps one kind only, and building one on the other kind is refused by name rather
than letting diffusers drop the keys it does not know and fall back to its default betas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ScheduleKind = Literal["diffusion", "flow"]

# The diffusers scheduler classes whose configs describe flow matching.
FLOW_CLASSES = ("FlowMatchEulerDiscreteScheduler", "FlowMatchHeunDiscreteScheduler", "FlowMatchLCMScheduler")
DEFAULT_CLASS = "DDIMScheduler"


@dataclass(frozen=True)
class NoiseSchedule:
    """`config`: the scheduler config's public keys; `class_name`: its `_class_name`; `owner`: who it
    belongs to, for messages ("the wan model")."""

    config: dict[str, Any]
    class_name: str = DEFAULT_CLASS
    owner: str = "this model"
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_config(cls, config: dict[str, Any], owner: str = "this model") -> "NoiseSchedule":
        """From a scheduler config as diffusers saves it (bookkeeping keys start with "_")."""
        public = {key: value for key, value in config.items() if not key.startswith("_")}
        return cls(public, str(config.get("_class_name") or DEFAULT_CLASS), owner)

    @property
    def kind(self) -> ScheduleKind:
        config = self.config
        if self.class_name in FLOW_CLASSES or config.get("use_flow_sigmas") or config.get("prediction_type") == "flow_prediction":
            return "flow"
        return "diffusion"

    @property
    def prediction_type(self) -> str:
        """What the denoiser outputs: epsilon, v_prediction or sample for diffusion; flow_prediction (velocity) for flow."""
        return "flow_prediction" if self.kind == "flow" else str(self.config.get("prediction_type", "epsilon"))

    @property
    def default_scheduler(self) -> str:
        """The scheduler every trainer and sampler uses when a spec names none."""
        return "flow-match" if self.kind == "flow" else "ddim"

    def describe(self) -> str:
        what = "flow matching" if self.kind == "flow" else f"a diffusion noise schedule ({self.prediction_type})"
        return f"{self.owner} is trained with {what} ({self.class_name})"
