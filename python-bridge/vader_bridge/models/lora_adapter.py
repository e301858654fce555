"""Named LoRA adapters on any denoiser through peft's functional API, saved as peft's own file pair
and, for families whose stock diffusers pipeline loads LoRA, in that pipeline's format too.

UNet3DConditionModel (ModelScope) has no `add_adapter`, so LoRA goes in with
`peft.inject_adapter_in_model`; the files are peft's `adapter_model.safetensors` +
`adapter_config.json`, which `peft` and this module both read back. Beside them,
`pytorch_lora_weights.safetensors` is what the pipeline's `save_lora_weights` writes (its
component prefix, "transformer." or "unet.", and the LoRA config as metadata), so that
`Pipeline.from_pretrained(...).load_lora_weights(directory)` loads a run's LoRA in plain Python.
Reading goes the other way too: a folder or file of any format the pipeline's `lora_state_dict`
converts (diffusers, ComfyUI / original Wan keys, musubi) loads as an adapter.
Several adapters can sit on one base (one per method being compared); at most one is active, and
none active means the base model itself (Diffusion-DPO's reference).
"""

from __future__ import annotations

import json
import os
import warnings
from contextlib import contextmanager
from typing import Any, Iterator

import torch
from peft import LoraConfig, inject_adapter_in_model
from peft.functional import cast_adapter_dtype, delete_adapter, get_peft_model_state_dict, set_adapter, set_peft_model_state_dict
from peft.tuners.tuners_utils import BaseTunerLayer
from safetensors.torch import load_file, save_file

WEIGHTS_FILE = "adapter_model.safetensors"
CONFIG_FILE = "adapter_config.json"
DIFFUSERS_WEIGHTS_FILE = "pytorch_lora_weights.safetensors"
DEFAULT_TARGET_MODULES = ("to_q", "to_k", "to_v", "to_out.0")


def lora_config(rank: int, alpha: float | None, target_modules: list[str] | tuple[str, ...]) -> LoraConfig:
    """Bounds were checked against the zod-generated schema before a config got here."""
    return LoraConfig(
        r=rank,
        lora_alpha=float(rank if alpha is None else alpha),
        target_modules=list(target_modules),
        lora_dropout=0.0,  # the model runs in eval mode, where dropout would do nothing anyway
        init_lora_weights=True,  # B = 0: the adapted model starts as the base model
    )


def inject_lora(module: torch.nn.Module, name: str, config: LoraConfig, *, seed: int) -> None:
    """Add adapter `name` with A drawn from `seed` (not the global RNG), in fp32 whatever the base's dtype."""
    unmatched = [target for target in config.target_modules if not any(
        module_name == target or module_name.endswith("." + target) for module_name, _ in module.named_modules())]
    if unmatched:
        raise ValueError(
            f"LoRA target_modules {sorted(unmatched)} matched no layer of {type(module).__name__}; "
            "name attention projections such as to_q, to_k, to_v, to_out.0"
        )
    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        # peft warns that a second adapter makes "multiple adapters": that is the point here.
        warnings.filterwarnings("ignore", message=".*multiple adapters.*")
        warnings.filterwarnings("ignore", message=".*[Aa]lready found a `peft_config`.*")
        torch.manual_seed(seed)
        inject_adapter_in_model(config, module, adapter_name=name)
    cast_adapter_dtype(module, name)  # the paper's mixed precision: LoRA trains in fp32 on a half base


def delete_lora(module: torch.nn.Module, name: str) -> None:
    delete_adapter(module, adapter_name=name, prefix="lora_")
    # inject_adapter_in_model records each adapter's config on the module; drop this one's.
    getattr(module, "peft_config", {}).pop(name, None)


def activate(module: torch.nn.Module, name: str | None) -> None:
    """Make `name` the adapter that runs (and trains); None runs the base model alone."""
    layers = [layer for layer in module.modules() if isinstance(layer, BaseTunerLayer)]
    if name is not None:
        set_adapter(module, name)
    for layer in layers:
        layer.enable_adapters(name is not None)
    for parameter_name, parameter in module.named_parameters():
        parameter.requires_grad_(name is not None and is_adapter_parameter_name(parameter_name, name))


@contextmanager
def adapters_disabled(module: torch.nn.Module) -> Iterator[None]:
    """Runs the base model for the duration (DPO's reference), then restores the adapters."""
    layers = [layer for layer in module.modules() if isinstance(layer, BaseTunerLayer)]
    enabled = [not layer.disable_adapters for layer in layers]
    grads = {parameter: parameter.requires_grad for parameter in module.parameters()}
    for layer in layers:
        layer.enable_adapters(False)
    try:
        yield
    finally:
        for layer, was_enabled in zip(layers, enabled):
            layer.enable_adapters(was_enabled)
        for parameter, requires_grad in grads.items():
            parameter.requires_grad_(requires_grad)


def is_lora_parameter_name(name: str) -> bool:
    return ".lora_" in name


def is_adapter_parameter_name(name: str, adapter: str) -> bool:
    return f".lora_A.{adapter}." in name or f".lora_B.{adapter}." in name


def adapter_parameters(module: torch.nn.Module, name: str) -> list[torch.nn.Parameter]:
    return [parameter for parameter_name, parameter in module.named_parameters() if is_adapter_parameter_name(parameter_name, name)]


def lora_state_dict(module: torch.nn.Module, name: str) -> dict[str, torch.Tensor]:
    """peft's key format (adapter name stripped), detached copies so callers cannot alias weights."""
    state = get_peft_model_state_dict(module, adapter_name=name)
    return {key: value.detach().clone().contiguous() for key, value in state.items()}


def write_lora_files(directory: str, state: dict[str, torch.Tensor], config: LoraConfig) -> str:
    os.makedirs(directory, exist_ok=True)
    weights_path = os.path.join(directory, WEIGHTS_FILE)
    save_file({key: value.cpu() for key, value in state.items()}, weights_path, metadata={"format": "pt"})
    config.save_pretrained(directory)
    return weights_path


def write_pipeline_lora_file(directory: str, state: dict[str, torch.Tensor], config: LoraConfig, pipeline: Any, component: str) -> str:
    """`pipeline.save_lora_weights` with `component`'s layers (peft keys) and the LoRA config as metadata."""
    metadata = json.loads(json.dumps(config.to_dict(), default=lambda value: sorted(value) if isinstance(value, set) else str(value)))
    pipeline.save_lora_weights(directory, **{f"{component}_lora_layers": {key: value.cpu() for key, value in state.items()},
                                             f"{component}_lora_adapter_metadata": metadata})
    return os.path.join(directory, DIFFUSERS_WEIGHTS_FILE)


def read_lora_files(path: str, pipeline: Any = None, component: str | None = None) -> tuple[LoraConfig, dict[str, torch.Tensor]]:
    """peft's file pair in a folder; else, with a family's `pipeline`, a diffusers or other-trainer LoRA
    (a .safetensors file, or a folder holding pytorch_lora_weights.safetensors) converted by diffusers."""
    weights_path, config_path = os.path.join(path, WEIGHTS_FILE), os.path.join(path, CONFIG_FILE)
    if os.path.isfile(weights_path) and os.path.isfile(config_path):
        return _read_peft_files(weights_path, config_path, path)
    pipeline_file = path if os.path.isfile(path) else os.path.join(path, DIFFUSERS_WEIGHTS_FILE)
    if pipeline is not None and os.path.isfile(pipeline_file) and pipeline_file.endswith(".safetensors"):
        return _read_pipeline_file(pipeline_file, pipeline, component)
    readable = f"{WEIGHTS_FILE} and {CONFIG_FILE} (peft)"
    if pipeline is not None:
        readable += f", {DIFFUSERS_WEIGHTS_FILE} ({pipeline.__name__}.save_lora_weights), or a .safetensors LoRA file in a format diffusers converts"
    raise FileNotFoundError(f"no LoRA at {path}; give a folder holding {readable}")


def _read_peft_files(weights_path: str, config_path: str, directory: str) -> tuple[LoraConfig, dict[str, torch.Tensor]]:
    with open(config_path, encoding="utf-8") as handle:
        saved = json.load(handle)
    if saved.get("peft_type", "LORA") != "LORA":
        raise ValueError(f"{config_path} describes a {saved.get('peft_type')} adapter, not LoRA")
    return LoraConfig.from_pretrained(directory), load_file(weights_path)


def _read_pipeline_file(path: str, pipeline: Any, component: str) -> tuple[LoraConfig, dict[str, torch.Tensor]]:
    # Stable Diffusion's loader also returns kohya-style per-layer alphas: (state, network_alphas, metadata).
    *read, metadata = pipeline.lora_state_dict(os.path.dirname(path) or ".", weight_name=os.path.basename(path), return_lora_metadata=True)
    state, network_alphas = read[0], (read[1] if len(read) > 1 else None) or {}
    prefix = component + "."
    foreign = sorted({key.split(".")[0] for key in state if not key.startswith(prefix)})
    if foreign:
        raise ValueError(f"{path} holds LoRA weights for {', '.join(foreign)}, not only the {component}; only the {component} "
                         "carries adapters here")
    state = {key[len(prefix):]: value for key, value in state.items()}
    ranks = {int(value.shape[0]) for key, value in state.items() if ".lora_A." in key}
    if len(ranks) != 1:
        raise ValueError(f"{path} has LoRA layers of several ranks ({sorted(ranks)}); one adapter needs one rank")
    rank = ranks.pop()
    settings = {key[len(prefix):]: value for key, value in (metadata or {}).items() if key.startswith(prefix)}
    if settings:
        config = LoraConfig(**{key: value for key, value in settings.items() if key in LoraConfig.__dataclass_fields__})
    else:
        # No metadata (a ComfyUI or kohya file): diffusers' Wan converters fold alpha / rank into the weights,
        # Stable Diffusion's hand the alphas back apart.
        alphas = {float(value) for value in network_alphas.values()}
        if len(alphas) > 1:
            raise ValueError(f"{path} gives its LoRA layers several alphas ({sorted(alphas)}); one adapter needs one alpha")
        layers = sorted({key.rsplit(".lora_", 1)[0] for key in state})
        config = lora_config(rank, alphas.pop() if alphas else rank, layers)
    return config, state


def load_lora_state(module: torch.nn.Module, name: str, state: dict[str, torch.Tensor]) -> None:
    """Strict: the file must hold exactly this adapter's tensors with the same shapes."""
    expected = {key: value.shape for key, value in get_peft_model_state_dict(module, adapter_name=name).items()}
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
    result = set_peft_model_state_dict(module, state, adapter_name=name)
    if result.unexpected_keys:
        raise ValueError(f"peft did not place LoRA tensors {result.unexpected_keys[:3]}")


def describe_lora(config: LoraConfig) -> dict:
    return {"rank": int(config.r), "alpha": float(config.lora_alpha), "target_modules": sorted(config.target_modules)}
