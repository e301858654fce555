"""The networks behind the digit world's rewards and its judge.

Rewards and judge are deliberately different networks, trained separately with different seeds:
the judge checks what the rewards claim.

- `DigitNet` (reward `digit`, and `removal`): one frame -> 10 digits + a "no digit" class. The
  extra class soaks up frames that are not a digit (borders, blobs, noise), so raising P(digit 7)
  needs an actual 7. Global max pooling: the digit may be anywhere on the canvas (average
  pooling diluted it: 54% held-out accuracy after 300 steps, against 96% with max pooling and
  GroupNorm).
- `MotionNet` (reward `motion`): a whole clip, its frames stacked as channels -> 4 directions + a
  "no motion" class.
- `JudgeNet` (evaluation only): a LeNet-style classifier with max pooling and fully connected
  layers: another architecture, no "no digit" class, no adversarial training.
An ensemble averages its members' probabilities.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

DIGIT_CLASSES = 11  # 0..9 and "no digit"
NO_DIGIT = 10
MOTION_CLASSES = 5  # left, right, up, down and "no motion"
NO_MOTION = 4


def grey(frames: torch.Tensor) -> torch.Tensor:
    """[..., 3, H, W] in [0, 1] -> [..., H, W]."""
    return frames.mean(dim=-3)


def _conv_block(inputs: int, outputs: int, stride: int) -> list[nn.Module]:
    return [nn.Conv2d(inputs, outputs, 3, padding=1, stride=stride), nn.GroupNorm(8, outputs), nn.ReLU()]


class DigitNet(nn.Module):
    def __init__(self, width: int = 32):
        super().__init__()
        self.features = nn.Sequential(
            *_conv_block(1, width, 1), *_conv_block(width, width, 2),
            *_conv_block(width, 2 * width, 1), *_conv_block(2 * width, 4 * width, 2),
        )
        self.head = nn.Linear(4 * width, DIGIT_CLASSES)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """images [N, H, W] in [0, 1] -> logits [N, 11]."""
        return self.head(self.features(images[:, None]).amax(dim=(2, 3)))


class MotionNet(nn.Module):
    def __init__(self, frames: int = 8, width: int = 32):
        super().__init__()
        self.features = nn.Sequential(
            *_conv_block(frames, 2 * width, 1), *_conv_block(2 * width, 2 * width, 2),
            *_conv_block(2 * width, 4 * width, 2),
        )
        self.head = nn.Linear(4 * width, MOTION_CLASSES)

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        """clips [N, F, H, W] in [0, 1] -> logits [N, 5]."""
        return self.head(self.features(clips).amax(dim=(2, 3)))


class JudgeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 5, padding=2)
        self.conv2 = nn.Conv2d(16, 32, 5, padding=2)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """images [N, H, W] in [0, 1] -> logits [N, 10]."""
        hidden = F.max_pool2d(F.relu(self.conv1(images[:, None])), 2)
        hidden = F.max_pool2d(F.relu(self.conv2(hidden)), 2)
        return self.fc2(F.relu(self.fc1(hidden.flatten(1))))


ARCHITECTURES = {"DigitNet": DigitNet, "MotionNet": MotionNet, "JudgeNet": JudgeNet}


class Ensemble(nn.Module):
    """Members of one architecture; forward returns the mean of their probabilities."""

    def __init__(self, members: list[nn.Module]):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return torch.stack([member(inputs).softmax(dim=-1) for member in self.members]).mean(dim=0)


def save_ensemble(ensemble: Ensemble, folder: Path | str, description: dict) -> None:
    """`model.safetensors` and `config.json` (architecture, member count, and `description`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    architecture = type(ensemble.members[0]).__name__
    save_file({key: value.contiguous() for key, value in ensemble.state_dict().items()}, folder / "model.safetensors")
    config = {"architecture": architecture, "members": len(ensemble.members), **description}
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")


def load_ensemble(folder: Path | str) -> tuple[Ensemble, dict]:
    """The frozen ensemble in `folder` (eval mode, no grad on its weights) and its config."""
    folder = Path(folder)
    config_path, weights_path = folder / "config.json", folder / "model.safetensors"
    if not config_path.is_file() or not weights_path.is_file():
        raise FileNotFoundError(f"{folder} has no config.json and model.safetensors; rebuild the world's "
                                "classifiers with `npm run world:rewards`")
    config = json.loads(config_path.read_text())
    architecture = ARCHITECTURES.get(config.get("architecture"))
    if architecture is None:
        raise ValueError(f"{config_path}: unknown architecture {config.get('architecture')!r} "
                         f"(known: {', '.join(ARCHITECTURES)})")
    ensemble = Ensemble([architecture() for _ in range(int(config["members"]))])
    ensemble.load_state_dict(load_file(weights_path))
    ensemble.eval().requires_grad_(False)
    return ensemble, config
