"""Temporal consistency (the VADER paper's V-JEPA reward): minus V-JEPA 2's masked feature-prediction
loss on the generated clip. A clip whose hidden parts the model can predict from the rest is
consistent across space and time; one that deforms or flickers is not. No public trainer ships this
reward; what it computes, exactly:

  1. Pixels: the clip [B, F, 3, H, W] in [0, 1] is resampled to the model's `frames_per_clip` frames
     (evenly spread; repeated when the clip is shorter), each frame's shorter side resized to
     `crop_size` (bicubic, antialiased) and the centre cropped to crop_size x crop_size (a square
     frame is seen whole), then normalised with ImageNet's mean and std (V-JEPA 2's video processor;
     a video_preprocessor_config.json or preprocessor_config.json in the model folder overrides them).
  2. Tokens: the encoder's 3D patch embedding cuts the clip into T x Hp x Wp tubelets (T =
     frames_per_clip / tubelet_size, Hp = Wp = crop_size / patch_size), in time-major order.
  3. Mask: a `maskRatio` share of the Hp x Wp spatial cells, rounded to whole cells (at least one,
     at most all but one), is the target; each target cell is a tube spanning all T time steps, as in
     V-JEPA's multi-block masks (a region hidden in every frame cannot be copied from a neighbouring
     frame). The cells are a union of contiguous rectangular blocks of about 15% of the grid each
     (V-JEPA's short-range block size; aspect ratio drawn from [0.75, 1.5]) at random places, the last
     block cut short so the count is exact; if blocks stop finding free cells (many tries), the rest
     are random single-cell tubes. A spatial grid of one cell falls back to masking whole time steps.
     The mask is drawn once, from a torch generator seeded with `seed`, and is the same for every
     video and every call: a video's score is deterministic.
  4. Context: the encoder (the same frozen weights; V-JEPA trains it as the context encoder) sees only
     the context tokens, with their own space-time positions (RoPE), as in V-JEPA's training; its
     final layer norm applies.
  5. Prediction: the predictor takes the context features and predicts the features of the target
     tokens (its mask token index 1, as transformers' VJEPA2Model uses).
  6. Targets: the encoder's features of the full, unmasked clip, layer-normed over the feature
     dimension without affine parameters (`F.layer_norm(h, (D,))`, as V-JEPA's target encoder output
     is), taken at the target tokens and DETACHED: the gradient flows only through the context branch
     and the predictor, never through the targets (V-JEPA's target encoder gets no gradient either).
  7. Loss: L1, the mean of |prediction - target| over target tokens and feature dimensions, per video
     (V-JEPA's loss with exponent 1). The reward is minus that loss: at most 0, higher is better.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from ..registry import register
from .pixels import IMAGENET_MEAN, IMAGENET_STD, model_pixels, resample_frames
from .reward import NamedReward
from .transformers_rewards import at_least_float32, freeze, place_module, read_processor_settings
from .weight_files import locate

BLOCK_SHARE = 0.15  # each block covers about this share of the spatial grid (V-JEPA's short-range masks)
BLOCK_ASPECT = (0.75, 1.5)
BLOCK_TRIES = 1000  # blocks drawn before the remaining target cells are picked one by one


def target_cells(height: int, width: int, ratio: float, generator: torch.Generator) -> torch.Tensor:
    """A [height, width] bool mask of round(ratio * cells) target cells (at least 1, at most cells - 1):
    a union of random contiguous blocks, the last one cut short (module doc, step 3)."""
    cells = height * width
    wanted = min(max(round(ratio * cells), 1), cells - 1)
    mask = torch.zeros(height, width, dtype=torch.bool)
    area = max(1.0, BLOCK_SHARE * cells)
    for _ in range(BLOCK_TRIES):
        remaining = wanted - int(mask.sum())
        if remaining == 0:
            return mask
        low, high = BLOCK_ASPECT
        aspect = low + (high - low) * float(torch.rand((), generator=generator))
        block_height = min(height, max(1, round(math.sqrt(area * aspect))))
        block_width = min(width, max(1, round(math.sqrt(area / aspect))))
        top = int(torch.randint(height - block_height + 1, (), generator=generator))
        left = int(torch.randint(width - block_width + 1, (), generator=generator))
        block = torch.zeros_like(mask)
        block[top:top + block_height, left:left + block_width] = True
        fresh = (block & ~mask).flatten().nonzero().squeeze(1)[:remaining]
        mask.view(-1)[fresh] = True
    free = (~mask).flatten().nonzero().squeeze(1)
    chosen = free[torch.randperm(len(free), generator=generator)[: wanted - int(mask.sum())]]
    mask.view(-1)[chosen] = True
    return mask


def token_masks(steps: int, height: int, width: int, ratio: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(context, target): the sorted indices of the T*Hp*Wp tokens (time-major) each side of the mask."""
    generator = torch.Generator().manual_seed(seed)
    if height * width >= 2:
        hidden = target_cells(height, width, ratio, generator).flatten().repeat(steps)
    elif steps >= 2:
        wanted = min(max(round(ratio * steps), 1), steps - 1)
        hidden = torch.zeros(steps, dtype=torch.bool)
        hidden[torch.randperm(steps, generator=generator)[:wanted]] = True
    else:
        raise ValueError("the 'temporal-consistency' reward needs at least two tokens to mask some and keep the rest; "
                         "the model's crop_size, patch_size, frames_per_clip and tubelet_size give one")
    return (~hidden).nonzero().squeeze(1), hidden.nonzero().squeeze(1)


@register("reward", "temporal-consistency")
class TemporalConsistencyReward(NamedReward):
    name = "temporal-consistency"
    whole_clip = True  # any number of frames: resampled to the model's frames_per_clip

    @dataclass(frozen=True)
    class Config:
        """TemporalConsistencyOptions in src/specs/reward-options.ts."""

        model: str = "facebook/vjepa2-vitl-fpc64-256"  # a VJEPA2Model folder (encoder and predictor) or cached hub id
        mask_ratio: float = 0.5  # the share of space-time tokens the predictor must predict
        seed: int = 0  # seeds the mask, the same on every call

    def __init__(self, config: Config):
        super().__init__(config)
        from transformers import VJEPA2Model

        self.model_path = locate(config.model, reward=self.name, option="model")
        self.model = freeze(VJEPA2Model.from_pretrained(str(self.model_path), local_files_only=True))
        model_config = self.model.config
        patch = model_config.patch_size if isinstance(model_config.patch_size, int) else model_config.patch_size[0]
        self.frames_per_clip, self.crop_size = int(model_config.frames_per_clip), int(model_config.crop_size)
        self.grid = (max(1, self.frames_per_clip // model_config.tubelet_size), self.crop_size // patch, self.crop_size // patch)
        settings = read_processor_settings(self.model_path, ("video_preprocessor_config.json", "preprocessor_config.json"))
        self.mean = tuple(settings.get("image_mean", IMAGENET_MEAN))
        self.std = tuple(settings.get("image_std", IMAGENET_STD))
        self.context_index, self.target_index = token_masks(*self.grid, config.mask_ratio, config.seed)

    def weight_files(self) -> dict[str, Path]:
        return {"model": self.model_path}

    def place(self, device: torch.device) -> "TemporalConsistencyReward":
        place_module(self.model, device)
        return self

    def pixel_values(self, frames: torch.Tensor) -> torch.Tensor:
        """frames [B, F, 3, H, W] in [0, 1] -> the model's input [B, frames_per_clip, 3, crop, crop]."""
        return model_pixels(resample_frames(frames, self.frames_per_clip), self.crop_size, self.mean, self.std)

    def targets(self, pixels: torch.Tensor) -> torch.Tensor:
        """The target branch (step 6): layer-normed full-clip features at the target tokens, detached."""
        with torch.no_grad():
            features = self.model.encoder(pixel_values_videos=pixels).last_hidden_state
            return F.layer_norm(features, features.shape[-1:]).index_select(1, self.target_index.to(pixels.device))

    def predictions(self, pixels: torch.Tensor) -> torch.Tensor:
        """The context branch (steps 4-5): the predictor's features for the target tokens, with the graph."""
        encoder, batch = self.model.encoder, pixels.shape[0]
        context = self.context_index.to(pixels.device)
        target = self.target_index.to(pixels.device)
        tokens = encoder.embeddings(pixels)
        if tokens.shape[1] != math.prod(self.grid):
            raise AssertionError(f"V-JEPA 2 made {tokens.shape[1]} tokens, not the {math.prod(self.grid)} the mask was drawn for")
        positions = context.unsqueeze(0).expand(batch, -1)
        hidden = tokens.index_select(1, context)
        for layer in encoder.layer:
            hidden = layer(hidden, positions)[0]
        hidden = encoder.layernorm(hidden)
        # The predictor gathers its context from a full-length sequence: put the context features back in place.
        placed = hidden.new_zeros(batch, tokens.shape[1], hidden.shape[-1]).index_copy(1, context, hidden)
        predicted = self.model.predictor(encoder_hidden_states=placed, context_mask=[positions],
                                         target_mask=[target.unsqueeze(0).expand(batch, -1)])
        return predicted.last_hidden_state

    def score(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        parameter = next(self.model.parameters())
        pixels = self.pixel_values(frames.to(parameter.device, parameter.dtype))
        loss = at_least_float32((self.predictions(pixels) - self.targets(pixels)).abs()).mean(dim=(1, 2))
        return (-loss).to(frames.device)
