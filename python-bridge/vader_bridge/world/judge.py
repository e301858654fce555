"""The judge: an independent check of generated clips, never a training signal.

- Digit: the JudgeNet classifier (another architecture and seed than the rewards, no "no digit"
  class, no adversarial training): a frame counts when its top class is the prompted digit.
- Direction: built, not trained: the least-squares slope of the brightness centroid over the
  frames, on its dominant axis; a clip counts when that is the prompted direction and the digit
  moves at least half a pixel a frame.
A reward that rises while the judge does not is being hacked.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .classifiers import load_ensemble
from .clips import parse_caption
from .frames import classifier_input
from .paths import judge_folder

MIN_SPEED = 0.5  # pixels per frame


@dataclass(frozen=True)
class JudgeReport:
    digit_hits: torch.Tensor  # [B] fraction of frames showing the prompted digit
    direction_hits: torch.Tensor  # [B] 1.0 where the clip moves the prompted way
    directions: list[str]  # [B] the direction the judge saw ("still" when too slow)

    @property
    def digit_accuracy(self) -> float:
        return float(self.digit_hits.mean())

    @property
    def direction_accuracy(self) -> float:
        return float(self.direction_hits.mean())


def centroid_direction(pixels: torch.Tensor) -> list[str]:
    """pixels [B, F, H, W] in [0, 1] -> the direction each clip's brightness centroid moves."""
    batch, frames, height, width = pixels.shape
    weights = (pixels - pixels.flatten(2).median(dim=2).values[..., None, None]).clamp(min=0) + 1e-6
    total = weights.sum(dim=(2, 3))
    ys = (weights * torch.arange(height, dtype=pixels.dtype)[:, None]).sum(dim=(2, 3)) / total
    xs = (weights * torch.arange(width, dtype=pixels.dtype)[None, :]).sum(dim=(2, 3)) / total
    time = torch.arange(frames, dtype=pixels.dtype) - (frames - 1) / 2
    slope_x = (xs * time).sum(dim=1) / (time**2).sum()
    slope_y = (ys * time).sum(dim=1) / (time**2).sum()
    seen = []
    for dx, dy in zip(slope_x.tolist(), slope_y.tolist()):
        if max(abs(dx), abs(dy)) < MIN_SPEED:
            seen.append("still")
        elif abs(dx) >= abs(dy):
            seen.append("right" if dx > 0 else "left")
        else:
            seen.append("down" if dy > 0 else "up")
    return seen


class Judge:
    def __init__(self, folder=None):
        self.classifier, self.config = load_ensemble(folder or judge_folder())

    @torch.no_grad()
    def __call__(self, frames: torch.Tensor, prompts: list[str]) -> JudgeReport:
        """frames [B, F, 3, H, W] in [0, 1] (or uint8 [B, F, H, W, 3]) and one world caption per video."""
        if frames.dtype == torch.uint8:
            frames = frames.permute(0, 1, 4, 2, 3).float() / 255
        frames = frames.detach().float().cpu()
        wanted = [parse_caption(prompt) for prompt in prompts]
        pixels = classifier_input(frames)
        predicted = self.classifier(pixels.flatten(0, 1)).argmax(dim=-1).reshape(pixels.shape[:2])
        digits = torch.tensor([digit for digit, _ in wanted])
        digit_hits = (predicted == digits[:, None]).float().mean(dim=1)
        directions = centroid_direction(pixels)
        direction_hits = torch.tensor([float(seen == way) for seen, (_, way) in zip(directions, wanted)])
        return JudgeReport(digit_hits, direction_hits, directions)
