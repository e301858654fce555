"""Wan 2.2 A14B's two experts: which transformer denoises which timesteps, which one carries LoRA, and
how a LoRA file says which expert it was trained on.

`WanPipeline(transformer=..., transformer_2=..., boundary_ratio=r)` runs `transformer` (the high-noise
expert) while t >= r * num_train_timesteps and `transformer_2` (the low-noise expert) below that, each
with its own guidance scale (`guidance_scale_2` defaults to `guidance_scale`; here both experts get the
one scale the sampling loop passes). As VideoX-Fun does, one expert is trained at a time: the model's
`expert` option puts every LoRA adapter on that expert's transformer; the other stays frozen and has
no adapter. The default is the low-noise expert, which denoises the last steps, the ones VADER's
truncated backprop goes through.

A LoRA file keeps diffusers' keys (`transformer.` in pytorch_lora_weights.safetensors, as
`WanPipeline.save_lora_weights` writes it for either expert) and names its expert in the safetensors
header (`wan_expert`), so the stock pipeline loads a low-noise LoRA with
`load_lora_weights(folder, load_into_transformer_2=True)` and this bridge refuses to load it into the
other expert.
"""

from __future__ import annotations

import os

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from ..protocol import ConfigInvalid, Issue
from .lora_adapter import DIFFUSERS_WEIGHTS_FILE, WEIGHTS_FILE

# Expert name -> the WanPipeline component that holds it.
EXPERTS = {"high-noise": "transformer", "low-noise": "transformer_2"}
DEFAULT_EXPERT = "low-noise"
MARK = "wan_expert"  # the safetensors metadata key naming a LoRA's expert


def choose_expert(requested: str | None, two_experts: bool, where: tuple, what: str) -> str | None:
    """The expert that carries LoRA: `requested`, else the low-noise one on a two-expert model; None on a
    model with one transformer (`what` names it in the error when an expert is asked of it)."""
    if requested is not None and requested not in EXPERTS:
        raise ConfigInvalid([Issue(where, f"must be one of {', '.join(map(repr, EXPERTS))} (got {requested!r})")])
    if not two_experts:
        if requested is not None:
            raise ConfigInvalid([Issue(where, (
                f"is {requested!r}, but {what} has one transformer (no transformer_2 in model_index.json: Wan 2.1 or Wan 2.2 "
                "TI2V-5B), so there is no expert to choose; leave expert out, or load a two-expert Wan 2.2 A14B folder"))])
        return None
    return requested or DEFAULT_EXPERT


def high_noise_steps(timesteps: torch.Tensor, boundary_ratio: float, train_timesteps: int) -> torch.Tensor:
    """True where the high-noise expert (`transformer`) denoises: t >= boundary_ratio * num_train_timesteps, as WanPipeline compares."""
    return timesteps >= boundary_ratio * train_timesteps


def mark_lora_files(directory: str, expert: str) -> None:
    """Adds the expert's name to the header of the LoRA files a save wrote in `directory`."""
    for name in (WEIGHTS_FILE, DIFFUSERS_WEIGHTS_FILE):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            with safe_open(path, framework="pt") as handle:
                metadata = dict(handle.metadata() or {})
            save_file(load_file(path), path, metadata={**metadata, MARK: expert})


def marked_expert(path: str) -> str | None:
    """The expert a LoRA file or folder names (None for a file without the mark: Wan 2.1, ComfyUI, ...)."""
    candidates = [path] if os.path.isfile(path) else [os.path.join(path, name) for name in (WEIGHTS_FILE, DIFFUSERS_WEIGHTS_FILE)]
    for candidate in candidates:
        if os.path.isfile(candidate) and candidate.endswith(".safetensors"):
            with safe_open(candidate, framework="pt") as handle:
                return (handle.metadata() or {}).get(MARK)
    return None
