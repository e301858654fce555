"""ModelScope-layout text-to-video model: UNet3D denoiser, per-frame 2D VAE, CLIP text encoder.

Holds the parts, saves and loads them in the diffusers folder layout, carries a LoRA adapter on
the UNet, and runs VADER's differentiable rollout: diffusers' pipeline `__call__` is no_grad, so
sampling is our own loop over `scheduler.set_timesteps` + `scheduler.step`.
"""

from __future__ import annotations

import json
import os
from typing import Any

import torch
from diffusers import AutoencoderKL, DDIMScheduler, UNet3DConditionModel
from torch.utils.checkpoint import checkpoint
from transformers import AutoTokenizer, CLIPTextModel, PreTrainedTokenizerFast

from ..registry import register
from ..schedulers import build_scheduler
from . import lora_adapter
from .tiny_text_to_video import tiny_components
from .tokenizer import tokenize

FAMILY = "text-to-video"
MODEL_FILE = "vader_model.json"
# ModelScope checkpoints carry no vader_model.json; they generate 16 frames.
MODELSCOPE_FRAMES = 16


@register("model", FAMILY)
class TextToVideoModel:
    family = FAMILY

    def __init__(
        self,
        *,
        unet: UNet3DConditionModel,
        vae: AutoencoderKL,
        text_encoder: CLIPTextModel,
        tokenizer: PreTrainedTokenizerFast,
        scheduler_config: dict,
        frames: int,
        height: int,
        width: int,
    ):
        self.unet, self.vae, self.text_encoder, self.tokenizer = unet, vae, text_encoder, tokenizer
        # Public keys only: diffusers adds bookkeeping ("_class_name", "_use_default_values") on save/load.
        self.scheduler_config = {key: value for key, value in scheduler_config.items() if not key.startswith("_")}
        self.frames, self.height, self.width = frames, height, width
        self.vae_scale_factor = 2 ** (len(vae.config.block_out_channels) - 1)
        if height % self.vae_scale_factor or width % self.vae_scale_factor:
            raise ValueError(
                f"height {height} and width {width} must be multiples of the VAE's downsampling factor "
                f"{self.vae_scale_factor}"
            )
        self._lora_config = None
        # Base weights never train: VADER moves only the LoRA. eval() because nothing here should
        # behave differently between a rollout and its checkpointed recomputation.
        for part in (unet, vae, text_encoder):
            part.eval()
            part.requires_grad_(False)

    # ---- construction, save, load -------------------------------------------------------------

    @classmethod
    def tiny(cls, *, seed: int = 0, frames: int = 8, height: int = 32, width: int = 32) -> "TextToVideoModel":
        """Random weights from `seed` (deterministic): for tests and the offline demo."""
        if isinstance(frames, bool) or not isinstance(frames, int) or frames < 1:
            raise ValueError(f"frames must be a whole number >= 1, got {frames!r}")
        return cls(**tiny_components(seed=seed, height=height, width=width), frames=frames, height=height, width=width)

    def save(self, directory: str) -> None:
        """diffusers layout (unet/ vae/ text_encoder/ tokenizer/ scheduler/) plus vader_model.json."""
        if self._lora_config is not None:
            # Base weights and adapter are kept apart so a base can be shared by many fine-tunes.
            raise ValueError("this model carries a LoRA: save the base before add_lora(), and the adapter with save_lora()")
        os.makedirs(directory, exist_ok=True)
        self.unet.save_pretrained(os.path.join(directory, "unet"))
        self.vae.save_pretrained(os.path.join(directory, "vae"))
        self.text_encoder.save_pretrained(os.path.join(directory, "text_encoder"))
        self.tokenizer.save_pretrained(os.path.join(directory, "tokenizer"))
        DDIMScheduler.from_config(self.scheduler_config).save_pretrained(os.path.join(directory, "scheduler"))
        description = {"family": self.family, "frames": self.frames, "height": self.height, "width": self.width}
        with open(os.path.join(directory, MODEL_FILE), "w", encoding="utf-8") as handle:
            json.dump(description, handle, indent=2)

    @classmethod
    def load(cls, directory: str) -> "TextToVideoModel":
        """A folder written by `save`, or a ModelScope checkpoint in the same diffusers layout."""
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"no model directory at {directory}")
        missing = [part for part in ("unet", "vae", "text_encoder", "tokenizer", "scheduler")
                   if not os.path.isdir(os.path.join(directory, part))]
        if missing:
            raise FileNotFoundError(
                f"{directory} is not a text-to-video model folder: it lacks {', '.join(part + '/' for part in missing)} "
                "(expected unet/ vae/ text_encoder/ tokenizer/ scheduler/, as written by save())"
            )
        unet = UNet3DConditionModel.from_pretrained(directory, subfolder="unet")
        vae = AutoencoderKL.from_pretrained(directory, subfolder="vae")
        text_encoder = CLIPTextModel.from_pretrained(os.path.join(directory, "text_encoder"))
        tokenizer = AutoTokenizer.from_pretrained(os.path.join(directory, "tokenizer"))
        scheduler_config = dict(DDIMScheduler.load_config(directory, subfolder="scheduler"))
        description_path = os.path.join(directory, MODEL_FILE)
        if os.path.isfile(description_path):
            with open(description_path, encoding="utf-8") as handle:
                description = json.load(handle)
            if description.get("family") != FAMILY:
                raise ValueError(f"{description_path} describes a {description.get('family')!r} model, not {FAMILY!r}")
            frames, height, width = description["frames"], description["height"], description["width"]
        else:
            pixel_size = unet.config.sample_size * 2 ** (len(vae.config.block_out_channels) - 1)
            frames, height, width = MODELSCOPE_FRAMES, pixel_size, pixel_size
        return cls(unet=unet, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer,
                   scheduler_config=scheduler_config, frames=frames, height=height, width=width)

    # ---- description ---------------------------------------------------------------------------

    @property
    def latent_shape(self) -> list[int]:
        """[C, F, h, w] of one video's latents."""
        return [int(self.unet.config.in_channels), self.frames,
                self.height // self.vae_scale_factor, self.width // self.vae_scale_factor]

    def info(self) -> dict:
        def count(module: torch.nn.Module, *, trainable_only: bool = False) -> int:
            return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)

        parts = {"unet": self.unet, "vae": self.vae, "text_encoder": self.text_encoder}
        lora_count = sum(p.numel() for p in self.lora_parameters())
        return {
            "family": self.family,
            "frames": self.frames,
            "height": self.height,
            "width": self.width,
            "latent_shape": self.latent_shape,
            "parameters": {
                "total": sum(count(part) for part in parts.values()),
                "trainable": sum(count(part, trainable_only=True) for part in parts.values()),
                "lora": lora_count,
                **{name: count(part) - (lora_count if name == "unet" else 0) for name, part in parts.items()},
            },
            "lora": lora_adapter.describe_lora(self._lora_config),
        }

    # ---- LoRA ----------------------------------------------------------------------------------

    def add_lora(
        self,
        *,
        rank: int,
        alpha: float | None = None,
        target_modules: list[str] = list(lora_adapter.DEFAULT_TARGET_MODULES),
        seed: int = 0,
    ) -> None:
        """LoRA on the UNet's attention projections; afterwards only LoRA weights require grad."""
        if self._lora_config is not None:
            raise ValueError(
                f"this model already has a LoRA adapter ({lora_adapter.describe_lora(self._lora_config)}); "
                "call remove_lora() first to replace it"
            )
        config = lora_adapter.lora_config(rank, alpha, target_modules)
        lora_adapter.inject_lora(self.unet, config, seed=seed)
        self._lora_config = config

    def remove_lora(self) -> None:
        if self._lora_config is None:
            raise ValueError("this model has no LoRA adapter to remove")
        lora_adapter.remove_lora(self.unet)
        self.unet.requires_grad_(False)
        self._lora_config = None

    def lora_parameters(self) -> list[torch.nn.Parameter]:
        return lora_adapter.lora_parameters(self.unet) if self._lora_config is not None else []

    def lora_state_dict(self) -> dict[str, torch.Tensor]:
        self._require_lora("lora_state_dict")
        return lora_adapter.lora_state_dict(self.unet)

    def save_lora(self, directory: str) -> str:
        """peft's adapter_model.safetensors + adapter_config.json; returns the weights path."""
        self._require_lora("save_lora")
        return lora_adapter.write_lora_files(directory, lora_adapter.lora_state_dict(self.unet), self._lora_config)

    def load_lora(self, directory: str) -> None:
        """Load saved LoRA weights strictly, adding the adapter (with the saved config) if absent."""
        config, state = lora_adapter.read_lora_files(directory)
        saved = lora_adapter.describe_lora(config)
        if self._lora_config is None:
            self.add_lora(rank=saved["rank"], alpha=saved["alpha"], target_modules=saved["target_modules"])
        elif lora_adapter.describe_lora(self._lora_config) != saved:
            raise ValueError(
                f"the LoRA in {directory} ({saved}) differs from this model's adapter "
                f"({lora_adapter.describe_lora(self._lora_config)}); call remove_lora() first"
            )
        lora_adapter.load_lora_state(self.unet, state)

    def _require_lora(self, action: str) -> None:
        if self._lora_config is None:
            raise ValueError(f"{action} needs a LoRA adapter; call add_lora(rank=...) or load_lora(directory) first")

    # ---- sampling ------------------------------------------------------------------------------

    def encode_prompts(self, prompts: list[str]) -> torch.Tensor:
        """Text embeddings [B, L, D]; the text encoder is frozen, so no graph is kept."""
        if not isinstance(prompts, (list, tuple)) or not all(isinstance(prompt, str) for prompt in prompts):
            raise TypeError(f"prompts must be a list of strings, got {prompts!r}")
        token_ids = tokenize(self.tokenizer, list(prompts)).to(self.text_encoder.device)
        with torch.no_grad():
            return self.text_encoder(token_ids).last_hidden_state

    def rollout(
        self,
        prompts: list[str],
        *,
        scheduler: Any,
        generator: torch.Generator,
        guidance_scale: float,
        grad_last_steps: int,
        checkpointing: bool = True,
    ) -> torch.Tensor:
        """Sample latents [B, C, F, h, w], keeping autograd graph only through the last steps.

        `scheduler` is a built DenoisingSchedule (scheduler, steps, eta). The first
        steps - grad_last_steps UNet calls run under no_grad, which is VADER's truncated backprop
        (Algorithm 1's stop_grad for t > K): x_T does not depend on the weights, so the gradient
        reaches them only through the last K predictions.
        """
        steps = scheduler.steps
        if isinstance(grad_last_steps, bool) or not isinstance(grad_last_steps, int) or not 0 <= grad_last_steps <= steps:
            raise ValueError(f"grad_last_steps must be a whole number from 0 to the scheduler's steps ({steps}), "
                             f"got {grad_last_steps!r}")
        if not prompts:
            raise ValueError("rollout needs at least one prompt")
        guided = guidance_scale > 1.0
        text = self.encode_prompts(prompts)
        if guided:
            # Unconditional first, as diffusers' pipelines do, so a batch splits as (uncond, cond).
            text = torch.cat([self.encode_prompts([""] * len(prompts)), text])

        noise_schedule = scheduler.scheduler
        noise_schedule.set_timesteps(steps)  # schedulers keep a step index: reset it every rollout
        # Drawn on the generator's device (CPU by default) and moved, so a seed means the same noise anywhere.
        latents = torch.randn([len(prompts), *self.latent_shape], generator=generator, dtype=text.dtype,
                              device=generator.device).to(self.unet.device)
        latents = latents * noise_schedule.init_noise_sigma

        first_grad_step = steps - grad_last_steps
        for index, timestep in enumerate(noise_schedule.timesteps):
            with torch.set_grad_enabled(torch.is_grad_enabled() and index >= first_grad_step):
                model_input = torch.cat([latents, latents]) if guided else latents
                model_input = noise_schedule.scale_model_input(model_input, timestep)
                noise = self._denoise(model_input, timestep, text, checkpointing=checkpointing)
                if guided:
                    unconditional, conditional = noise.chunk(2)
                    noise = unconditional + guidance_scale * (conditional - unconditional)
                latents = noise_schedule.step(
                    noise, timestep, latents, eta=scheduler.eta, generator=generator, return_dict=False
                )[0]
        return latents

    def _denoise(self, sample: torch.Tensor, timestep: torch.Tensor, text: torch.Tensor, *, checkpointing: bool) -> torch.Tensor:
        def call_unet(sample: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
            return self.unet(sample, timestep, encoder_hidden_states=text, return_dict=False)[0]

        # UNet3D has no built-in gradient checkpointing: checkpoint the whole call instead, which
        # keeps only its inputs and recomputes the activations during backward.
        if checkpointing and torch.is_grad_enabled():
            return checkpoint(call_unet, sample, text, use_reentrant=False)
        return call_unet(sample, text)

    def decode(self, latents: torch.Tensor, frame_indices: list[int] | None = None) -> torch.Tensor:
        """Frames [B, F', 3, H, W] in [0, 1], differentiable; decodes only `frame_indices` if given."""
        if latents.dim() != 5:
            raise ValueError(f"latents must be [B, C, F, h, w], got shape {tuple(latents.shape)}")
        frame_count = latents.shape[2]
        if frame_indices is not None:
            bad = [index for index in frame_indices
                   if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < frame_count]
            if bad or not frame_indices:
                raise ValueError(f"frame_indices must be a non-empty list of frame numbers from 0 to {frame_count - 1}, "
                                 f"got {frame_indices!r}")
            latents = latents[:, :, list(frame_indices)]
        batch, channels, frames, latent_height, latent_width = latents.shape
        # The VAE is 2D: fold frames into the batch, as ModelScope's pipeline does.
        flat = latents.permute(0, 2, 1, 3, 4).reshape(batch * frames, channels, latent_height, latent_width)
        images = self.vae.decode(flat / self.vae.config.scaling_factor).sample
        # The VAE speaks [-1, 1]; clamping zeroes the gradient only for pixels already saturated.
        images = (images / 2 + 0.5).clamp(0, 1)
        return images.reshape(batch, frames, *images.shape[1:])

    def sample(
        self, prompts: list[str], *, scheduler_spec: dict, seed: int, guidance_scale: float = 1.0
    ) -> torch.Tensor:
        """Videos for display: uint8 [B, F, H, W, 3], no graph."""
        schedule = build_scheduler(scheduler_spec, self.scheduler_config)
        generator = torch.Generator().manual_seed(int(seed))
        with torch.no_grad():
            latents = self.rollout(prompts, scheduler=schedule, generator=generator,
                                   guidance_scale=guidance_scale, grad_last_steps=0, checkpointing=False)
            frames = self.decode(latents)
        return (frames * 255).round().to(torch.uint8).permute(0, 1, 3, 4, 2).contiguous().cpu()
