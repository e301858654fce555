"""Noise schedulers, built by name from TypeScript specs ({"name": "ddim", "steps": 25, "eta": 1.0})."""

from __future__ import annotations

from typing import Any

from ..configs import checked, protocol_schema
from ..registry import configured
from . import ddim  # noqa: F401  (registers "ddim")
from .scheduler import NoiseScheduler, SchedulerStep, gaussian_log_prob


def build_scheduler(spec: dict[str, Any], noise_schedule: dict[str, Any], where: tuple = ("scheduler",)) -> NoiseScheduler:
    """The named scheduler on a model's noise schedule; unknown names list the known ones."""
    spec = checked(protocol_schema()["specs"]["scheduler"], spec, where)
    implementation, options = configured("scheduler", spec["name"], spec.get("options"), where + ("options",))
    return implementation(noise_schedule, steps=spec["steps"], eta=spec["eta"], options=options, where=where)


__all__ = ["NoiseScheduler", "SchedulerStep", "build_scheduler", "gaussian_log_prob"]
