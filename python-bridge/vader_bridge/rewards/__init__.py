"""Differentiable rewards on decoded frames, composed from JSON specs; none needs downloaded weights."""

from __future__ import annotations

from . import brightness, colorfulness, contrast, saturation, testing_exception  # noqa: F401  (register names)
from .build import RewardCache, build_reward
from .reward import NamedReward, PerFrameReward, Reward

__all__ = ["NamedReward", "PerFrameReward", "Reward", "RewardCache", "build_reward"]
