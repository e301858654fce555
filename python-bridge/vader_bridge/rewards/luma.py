"""Rec. 601 luma: the brightness that image rewards here agree on."""

from __future__ import annotations

import torch

REC601_WEIGHTS = (0.299, 0.587, 0.114)


def luma(images: torch.Tensor) -> torch.Tensor:
    """images [N, 3, H, W] in [0, 1] -> luma [N, H, W] in [0, 1]."""
    weights = images.new_tensor(REC601_WEIGHTS).view(1, 3, 1, 1)
    return (images * weights).sum(dim=1)
