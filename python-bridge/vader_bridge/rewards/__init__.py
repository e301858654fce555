"""Differentiable rewards on decoded frames, composed from JSON specs. The digit world's classifiers
are committed in world/rewards/; the paper's rewards load their original weight files from a local
path or the local Hugging Face cache (weight_files.py), never the network."""

from __future__ import annotations

from . import action, aesthetic, aesthetic_v2_5, brightness, clip_score, colorfulness, contrast, digit, hpsv2, motion, object_removal, pickscore, python_function, removal, saturation, temporal_consistency, testing_exception  # noqa: F401  (register names)
from .build import RewardCache, build_reward
from .reward import NamedReward, PerFrameReward, Reward, term_labels

__all__ = ["NamedReward", "PerFrameReward", "Reward", "RewardCache", "build_reward", "term_labels"]
