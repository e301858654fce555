"""The model contract: what the sampling loop and every trainer code against.

A family (`@register("model", name)`) implements the abstract methods for its parts; the
adapter bookkeeping, description, fingerprint and device handling are shared here, because every
family carries peft LoRA adapters on one denoiser module.

Tensors in and out of the contract are float32 (`placement.compute_dtype`) on `device`, frames in
[0, 1]; inside, the frozen weights may run in half precision (see device.py), LoRA weights in fp32.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Iterator

import diffusers
import torch
from torch.distributed.tensor import DTensor

from ..device import Placement, dtype_name
from ..protocol import ConfigInvalid, Issue
from ..schedulers.noise_schedule import NoiseSchedule
from . import lora_adapter


def pipeline_class(name: str) -> Any:
    """A diffusers pipeline class, imported when first needed: importing diffusers' pipelines loads
    transformers' image processors, which is slow and warns on every start without torchvision."""
    return getattr(diffusers, name)


@dataclass
class PromptEmbeddings:
    """Encoded prompts; `unconditional` (the empty prompt, one per video) only when guidance needs it."""

    conditional: torch.Tensor
    unconditional: torch.Tensor | None = None

    def __len__(self) -> int:
        return int(self.conditional.shape[0])


@dataclass(frozen=True)
class TinySize:
    """A tiny model's options in most families (bounds and defaults: each family's tiny options in src/specs/model-config.ts)."""

    seed: int
    frames: int
    height: int
    width: int


def check_prompts(prompts: Any) -> None:
    if not isinstance(prompts, (list, tuple)) or not prompts or not all(isinstance(prompt, str) for prompt in prompts):
        raise TypeError(f"prompts must be a non-empty list of strings, got {prompts!r}")


def check_frame_indices(frame_indices: list[int], frame_count: int) -> None:
    bad = [index for index in frame_indices if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < frame_count]
    if bad or not frame_indices:
        raise ValueError(f"frame_indices must be a non-empty list of frame numbers from 0 to {frame_count - 1}, got {frame_indices!r}")


@dataclass(frozen=True)
class AdapterSettings:
    rank: int
    alpha: float | None
    target_modules: list[str]


class VideoModel(ABC):
    """A text-to-video diffusion model with named LoRA adapters on its denoiser."""

    family: ClassVar[str]
    Config: ClassVar[type]  # the options of a tiny model of this family (random weights from a seed)
    # model_index.json `_class_name`s of diffusers pipelines whose folders this family loads.
    pipeline_class_names: ClassVar[tuple[str, ...]] = ()
    # The stock pipeline (its diffusers class name) whose save_lora_weights / load_lora_weights our
    # LoRA files also serve (None where it cannot load LoRA), and the component carrying the adapters.
    lora_pipeline: ClassVar[str | None] = None
    lora_component: ClassVar[str] = "transformer"

    def __init__(self, *, noise_schedule: dict[str, Any], frames: int, height: int, width: int, placement: Placement):
        # The config as its file has it; the scheduler built on it checks it fits (schedulers/__init__.py).
        self.noise_schedule_spec = NoiseSchedule.from_config(noise_schedule, owner=f"the {self.family} model")
        self.notes: list[str] = self.noise_schedule_spec.notes  # what a scheduler or resize changed, and why
        self.check_size(frames, height, width)
        self.frames, self.height, self.width = frames, height, width
        self.native_size = (frames, height, width)
        self.placement = placement
        self._adapters: dict[str, Any] = {}  # name -> peft LoraConfig
        self._active: str | None = None

    @property
    def noise_schedule(self) -> dict[str, Any]:
        """The scheduler config's public keys (diffusers adds "_class_name" and other bookkeeping on save)."""
        return self.noise_schedule_spec.config

    @noise_schedule.setter
    def noise_schedule(self, config: dict[str, Any]) -> None:
        spec = self.noise_schedule_spec
        self.noise_schedule_spec = NoiseSchedule(dict(config), spec.class_name, spec.owner, spec.notes)

    @property
    def prediction_type(self) -> str:
        """What the denoiser outputs: epsilon, v_prediction, sample or flow_prediction (the velocity)."""
        return self.noise_schedule_spec.prediction_type

    @property
    def default_scheduler(self) -> str:
        """The scheduler trainers and sampling use when a spec names none."""
        return self.noise_schedule_spec.default_scheduler

    def freeze_parts(self) -> None:
        """Every part on the placement's device and dtype, in eval mode and frozen: only LoRA moves, and
        nothing should behave differently between a rollout and its checkpointed recomputation."""
        for part in self.parts().values():
            part.to(self.placement.device)
            if next(part.parameters()).dtype != self.placement.weights_dtype:
                part.to(dtype=self.placement.weights_dtype)  # only then: diffusers warns on every dtype cast
            part.eval()
            part.requires_grad_(False)

    def choose_expert(self, expert: str | None, where: tuple) -> None:
        """The denoiser that carries LoRA, where a family has several (Wan 2.2 A14B's two experts); others have one."""
        if expert is not None:
            raise ConfigInvalid([Issue(where, f"is {expert!r}, but the {self.family} model has one denoiser, so there is no expert "
                                              "to choose; leave expert out (it is for two-expert Wan 2.2 A14B folders)")])

    def trains_at(self, timestep: torch.Tensor | float) -> bool:
        """Whether the adapters' denoiser runs at `timestep` (False on the frozen expert's steps of a two-expert model)."""
        return True

    def check_size(self, frames: int, height: int, width: int) -> None:
        """Raises ValueError for a video size this family cannot generate (per family: its downsampling)."""
        if min(frames, height, width) < 1:
            raise ValueError(f"frames, height and width must be positive, got {frames}x{height}x{width}")

    def resize(self, *, frames: int | None = None, height: int | None = None, width: int | None = None) -> None:
        """Generates videos of another size than the folder's own from now on (the denoiser and VAE are
        convolutional, as ModelScope's pipeline lets its height and width be chosen per call). A size the
        weights never saw in pretraining is off their distribution: measure before trusting it."""
        size = (frames or self.frames, height or self.height, width or self.width)
        self.check_size(*size)
        self.frames, self.height, self.width = size
        if size != self.native_size:
            self.notes.append(f"generates {size[0]} frames of {size[1]}x{size[2]}, not the folder's "
                              f"{self.native_size[0]} of {self.native_size[1]}x{self.native_size[2]}")

    # ---- construction and saving (per family) --------------------------------------------------

    @classmethod
    @abstractmethod
    def tiny(cls, config: Any, placement: Placement) -> "VideoModel":
        """Random weights from `config.seed`, deterministic: for tests and offline demos."""

    @classmethod
    @abstractmethod
    def load(cls, directory: str, placement: Placement) -> "VideoModel":
        """A folder written by `save`, or a checkpoint of this family in diffusers' layout."""

    @abstractmethod
    def save(self, directory: str) -> None:
        """The base weights (never the adapters: those are saved apart with `save_adapter`)."""

    def refuse_saving_adapters(self) -> None:
        """Base weights and adapters are kept apart, so that a base can be shared by many fine-tunes."""
        if self.adapter_names:
            raise ValueError(f"this model carries LoRA adapters ({', '.join(self.adapter_names)}): save the base "
                             "before adding adapters, and each adapter with save_adapter()")

    # ---- description ---------------------------------------------------------------------------

    @abstractmethod
    def parts(self) -> dict[str, torch.nn.Module]:
        """Every module with weights, by name: what save and fingerprint cover."""

    @property
    @abstractmethod
    def denoiser(self) -> torch.nn.Module:
        """The module that carries the LoRA adapters."""

    @property
    @abstractmethod
    def latent_shape(self) -> list[int]:
        """[C, F, h, w] of one video's latents."""

    @property
    def device(self) -> torch.device:
        return self.placement.device

    @property
    def dtype(self) -> torch.dtype:
        """The dtype of the frozen weights (adapters are always fp32)."""
        return self.placement.weights_dtype

    def info(self) -> dict[str, Any]:
        """Plain JSON (wire names) for handles and run records."""
        parts = self.parts()
        return {
            "family": self.family,
            "frames": self.frames,
            "height": self.height,
            "width": self.width,
            "device": str(self.device),
            "weightsDtype": dtype_name(self.dtype),
            "adapterDtype": dtype_name(self.placement.adapter_dtype),
            "parameters": {
                "total": sum(p.numel() for part in parts.values() for p in part.parameters()),
                "trainable": sum(p.numel() for part in parts.values() for p in part.parameters() if p.requires_grad),
            },
            "adapters": {name: self.describe_adapter(name) for name in sorted(self._adapters)},
            "activeAdapter": self._active,
            "predictionType": self.prediction_type,
            "defaultScheduler": self.default_scheduler,
            "notes": list(self.notes),
        }

    def fingerprint(self) -> dict[str, Any]:
        """SHA-256 over the base weights, and over each adapter's weights, so callers can prove what changed."""
        base, every_adapter = hashlib.sha256(), hashlib.sha256()
        per_adapter = {name: hashlib.sha256() for name in self._adapters}
        for part_name, part in sorted(self.parts().items()):
            # peft moves a wrapped layer's weight to `<layer>.base_layer.weight`: same weight, same digest.
            weights = {name.replace(".base_layer", ""): tensor for name, tensor in part.state_dict().items()}
            for name, tensor in sorted(weights.items()):
                if isinstance(tensor, DTensor):  # a base sharded over the ranks (sharding.py): every rank runs this, in this order
                    tensor = tensor.full_tensor()
                data = tensor.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes()
                updates = [(base, name)]
                if lora_adapter.is_lora_parameter_name(name):
                    # An adapter's digest leaves its own name out: the same weights under another name match.
                    updates = [(every_adapter, name)] + [(per_adapter[adapter], name.replace(f".{adapter}.", "."))
                                                         for adapter in per_adapter if lora_adapter.is_adapter_parameter_name(name, adapter)]
                for digest, key in updates:
                    digest.update(f"{part_name}.{key}".encode())
                    digest.update(data)
        return {
            "base": base.hexdigest(),
            "lora": every_adapter.hexdigest() if self._adapters else None,
            "adapters": {name: digest.hexdigest() for name, digest in per_adapter.items()},
        }

    # ---- compute (per family) ------------------------------------------------------------------

    @abstractmethod
    def encode_prompts(self, prompts: list[str], *, unconditional: bool = False) -> PromptEmbeddings:
        """Frozen text embeddings (no graph); with `unconditional`, the empty prompt's as well."""

    def initial_latents(self, batch: int, generator: torch.Generator) -> torch.Tensor:
        """x_T ~ N(0, I), drawn in fp32 on the generator's device and moved: a seed means the same noise anywhere."""
        noise = torch.randn([batch, *self.latent_shape], generator=generator, dtype=torch.float32, device=generator.device)
        return noise.to(self.device, self.placement.compute_dtype)

    @abstractmethod
    def denoise(self, latents: torch.Tensor, timestep: torch.Tensor, text: torch.Tensor, *, checkpointing: bool) -> torch.Tensor:
        """The denoiser's raw output for a (possibly doubled) batch, in `placement.compute_dtype`."""

    def predict_noise(
        self,
        latents: torch.Tensor,
        timestep: torch.Tensor,
        embeddings: PromptEmbeddings,
        *,
        guidance_scale: float = 1.0,
        checkpointing: bool = False,
    ) -> torch.Tensor:
        """The model's prediction at `timestep`, with classifier-free guidance when guidance_scale > 1."""
        if guidance_scale > 1.0:
            if embeddings.unconditional is None:
                raise ValueError("guidance_scale > 1 needs unconditional embeddings: encode_prompts(..., unconditional=True)")
            # Unconditional first, as diffusers' pipelines do, so a batch splits as (uncond, cond).
            text = torch.cat([embeddings.unconditional, embeddings.conditional])
            unconditional, conditional = self.denoise(torch.cat([latents, latents]), timestep, text, checkpointing=checkpointing).chunk(2)
            return unconditional + guidance_scale * (conditional - unconditional)
        return self.denoise(latents, timestep, embeddings.conditional, checkpointing=checkpointing)

    @abstractmethod
    def decode_frames(self, latents: torch.Tensor, frame_indices: list[int] | None = None) -> torch.Tensor:
        """Frames [B, F', 3, H, W] in [0, 1], differentiable; only `frame_indices` when given."""

    @abstractmethod
    def encode_videos(self, frames: torch.Tensor) -> torch.Tensor:
        """Frames [B, F, 3, H, W] in [0, 1] -> latents [B, C, F, h, w] (for preference and data-driven trainers)."""

    # ---- named LoRA adapters (shared) ----------------------------------------------------------

    @property
    def adapter_names(self) -> list[str]:
        return sorted(self._adapters)

    @property
    def active_adapter(self) -> str | None:
        return self._active

    def describe_adapter(self, name: str) -> dict[str, Any]:
        description = lora_adapter.describe_lora(self._require_adapter(name))
        return {"rank": description["rank"], "alpha": description["alpha"], "targetModules": description["target_modules"]}

    def add_adapter(self, name: str, settings: AdapterSettings, *, seed: int = 0) -> None:
        """A fresh LoRA (B = 0, so the model starts as the base), made the active adapter."""
        if name in self._adapters:
            raise ValueError(f"this model already has an adapter named {name!r} ({self.describe_adapter(name)}); "
                             "delete_adapter() it first or pick another name")
        config = lora_adapter.lora_config(settings.rank, settings.alpha, settings.target_modules)
        lora_adapter.inject_lora(self.denoiser, name, config, seed=seed)
        self._adapters[name] = config
        self.set_active_adapter(name)

    def delete_adapter(self, name: str) -> None:
        self._require_adapter(name)
        lora_adapter.delete_lora(self.denoiser, name)
        del self._adapters[name]
        self.set_active_adapter(None if self._active == name else self._active)

    def set_active_adapter(self, name: str | None) -> None:
        """The adapter that sampling runs and training trains; None runs the base model."""
        if name is not None:
            self._require_adapter(name)
        if self._adapters:
            lora_adapter.activate(self.denoiser, name)
        self._active = name

    @contextmanager
    def adapters_disabled(self) -> Iterator[None]:
        """The base model for the duration (Diffusion-DPO's reference), without touching adapter weights."""
        with lora_adapter.adapters_disabled(self.denoiser):
            yield

    def adapter_parameters(self, name: str | None = None) -> list[torch.nn.Parameter]:
        """The LoRA weights of adapter `name` (default: the active one)."""
        name = name if name is not None else self._active
        if name is None:
            return []
        self._require_adapter(name)
        return lora_adapter.adapter_parameters(self.denoiser, name)

    def adapter_state_dict(self, name: str) -> dict[str, torch.Tensor]:
        self._require_adapter(name)
        return lora_adapter.lora_state_dict(self.denoiser, name)

    def save_adapter(self, name: str, directory: str) -> str:
        """peft's adapter_model.safetensors + adapter_config.json, and the stock pipeline's
        pytorch_lora_weights.safetensors where it loads LoRA; returns the peft weights path."""
        config = self._require_adapter(name)
        state = lora_adapter.lora_state_dict(self.denoiser, name)
        path = lora_adapter.write_lora_files(directory, state, config)
        if self.lora_pipeline is not None:
            lora_adapter.write_pipeline_lora_file(directory, state, config, pipeline_class(self.lora_pipeline), self.lora_component)
        return path

    def load_adapter(self, name: str, directory: str) -> None:
        """Loads saved LoRA weights strictly into adapter `name` (added with the saved settings if absent).
        `directory` holds peft's pair, or (families with a stock LoRA pipeline) is a diffusers, ComfyUI or
        musubi LoRA file or a folder with pytorch_lora_weights.safetensors."""
        pipeline = pipeline_class(self.lora_pipeline) if self.lora_pipeline is not None else None
        config, state = lora_adapter.read_lora_files(directory, pipeline, self.lora_component)
        saved = lora_adapter.describe_lora(config)
        if name not in self._adapters:
            settings = AdapterSettings(rank=saved["rank"], alpha=saved["alpha"], target_modules=saved["target_modules"])
            self.add_adapter(name, settings)
        elif lora_adapter.describe_lora(self._adapters[name]) != saved:
            raise ValueError(
                f"the LoRA in {directory} ({saved}) differs from this model's adapter {name!r} "
                f"({lora_adapter.describe_lora(self._adapters[name])}); delete_adapter({name!r}) first or load it under another name"
            )
        lora_adapter.load_lora_state(self.denoiser, name, state)

    def _require_adapter(self, name: str) -> Any:
        if name not in self._adapters:
            known = ", ".join(repr(known) for known in sorted(self._adapters)) or "none yet"
            raise ValueError(f"this model has no adapter named {name!r} (adapters: {known}); add_adapter() or load_adapter() first")
        return self._adapters[name]
