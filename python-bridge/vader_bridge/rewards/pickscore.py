"""PickScore (Kirstain et al. 2023, "Pick-a-Pic"): a CLIP ViT-H-14 fine-tuned on human preferences
between generated images. The score is logit_scale.exp() times the cosine similarity of the image
and prompt embeddings, as PickScore's README computes it (about 18-24 for ordinary images)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..registry import register
from .clip_embedding import ClipEmbedder, ImageInput, has_tokenizer, load_clip_model, load_tokenizer
from .frame_selection import FrameSelection
from .reward import PerFrameReward
from .weight_files import locate


@register("reward", "pickscore")
class PickScoreReward(PerFrameReward):
    name = "pickscore"

    @dataclass(frozen=True)
    class Config:
        model: str  # the fine-tuned transformers CLIPModel
        processor: str  # tokenizer and processor, when `model` has none
        frames: FrameSelection = field(default_factory=FrameSelection)

    def __init__(self, config: Config):
        super().__init__(config)
        self.model_path = locate(config.model, reward=self.name, option="model")
        self.processor_path: Path | None = None
        if has_tokenizer(self.model_path):
            tokenizer = load_tokenizer(self.model_path)
        else:
            self.processor_path = locate(config.processor, reward=self.name, option="processor")
            tokenizer = load_tokenizer(self.processor_path)
        model = load_clip_model(self.model_path)
        folders = [self.model_path] + ([self.processor_path] if self.processor_path is not None else [])
        image_input = ImageInput.read(folders, image_size=model.config.vision_config.image_size)
        self.embedder = ClipEmbedder(model, tokenizer, image_input)

    def weight_files(self) -> dict[str, Path]:
        # `processor` gives at most the tokenizer and image processor, no weights.
        return {"model": self.model_path}

    def place(self, device: torch.device) -> "PickScoreReward":
        self.embedder.place(device)
        return self

    def score_images(self, images: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        return self.embedder.model.logit_scale.exp().to(images.device) * self.embedder.cosine(images, prompts)
