"""Shared by the rewards built on transformers models: reading a model folder's saved processor
settings, freezing and placing the weights, and the message for an option that names a class the
model does not have."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import torch


def read_processor_settings(folder: Path, file_names: tuple[str, ...] = ("preprocessor_config.json",)) -> dict[str, Any]:
    """The saved image/video processor settings of a model folder (the first of `file_names` it has), or {}."""
    for name in file_names:
        path = Path(folder) / name
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    return {}


def freeze(module: torch.nn.Module) -> torch.nn.Module:
    """Eval mode (no dropout) and no parameter gradients; the graph through it to its inputs stays."""
    module.eval()
    module.requires_grad_(False)
    return module


def at_least_float32(values: torch.Tensor) -> torch.Tensor:
    """Half-precision outputs (a bf16 model on a GPU) in float32 for softmax and losses; float64 stays float64."""
    return values.float() if values.dtype in (torch.float16, torch.bfloat16) else values


def module_device(module: torch.nn.Module) -> torch.device:
    return next(module.parameters()).device


def place_module(module: torch.nn.Module, device: torch.device) -> bool:
    """Moves `module` to `device` unless it is there already (then at no cost); says whether it moved."""
    device, current = torch.device(device), module_device(module)
    if current.type == device.type and (device.index is None or current.index == device.index):
        return False
    module.to(device)
    return True


def unknown_label_message(reward: str, option: str, given: str, labels: list[str], *, listed_at_most: int = 100) -> str:
    """An option named a class the model does not have: say so, with close names, else the valid ones."""
    by_lower = {label.lower(): label for label in labels}
    close = difflib.get_close_matches(given.strip().lower(), list(by_lower), n=5, cutoff=0.6)
    if close:
        hint = "did you mean " + ", ".join(repr(by_lower[name]) for name in close) + "?"
    elif len(labels) <= listed_at_most:
        hint = "valid names: " + ", ".join(repr(label) for label in sorted(labels))
    else:
        hint = f"the model's config.json lists its {len(labels)} labels under id2label"
    return f"reward {reward!r} option {option!r}: the model has no class {given!r}; {hint}"
