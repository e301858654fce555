"""Aesthetic: the LAION aesthetic predictor v2 (christophschuhmann/improved-aesthetic-predictor), the
reward of the VADER paper's Table 1. A CLIP ViT-L/14 image embedding, L2-normalised, goes through
the predictor's linear MLP 768-1024-128-64-16-1 (dropouts between, no activations); the score is
its output, about 1-10 (the paper's base model scores 4.5-4.6). The prompt is not read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from ..registry import register
from .clip_embedding import ClipEmbedder, ImageInput, load_clip_model, load_head
from .transformers_rewards import place_module
from .frame_selection import FrameSelection
from .reward import PerFrameReward
from .weight_files import locate


class AestheticMlp(nn.Module):
    """The predictor's head, laid out as the original (state dict keys layers.0/2/4/6/7)."""

    def __init__(self, width: int = 768):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(width, 1024), nn.Dropout(0.2),
            nn.Linear(1024, 128), nn.Dropout(0.2),
            nn.Linear(128, 64), nn.Dropout(0.1),
            nn.Linear(64, 16),
            nn.Linear(16, 1),
        )

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        return self.layers(embeddings)


@register("reward", "aesthetic")
class AestheticReward(PerFrameReward):
    name = "aesthetic"

    @dataclass(frozen=True)
    class Config:
        clip: str  # a transformers CLIPModel (ViT-L/14)
        head: str  # the MLP's state dict (layers.0/2/4/6/7)
        frames: FrameSelection = field(default_factory=FrameSelection)

    def __init__(self, config: Config):
        super().__init__(config)
        self.clip_path = locate(config.clip, reward=self.name, option="clip")
        self.head_path = locate(config.head, reward=self.name, option="head")
        model = load_clip_model(self.clip_path)
        image_size = model.config.vision_config.image_size
        # The prompt is never read, so the embedder needs no tokenizer.
        self.embedder = ClipEmbedder(model, None, ImageInput.read([self.clip_path], image_size=image_size))
        width = model.config.projection_dim
        self.head = load_head(AestheticMlp(width), self.head_path, reward=self.name, width=width,
                              width_source=f"the CLIP model at {self.clip_path} (projection_dim)")

    def weight_files(self) -> dict[str, Path]:
        return {"clip": self.clip_path, "head": self.head_path}

    def place(self, device: torch.device) -> "AestheticReward":
        self.embedder.place(device)
        place_module(self.head, device)
        return self

    def score_images(self, images: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        embeddings = self.embedder.image_embeddings(images)
        return self.head(embeddings).squeeze(-1).to(images.device)
