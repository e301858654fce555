"""The pieces that the embedding rewards (aesthetic, aesthetic-v2.5, hpsv2, pickscore, clip-score)
share: how a model's image processor prepares pixels, read from its preprocessor_config.json and
done in torch (so the gradient reaches the frames); loading a frozen transformers CLIPModel and its
tokenizer from local files; and a CLIP embedder that keeps the graph from image embeddings to the
pixels while prompt embeddings, which depend on no pixel, are computed once and cached.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import torch
from torch import nn

from .pixels import CLIP_MEAN, CLIP_STD, center_crop, normalize, resize, resize_shorter_side
from .transformers_rewards import freeze, module_device, place_module
from .weight_files import load_state_dict

PROCESSOR_FILE = "preprocessor_config.json"
TOKENIZER_FILES = ("tokenizer.json", "vocab.json", "tokenizer_config.json")
PROMPT_CACHE_LIMIT = 4096  # prompts kept per embedder; the cache is emptied when it grows past this


@dataclass(frozen=True)
class ImageInput:
    """How an image processor turns frames into a model's pixels: a resize (of the shorter side to
    `shortest_edge`, or to exactly `height` x `width`), an optional centre crop, and a normalisation."""

    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    shortest_edge: int | None = None
    height: int | None = None
    width: int | None = None
    crop: tuple[int, int] | None = None

    @classmethod
    def read(cls, folders: Iterable[Path], *, image_size: int, square: bool = False,
             mean: tuple[float, ...] = CLIP_MEAN, std: tuple[float, ...] = CLIP_STD) -> "ImageInput":
        """The processor config of the first of `folders` that has one; without any, the defaults
        given: CLIP's (shorter side to `image_size`, centre crop) or, with `square`, a plain resize."""
        for folder in folders:
            file = Path(folder) / PROCESSOR_FILE
            if Path(folder).is_dir() and file.exists():
                return cls.from_processor_config(json.loads(file.read_text(encoding="utf-8")), image_size=image_size,
                                                 mean=mean, std=std)
        if square:
            return cls(mean=tuple(mean), std=tuple(std), height=image_size, width=image_size)
        return cls(mean=tuple(mean), std=tuple(std), shortest_edge=image_size, crop=(image_size, image_size))

    @classmethod
    def from_processor_config(cls, config: dict[str, Any], *, image_size: int, mean: tuple[float, ...],
                              std: tuple[float, ...]) -> "ImageInput":
        size = config.get("size", image_size)
        values = dict(mean=tuple(config.get("image_mean", mean)), std=tuple(config.get("image_std", std)))
        if isinstance(size, int):
            values["shortest_edge"] = size
        elif "shortest_edge" in size:
            values["shortest_edge"] = int(size["shortest_edge"])
        else:
            values["height"], values["width"] = int(size["height"]), int(size["width"])
        if config.get("do_center_crop", "crop_size" in config):  # CLIP's processor crops unless told not to
            crop = config.get("crop_size", image_size)
            values["crop"] = (crop, crop) if isinstance(crop, int) else (int(crop["height"]), int(crop["width"]))
        return cls(**values)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        """images [..., 3, H, W] in [0, 1] -> the model's normalised pixels, differentiably."""
        if self.shortest_edge is not None:
            images = resize_shorter_side(images, self.shortest_edge)
        else:
            images = resize(images, self.height, self.width)
        if self.crop is not None:
            images = center_crop(images, *self.crop)
        return normalize(images, self.mean, self.std)


def without_weight_init():
    """A context in which transformers models skip their random initialisation (weights that a
    state dict overwrites at once); a plain context where this transformers version has no such switch."""
    try:
        from transformers.initialization import no_init_weights
    except ImportError:  # pragma: no cover - other transformers versions
        return nullcontext()
    return no_init_weights()


def load_head(module: nn.Module, path: Path, *, reward: str, width: int, width_source: str) -> nn.Module:
    """A scoring head `module` (built as the original lays it out) with the state dict at `path`, frozen;
    or an error that names the file, the width the head must take and where that width comes from."""
    try:
        module.load_state_dict(load_state_dict(path))
    except RuntimeError as error:
        raise ValueError(f"reward {reward!r} option 'head': {path} does not fit the predictor's head, which takes "
                         f"{width}-wide embeddings from {width_source}: {error}") from None
    return freeze(module.float())


def has_tokenizer(folder: Path) -> bool:
    return Path(folder).is_dir() and any((Path(folder) / name).exists() for name in TOKENIZER_FILES)


def load_tokenizer(folder: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder), local_files_only=True)


def load_clip_model(folder: Path) -> nn.Module:
    """A frozen float32 transformers CLIPModel saved with `save_pretrained` (or a hub snapshot)."""
    from transformers import CLIPModel

    return freeze(CLIPModel.from_pretrained(str(folder), local_files_only=True, dtype=torch.float32))


def unit(vectors: torch.Tensor) -> torch.Tensor:
    return vectors / vectors.norm(dim=-1, keepdim=True)


class ClipEmbedder:
    """A frozen CLIPModel with its tokenizer and image processor: unit image embeddings (with the
    graph to the pixels) and unit prompt embeddings (constants, cached per prompt string)."""

    def __init__(self, model: nn.Module, tokenizer: Any, image_input: ImageInput):
        self.model, self.tokenizer, self.image_input = freeze(model), tokenizer, image_input
        text_config = model.config.text_config
        self.max_length = min(int(getattr(tokenizer, "model_max_length", text_config.max_position_embeddings)),
                              int(text_config.max_position_embeddings))
        self._prompts: dict[str, torch.Tensor] = {}

    @property
    def device(self) -> torch.device:
        return module_device(self.model)

    def place(self, device: torch.device) -> None:
        if place_module(self.model, device):
            self._prompts.clear()

    def image_features(self, images: torch.Tensor) -> torch.Tensor:
        """images [N, 3, H, W] in [0, 1] -> projected image features [N, D], not normalised
        (what CLIPModel.get_image_features gives)."""
        dtype = self.model.visual_projection.weight.dtype
        pixels = self.image_input(images.to(device=self.device, dtype=dtype))
        pooled = self.model.vision_model(pixel_values=pixels).pooler_output
        return self.model.visual_projection(pooled)

    def image_embeddings(self, images: torch.Tensor) -> torch.Tensor:
        return unit(self.image_features(images))

    def text_features(self, prompts: list[str]) -> torch.Tensor:
        """Projected prompt features [N, D], not normalised (CLIPModel.get_text_features)."""
        tokens = self.tokenizer(list(prompts), padding=True, truncation=True, max_length=self.max_length,
                                return_tensors="pt")
        output = self.model.text_model(input_ids=tokens["input_ids"].to(self.device),
                                       attention_mask=tokens["attention_mask"].to(self.device))
        return self.model.text_projection(output.pooler_output)

    def cosine(self, images: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        """The cosine similarity of each image with its prompt [N], on the images' device."""
        return (self.image_embeddings(images) * self.text_embeddings(prompts)).sum(dim=-1).to(images.device)

    def text_embeddings(self, prompts: list[str]) -> torch.Tensor:
        """Unit prompt embeddings [N, D]; each distinct prompt is embedded once and then cached."""
        missing = list(dict.fromkeys(prompt for prompt in prompts if prompt not in self._prompts))
        if missing and len(self._prompts) + len(missing) > PROMPT_CACHE_LIMIT:
            self._prompts.clear()
            missing = list(dict.fromkeys(prompts))
        if missing:
            with torch.no_grad():
                embedded = unit(self.text_features(missing))
            self._prompts.update(zip(missing, embedded))
        return torch.stack([self._prompts[prompt] for prompt in prompts])
