"""Aesthetic v2.5 (discus0434/aesthetic-predictor-v2-5): the pooled output of a SigLIP so400m-patch14-384
vision tower, L2-normalised, through the predictor's linear head (hidden size-1024-128-64-16-1,
dropouts between, no activations). Scores run about 1-10; its authors call 5.5 and above great.
Unlike v2 it was trained to judge illustrations and other domains beside photographs. The prompt
is not read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from ..registry import register
from .clip_embedding import ImageInput, load_head, unit
from .transformers_rewards import freeze, place_module
from .frame_selection import FrameSelection
from .pixels import HALF_MEAN, HALF_STD
from .reward import PerFrameReward
from .weight_files import locate


class AestheticV25Head(nn.Module):
    """The predictor's head, laid out as the original (state dict keys scoring_head.0/2/4/6/8)."""

    def __init__(self, width: int = 1152):
        super().__init__()
        self.scoring_head = nn.Sequential(
            nn.Linear(width, 1024), nn.Dropout(0.5),
            nn.Linear(1024, 128), nn.Dropout(0.5),
            nn.Linear(128, 64), nn.Dropout(0.5),
            nn.Linear(64, 16), nn.Dropout(0.2),
            nn.Linear(16, 1),
        )

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        return self.scoring_head(embeddings)


def load_siglip_vision(folder: Path) -> nn.Module:
    """The vision tower of a SigLIP folder (a whole SiglipModel or a SiglipVisionModel), frozen, float32."""
    from transformers import SiglipVisionModel
    from transformers.utils import logging

    # A whole SigLIP folder also holds the text tower, whose weights this model leaves unused on
    # purpose: keep transformers from printing each of them as unexpected.
    verbosity = logging.get_verbosity()
    logging.set_verbosity_error()
    try:
        model = SiglipVisionModel.from_pretrained(str(folder), local_files_only=True, dtype=torch.float32)
    finally:
        logging.set_verbosity(verbosity)
    return freeze(model)


@register("reward", "aesthetic-v2.5")
class AestheticV25Reward(PerFrameReward):
    name = "aesthetic-v2.5"

    @dataclass(frozen=True)
    class Config:
        head: str  # the predictor's aesthetic_predictor_v2_5.pth (or safetensors)
        siglip: str  # a transformers SigLIP folder
        frames: FrameSelection = field(default_factory=FrameSelection)

    def __init__(self, config: Config):
        super().__init__(config)
        self.siglip_path = locate(config.siglip, reward=self.name, option="siglip")
        self.head_path = locate(config.head, reward=self.name, option="head",
                                fetch_hint="`curl -LO https://github.com/discus0434/aesthetic-predictor-v2-5/raw/main/models/aesthetic_predictor_v2_5.pth`")
        self.vision = load_siglip_vision(self.siglip_path)
        vision_config = self.vision.config
        # SigLIP's processor resizes straight to the square input (no crop) and maps [0, 1] to [-1, 1].
        self.image_input = ImageInput.read([self.siglip_path], image_size=vision_config.image_size, square=True,
                                           mean=HALF_MEAN, std=HALF_STD)
        width = vision_config.hidden_size
        self.head = load_head(AestheticV25Head(width), self.head_path, reward=self.name, width=width,
                              width_source=f"the SigLIP vision tower at {self.siglip_path} (hidden_size)")

    def weight_files(self) -> dict[str, Path]:
        return {"siglip": self.siglip_path, "head": self.head_path}

    def place(self, device: torch.device) -> "AestheticV25Reward":
        place_module(self.vision, device)
        place_module(self.head, device)
        return self

    def score_images(self, images: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        weight = self.head.scoring_head[0].weight
        pixels = self.image_input(images.to(device=weight.device, dtype=weight.dtype))
        pooled = self.vision(pixel_values=pixels).pooler_output
        return self.head(unit(pooled)).squeeze(-1).to(images.device)
