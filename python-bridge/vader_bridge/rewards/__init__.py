"""Differentiable rewards on decoded frames, composed from JSON specs; none needs downloaded weights."""

from __future__ import annotations

from . import brightness, colorfulness, contrast, saturation, testing_exception  # noqa: F401  (register names)
from .build import RewardSpecError, build_reward
from .options import RewardOptionError
from .reward import PerFrameReward, Reward

__all__ = ["PerFrameReward", "Reward", "RewardOptionError", "RewardSpecError", "build_reward"]
