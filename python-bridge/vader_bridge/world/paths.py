"""Where the digit world's committed weights live: `world/` at the top of the repository
(`base/` the pretrained model, `rewards/<name>/` the reward classifiers, `judge/` the judge),
or the folder named by VADER_WORLD_DIR."""

from __future__ import annotations

import os
from pathlib import Path


def world_folder() -> Path:
    override = os.environ.get("VADER_WORLD_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[3] / "world"


def base_model_folder() -> Path:
    return world_folder() / "base"


def reward_weights_folder(name: str) -> Path:
    return world_folder() / "rewards" / name


def judge_folder() -> Path:
    return world_folder() / "judge" / "digit"
