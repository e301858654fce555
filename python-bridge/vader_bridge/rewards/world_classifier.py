"""Shared by the digit world's rewards: a frozen classifier ensemble loaded from its weights
folder (`world/rewards/<name>/` unless the spec's `weights` names another), and the world
caption each prompt must be."""

from __future__ import annotations

from pathlib import Path

import torch

from ..world.classifiers import Ensemble, load_ensemble
from ..world.clips import parse_caption
from ..world.paths import reward_weights_folder
from .reward import NamedReward


class WorldClassifierReward(NamedReward):
    """A reward computed by one of the world's classifiers; its Config has `weights` (a folder, or
    None for `world/rewards/<classifier_name>/`). Built once per bridge, like every weighted reward."""

    classifier_name: str

    def __init__(self, config):
        super().__init__(config)
        self.folder = Path(config.weights or reward_weights_folder(self.classifier_name))
        self.classifier: Ensemble = load_ensemble(self.folder)[0]

    def weight_files(self) -> dict[str, Path]:
        return {"weights": self.folder}

    def place(self, device: torch.device) -> "WorldClassifierReward":
        self.classifier.to(device)
        return self


def prompted(prompts: list[str], reward_name: str) -> list[tuple[int, str]]:
    """(digit, direction) for each prompt; the error says which prompt is not a world caption."""
    wanted = []
    for index, prompt in enumerate(prompts):
        try:
            wanted.append(parse_caption(prompt))
        except ValueError as error:
            raise ValueError(f"the {reward_name!r} reward reads its target from the prompt; prompt {index}: {error}") from None
    return wanted


def probability_of(probabilities: torch.Tensor, classes: list[int]) -> torch.Tensor:
    """probabilities [B, ..., K] -> the probability of classes[b] for each b: [B, ...]."""
    index = torch.tensor(classes, device=probabilities.device)
    index = index.reshape(-1, *(1,) * (probabilities.dim() - 1)).expand(*probabilities.shape[:-1], 1)
    return probabilities.gather(-1, index).squeeze(-1)
