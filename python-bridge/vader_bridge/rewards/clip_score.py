"""CLIP score: the cosine similarity between a frame's image embedding and its prompt's text
embedding under any transformers CLIP model (text-video alignment; about 0.2-0.35 for matching
pairs with OpenAI's ViT-L/14). Unscaled: multiply by 100 (a scaled reward) for the CLIPScore
convention of Hessel et al. 2021, which also clips at zero."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..registry import register
from .clip_embedding import ClipEmbedder, ImageInput, load_clip_model, load_tokenizer
from .frame_selection import FrameSelection
from .reward import PerFrameReward
from .weight_files import locate


@register("reward", "clip-score")
class ClipScoreReward(PerFrameReward):
    name = "clip-score"

    @dataclass(frozen=True)
    class Config:
        model: str  # a transformers CLIP folder with its tokenizer
        frames: FrameSelection = field(default_factory=FrameSelection)

    def __init__(self, config: Config):
        super().__init__(config)
        self.model_path = locate(config.model, reward=self.name, option="model")
        model = load_clip_model(self.model_path)
        image_input = ImageInput.read([self.model_path], image_size=model.config.vision_config.image_size)
        self.embedder = ClipEmbedder(model, load_tokenizer(self.model_path), image_input)

    def weight_files(self) -> dict[str, Path]:
        return {"model": self.model_path}

    def place(self, device: torch.device) -> "ClipScoreReward":
        self.embedder.place(device)
        return self

    def score_images(self, images: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        return self.embedder.cosine(images, prompts)
