"""Noise schedulers, built by name from TypeScript specs ({"name": "ddim", "steps": 25, "eta": 1.0})."""

from __future__ import annotations

from ..registry import lookup
from . import ddim  # noqa: F401  (registers "ddim")
from .denoising_schedule import DenoisingSchedule


def build_scheduler(spec: dict, base_config: dict) -> DenoisingSchedule:
    """Build the named scheduler on the model's noise schedule; unknown names list the known ones."""
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise ValueError(f"scheduler spec needs a string 'name', got {spec!r}")
    return lookup("scheduler", spec["name"])(spec, base_config)


__all__ = ["DenoisingSchedule", "build_scheduler"]
