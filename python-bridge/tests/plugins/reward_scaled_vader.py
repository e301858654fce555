"""A test-only trainer, registered from outside vader_bridge: VADER whose reward is multiplied by
`rewardScale` before backpropagation, reporting the scale in its step details.

Loaded with VADER_BRIDGE_PLUGINS=<this file>; used from TypeScript as
Trainer.plugin("test-reward-scaled-vader", {...}). A plugin has no zod schema, so it declares its
options' JSON Schema itself (`config_schema`): here VADER's own, plus one field.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch

from vader_bridge.configs import built_in_config_schema
from vader_bridge.registry import register
from vader_bridge.trainers import StepOutcome, VaderTrainer


def _schema() -> dict:
    schema = copy.deepcopy(built_in_config_schema("trainer", "vader"))
    schema["properties"]["rewardScale"] = {"type": "number", "exclusiveMinimum": 0, "maximum": 100, "default": 1}
    return schema


@register("trainer", "test-reward-scaled-vader")
class RewardScaledVader(VaderTrainer):
    algorithm = "test-reward-scaled-vader"
    config_schema = _schema()

    @dataclass(frozen=True)
    class Config(VaderTrainer.Config):
        reward_scale: float

    def score(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        return self.config.reward_scale * super().score(frames, prompts)

    def train_step(self, prompts: list[str]) -> StepOutcome:
        outcome = super().train_step(prompts)
        outcome.details["rewardScale"] = self.config.reward_scale
        return outcome
