"""A test-only scheduler, registered from outside vader_bridge: DDIM that ignores eta (always 0),
optionally on "trailing" timesteps.

Loaded with VADER_BRIDGE_PLUGINS=<this file>; used from TypeScript as
Scheduler.named("test-deterministic-ddim", {steps, options: {trailing: true}}).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from vader_bridge.registry import register
from vader_bridge.schedulers.ddim import DdimScheduler
from vader_bridge.schedulers.noise_schedule import NoiseSchedule


@register("scheduler", "test-deterministic-ddim")
class DeterministicDdimScheduler(DdimScheduler):
    name = "test-deterministic-ddim"
    config_schema = {
        "type": "object",
        "properties": {"trailing": {"type": "boolean", "default": False}},
        "additionalProperties": False,
    }

    @dataclass(frozen=True)
    class Config:
        trailing: bool

    def __init__(self, schedule: NoiseSchedule, *, steps: int, eta: float, options: Config, where: tuple = ("scheduler",)):
        if options.trailing:
            schedule = replace(schedule, config={**schedule.config, "timestep_spacing": "trailing"})
        super().__init__(schedule, steps=steps, eta=0.0, options=options, where=where)
