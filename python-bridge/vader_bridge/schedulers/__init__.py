"""Noise schedulers, built by name from TypeScript specs ({"name": "ddim", "steps": 25, "eta": 1.0}).

A spec that names no scheduler gets the model's own (its noise schedule's default: DDIM for a
diffusion schedule, flow-match for flow matching). A scheduler of the other kind, or one that does
not understand the model's prediction type, is refused with both named.
"""

from __future__ import annotations

from typing import Any

from ..configs import checked, protocol_schema
from ..protocol import ConfigInvalid, Issue
from ..registry import configured
from . import ddim, flow_match  # noqa: F401  (register "ddim", "flow-match")
from .noise_schedule import NoiseSchedule
from .scheduler import NoiseScheduler, SchedulerStep, gaussian_log_prob


def build_scheduler(spec: dict[str, Any], schedule: NoiseSchedule | dict[str, Any], where: tuple = ("scheduler",)) -> NoiseScheduler:
    """The named scheduler (or the schedule's default) on a model's noise schedule; unknown names list the known ones.

    `schedule` is a model's `noise_schedule_spec` (a bare config dict is read as diffusers saves one)."""
    if isinstance(schedule, dict):
        schedule = NoiseSchedule.from_config(schedule)
    spec = checked(protocol_schema()["specs"]["scheduler"], spec, where)
    name = spec.get("name") or schedule.default_scheduler
    implementation, options = configured("scheduler", name, spec.get("options"), where + ("options",))
    kind = getattr(implementation, "schedule_kind", None)
    if kind is not None and kind != schedule.kind:
        raise ConfigInvalid([Issue(where + ("name",), (
            f"'{name}' steps {'flow matching' if kind == 'flow' else 'a diffusion noise schedule'}, but {schedule.describe()}; "
            f"use '{schedule.default_scheduler}', or leave scheduler.name out to get the model's own"))])
    predictions = getattr(implementation, "predictions", None)
    if predictions is not None and schedule.prediction_type not in predictions:
        raise ConfigInvalid([Issue(where + ("name",), (
            f"'{name}' understands the predictions {', '.join(predictions)}, but {schedule.owner} predicts "
            f"{schedule.prediction_type} ({schedule.class_name})"))])
    scheduler = implementation(schedule, steps=spec["steps"], eta=spec["eta"], options=options, where=where)
    schedule.notes.extend(note for note in scheduler.notes if note not in schedule.notes)
    return scheduler


__all__ = ["NoiseSchedule", "NoiseScheduler", "SchedulerStep", "build_scheduler", "gaussian_log_prob"]
