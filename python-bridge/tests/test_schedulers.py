from __future__ import annotations

import pytest

from vader_bridge.models.tiny_text_to_video import modelscope_noise_schedule
from vader_bridge.registry import UnknownNameError
from vader_bridge.schedulers import DenoisingSchedule, build_scheduler


def test_ddim_carries_steps_and_eta_on_the_model_schedule():
    schedule = build_scheduler({"name": "ddim", "steps": 10, "eta": 0.5}, modelscope_noise_schedule())
    assert isinstance(schedule, DenoisingSchedule)
    assert (schedule.steps, schedule.eta) == (10, 0.5)
    assert schedule.scheduler.config.beta_schedule == "scaled_linear"
    schedule.scheduler.set_timesteps(schedule.steps)
    assert len(schedule.scheduler.timesteps) == 10
    assert schedule.describe() == {"name": "ddim", "steps": 10, "eta": 0.5}


def test_eta_defaults_to_vaders_stochastic_ddim():
    assert build_scheduler({"name": "ddim", "steps": 5}, modelscope_noise_schedule()).eta == 1.0


def test_unknown_scheduler_lists_known_names():
    with pytest.raises(UnknownNameError, match="known schedulers: ddim"):
        build_scheduler({"name": "euler", "steps": 10}, modelscope_noise_schedule())


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ({"name": "ddim"}, "'steps'"),
        ({"name": "ddim", "steps": 0}, "from 1 to 1000"),
        ({"name": "ddim", "steps": 2.5}, "whole number"),
        ({"name": "ddim", "steps": 10, "eta": 2}, "'eta'"),
        ({"name": "ddim", "steps": 10, "etta": 1}, "etta"),
    ],
)
def test_bad_ddim_specs_name_the_field(spec, needle):
    with pytest.raises(ValueError, match=needle):
        build_scheduler(spec, modelscope_noise_schedule())
