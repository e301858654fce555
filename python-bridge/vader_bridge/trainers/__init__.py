"""Fine-tuning algorithms, registered by name (("trainer", "vader"), ("trainer", "ddpo"), ...), and how one is created."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from ..models.contract import VideoModel
from ..registry import configured
from ..rewards import Reward
from .ddpo import DdpoTrainer  # importing an algorithm's module registers it
from .dpo import DpoTrainer
from .grpo import GrpoTrainer
from .trainer import StepOutcome, Trainer
from .vader import VaderTrainer

# Every module of this package registers its algorithm when imported: a new trainer's file needs no line here.
for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")


def create_trainer(algorithm: str, model: VideoModel, reward: Reward, config: Any, where: tuple = ("config",)) -> Trainer:
    implementation, typed = configured("trainer", algorithm, config, where)
    return implementation(model, reward, typed)


__all__ = ["DdpoTrainer", "DpoTrainer", "GrpoTrainer", "StepOutcome", "Trainer", "VaderTrainer", "create_trainer"]
