"""LoRA on any denoiser through peft's functional API, saved as peft's own file pair.

UNet3DConditionModel (ModelScope) has no `add_adapter`, so LoRA goes in with
`peft.inject_adapter_in_model`; the files are peft's `adapter_model.safetensors` +
`adapter_config.json`, which `peft` and this module both read back.
"""

from __future__ import annotations

import json
import os

import torch
from peft import LoraConfig, inject_adapter_in_model
from peft.functional import delete_adapter, get_peft_model_state_dict, set_peft_model_state_dict
from safetensors.torch import load_file, save_file

ADAPTER_NAME = "default"
WEIGHTS_FILE = "adapter_model.safetensors"
CONFIG_FILE = "adapter_config.json"
DEFAULT_TARGET_MODULES = ("to_q", "to_k", "to_v", "to_out.0")


def lora_config(rank: int, alpha: float | None, target_modules: list[str] | tuple[str, ...]) -> LoraConfig:
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
        raise ValueError(f"LoRA rank must be a whole number >= 1, got {rank!r}")
    if alpha is not None and (isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0):
        raise ValueError(f"LoRA alpha must be a positive number or None (None means alpha = rank), got {alpha!r}")
    if not target_modules or not all(isinstance(name, str) and name for name in target_modules):
        raise ValueError(f"LoRA target_modules must be a non-empty list of module names, got {target_modules!r}")
    return LoraConfig(
        r=rank,
        lora_alpha=float(rank if alpha is None else alpha),
        target_modules=list(target_modules),
        lora_dropout=0.0,  # the model runs in eval mode, where dropout would do nothing anyway
        init_lora_weights=True,  # B = 0: the adapted model starts as the base model
    )


def inject_lora(module: torch.nn.Module, config: LoraConfig, *, seed: int) -> None:
    """Add the adapter with A drawn from `seed` (not the global RNG, so the result is reproducible)."""
    unmatched = [target for target in config.target_modules if not any(
        name == target or name.endswith("." + target) for name, _ in module.named_modules())]
    if unmatched:
        raise ValueError(
            f"LoRA target_modules {sorted(unmatched)} matched no layer of {type(module).__name__}; "
            "name attention projections such as to_q, to_k, to_v, to_out.0"
        )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        inject_adapter_in_model(config, module, adapter_name=ADAPTER_NAME)
    for name, parameter in module.named_parameters():
        parameter.requires_grad_(is_lora_parameter_name(name))


def remove_lora(module: torch.nn.Module) -> None:
    delete_adapter(module, adapter_name=ADAPTER_NAME, prefix="lora_")
    # inject_adapter_in_model records its config on the module; a stale one would make peft warn
    # about "multiple adapters" when a new LoRA is added.
    if hasattr(module, "peft_config"):
        del module.peft_config


def is_lora_parameter_name(name: str) -> bool:
    return ".lora_" in name


def lora_parameters(module: torch.nn.Module) -> list[torch.nn.Parameter]:
    return [parameter for name, parameter in module.named_parameters() if is_lora_parameter_name(name)]


def lora_state_dict(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """peft's key format (adapter name stripped), detached copies so callers cannot alias weights."""
    state = get_peft_model_state_dict(module, adapter_name=ADAPTER_NAME)
    return {key: value.detach().clone().contiguous() for key, value in state.items()}


def write_lora_files(directory: str, state: dict[str, torch.Tensor], config: LoraConfig) -> str:
    os.makedirs(directory, exist_ok=True)
    weights_path = os.path.join(directory, WEIGHTS_FILE)
    save_file(state, weights_path, metadata={"format": "pt"})
    config.save_pretrained(directory)
    return weights_path


def read_lora_files(directory: str) -> tuple[LoraConfig, dict[str, torch.Tensor]]:
    weights_path = os.path.join(directory, WEIGHTS_FILE)
    config_path = os.path.join(directory, CONFIG_FILE)
    for path in (weights_path, config_path):
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no LoRA file at {path}; a LoRA directory holds {WEIGHTS_FILE} and {CONFIG_FILE}")
    with open(config_path, encoding="utf-8") as handle:
        saved = json.load(handle)
    if saved.get("peft_type", "LORA") != "LORA":
        raise ValueError(f"{config_path} describes a {saved.get('peft_type')} adapter, not LoRA")
    config = LoraConfig.from_pretrained(directory)
    return config, load_file(weights_path)


def load_lora_state(module: torch.nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Strict: the file must hold exactly this adapter's tensors with the same shapes."""
    expected = {key: value.shape for key, value in get_peft_model_state_dict(module, adapter_name=ADAPTER_NAME).items()}
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise ValueError(
            f"LoRA weights do not fit this model: {len(missing)} missing (e.g. {missing[:3]}), "
            f"{len(unexpected)} unexpected (e.g. {unexpected[:3]}); was it saved from a model of the same base?"
        )
    wrong_shapes = [f"{key}: file {tuple(state[key].shape)} vs model {tuple(shape)}"
                    for key, shape in expected.items() if tuple(state[key].shape) != tuple(shape)]
    if wrong_shapes:
        raise ValueError(f"LoRA weights have the wrong shapes ({len(wrong_shapes)}), e.g. {wrong_shapes[:3]}")
    result = set_peft_model_state_dict(module, state, adapter_name=ADAPTER_NAME)
    if result.unexpected_keys:
        raise ValueError(f"peft did not place LoRA tensors {result.unexpected_keys[:3]}")


def describe_lora(config: LoraConfig | None) -> dict | None:
    if config is None:
        return None
    return {"rank": int(config.r), "alpha": float(config.lora_alpha), "target_modules": sorted(config.target_modules)}
