"""Validation against the zod-generated schema: defaults, messages that read like zod's, typed configs."""

from __future__ import annotations

import pytest

from vader_bridge.configs import built_in_config_schema, checked, from_wire, method_params_schema, to_wire
from vader_bridge.protocol import ConfigInvalid, Issue
from vader_bridge.trainers import VaderTrainer


def test_defaults_are_filled_from_the_schema_down_nested_unions():
    schema = built_in_config_schema("trainer", "vader")
    filled = checked(schema, {"decodeFrames": {"mode": "random"}, "scheduler": {"name": "ddim"}})
    assert filled["decodeFrames"] == {"mode": "random", "count": 1}
    assert filled["scheduler"] == {"name": "ddim", "steps": 25, "eta": 1}
    assert filled["lr"] == 2e-4 and filled["truncation"] == {"mode": "last", "k": 1, "stopInputGradient": False} and filled["adapter"] == "default"
    assert checked(schema, {"decodeFrames": {"mode": "all"}})["decodeFrames"] == {"mode": "all"}


def test_every_problem_is_reported_at_once_with_its_path():
    with pytest.raises(ConfigInvalid) as raised:
        checked(built_in_config_schema("trainer", "vader"), {"lr": 5, "batchSize": 0, "lora": {"rank": 2.5}}, ("config",))
    assert [issue.describe() for issue in raised.value.issues] == [
        "config.batchSize must be at least 1 (got 0)",
        "config.lora.rank must be a whole number (got 2.5)",
        "config.lr must be at most 1 (got 5)",
    ]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True])
def test_numbers_are_finite_json_numbers(value):
    with pytest.raises(ConfigInvalid, match="lr must be a finite number"):
        checked(built_in_config_schema("trainer", "vader"), {"lr": value})


def test_params_with_tensors_are_not_copied():
    video = object()  # stands for a torch tensor: leaves are shared, never deep-copied
    params = checked(method_params_schema("video.write"), {"video": video, "path": "x.gif"})
    assert params["video"] is video and params["fps"] == 8


def test_typed_configs_round_trip_between_wire_and_python_names():
    config = from_wire(VaderTrainer.Config, checked(built_in_config_schema("trainer", "vader"), {"gradAccumulation": 2}))
    assert config.grad_accumulation == 2 and config.lora.target_modules == ["to_q", "to_k", "to_v", "to_out.0"]
    assert config.lora.alpha is None and config.decode_frames is None  # left to the trainer: what the reward needs
    wire = to_wire(config)
    assert wire["gradAccumulation"] == 2 and "alpha" not in wire["lora"] and "decodeFrames" not in wire


def test_issue_text_reads_like_zods():
    assert Issue(("truncation", "k"), "must be at least 1").describe() == "truncation.k must be at least 1"
    assert Issue((), "boom").describe() == "(root): boom"

