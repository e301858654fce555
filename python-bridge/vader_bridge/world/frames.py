"""Decoded video frames as the world's classifiers see them."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .classifiers import grey
from .clips import CANVAS


def classifier_input(frames: torch.Tensor) -> torch.Tensor:
    """frames [B, F, 3, H, W] in [0, 1] -> grey [B, F, 32, 32], differentiably resized when the
    model draws at another resolution."""
    pixels = grey(frames)
    if pixels.shape[-2:] != (CANVAS, CANVAS):
        batch, count = pixels.shape[:2]
        pixels = F.interpolate(pixels.flatten(0, 1)[:, None], size=(CANVAS, CANVAS), mode="bilinear",
                               antialias=True, align_corners=False)[:, 0].reshape(batch, count, CANVAS, CANVAS)
    return pixels
