"""A test-only reward, registered from outside vader_bridge: the mean red channel, times `weight`.

Loaded with VADER_BRIDGE_PLUGINS=<this file>; used from TypeScript as Reward.named("test-redness").
A plugin has no zod schema, so it declares its options' JSON Schema itself (`config_schema`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from vader_bridge.registry import register
from vader_bridge.rewards import PerFrameReward


@register("reward", "test-redness")
class RednessReward(PerFrameReward):
    name = "test-redness"
    config_schema = {
        "type": "object",
        "properties": {"weight": {"type": "number", "minimum": 0, "maximum": 10, "default": 1}},
        "additionalProperties": False,
    }

    @dataclass(frozen=True)
    class Config:
        weight: float

    def score_images(self, images: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        return self.config.weight * images[:, 0].mean(dim=(1, 2))
