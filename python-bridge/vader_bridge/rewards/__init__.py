"""Differentiable rewards on decoded frames, composed from JSON specs; none needs downloaded weights
(the digit world's classifiers are committed in world/rewards/)."""

from __future__ import annotations

from . import brightness, colorfulness, contrast, digit, motion, removal, saturation, testing_exception  # noqa: F401  (register names)
from .build import RewardCache, build_reward
from .reward import NamedReward, PerFrameReward, Reward

__all__ = ["NamedReward", "PerFrameReward", "Reward", "RewardCache", "build_reward"]
