"""Wan text-to-video (`WanPipeline`): a flow-matching DiT (`WanTransformer3DModel`), a causal 3D VAE
that compresses time 4x and space 8x (`AutoencoderKLWan`), and a UMT5 text encoder. Wan 2.1, and Wan
2.2's TI2V-5B single transformer (its VAE patches 2x2 into 48 channels, 16x in all, and the pipeline
gives the transformer a timestep per token: `expand_timesteps`), sampled as text-to-video; and Wan 2.2
A14B's two experts (`transformer` above the boundary timestep, `transformer_2` below it), LoRA on one
of them (wan_experts.py).

Everything that decides the frames follows the stock pipeline, so that the same seed gives the same
video: the prompt is cleaned and tokenized to `max_sequence_length` tokens, encoded with its
attention mask, trimmed to its real length and zero-padded back (cross-attention sees the padding);
x_T is drawn in fp32 as [B, 16, (F - 1) / 4 + 1, H / 8, W / 8]; guidance runs the conditional and
the unconditional ("" prompt) passes apart; latents are de-normalised with the VAE's per-channel
mean and std before decoding.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import diffusers
import torch
from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanTransformer3DModel
from transformers import AutoTokenizer, UMT5EncoderModel

from ..device import Placement
from ..registry import register
from .contract import PromptEmbeddings, TinySize, VideoModel, check_frame_indices, check_prompts, pipeline_class
from .model_folder import generated_size, require_parts, write_model_file
from .tiny_wan import tiny_wan_components
from .wan_experts import EXPERTS, choose_expert, high_noise_steps, mark_lora_files, marked_expert

FAMILY = "wan"
PARTS = ("transformer", "vae", "text_encoder", "tokenizer", "scheduler")
# WanPipeline.__call__'s defaults, for a checkpoint without vader_model.json.
STOCK_FRAMES, STOCK_HEIGHT, STOCK_WIDTH, STOCK_MAX_SEQUENCE_LENGTH = 81, 480, 832, 512


@register("model", FAMILY)
class WanModel(VideoModel):
    family = FAMILY
    pipeline_class_names = ("WanPipeline",)
    lora_pipeline = "WanPipeline"

    @dataclass(frozen=True)
    class Config(TinySize):
        """A tiny model's options (bounds and defaults: WanTinyOptions in src/specs/model-config.ts)."""

        variant: str  # "2.1", "2.2-ti2v" or "2.2-a14b"
        expert: str | None = None  # "2.2-a14b": the expert that carries LoRA ("high-noise" or "low-noise", the default)

    def __init__(self, *, transformer: WanTransformer3DModel, vae: AutoencoderKLWan, text_encoder: UMT5EncoderModel, tokenizer,
                 noise_schedule: dict, frames: int, height: int, width: int, placement: Placement,
                 expand_timesteps: bool = False, max_sequence_length: int = STOCK_MAX_SEQUENCE_LENGTH,
                 transformer_2: WanTransformer3DModel | None = None, boundary_ratio: float | None = None, expert: str | None = None):
        self.transformer, self.vae, self.text_encoder, self.tokenizer = transformer, vae, text_encoder, tokenizer
        if (transformer_2 is None) != (boundary_ratio is None):
            raise ValueError("a two-expert Wan model needs both transformer_2 and boundary_ratio (WanPipeline switches experts at "
                             f"boundary_ratio x num_train_timesteps); got transformer_2={type(transformer_2).__name__}, boundary_ratio={boundary_ratio}")
        # Wan 2.2 A14B: `transformer` denoises t >= boundary, `transformer_2` below; LoRA goes on `expert`'s only.
        self.transformer_2, self.boundary_ratio = transformer_2, boundary_ratio
        self.expert = choose_expert(expert, transformer_2 is not None, ("expert",), "this Wan model")
        self.expand_timesteps = expand_timesteps  # a timestep per latent token (Wan 2.2 TI2V), as the pipeline's config says
        self.temporal_factor = int(vae.config.scale_factor_temporal)
        self.spatial_factor = int(vae.config.scale_factor_spatial)
        self.max_sequence_length = max_sequence_length
        super().__init__(noise_schedule=noise_schedule, frames=frames, height=height, width=width, placement=placement)
        self.freeze_parts()
        if self.expert is not None:
            self.notes.append(self._expert_note())

    def _expert_note(self) -> str:
        return (f"two experts (Wan 2.2 A14B) switched at t = {self.boundary_timestep:g}: LoRA on the {self.expert} expert "
                f"({EXPERTS[self.expert]}), the other frozen")

    @property
    def boundary_timestep(self) -> float | None:
        """Where WanPipeline switches from `transformer` to `transformer_2` (None with one transformer)."""
        if self.boundary_ratio is None:
            return None
        return self.boundary_ratio * int(self.noise_schedule.get("num_train_timesteps", 1000))

    def choose_expert(self, expert: str | None, where: tuple) -> None:
        """The expert that carries LoRA from now on (a directory source's `expert`): before any adapter is added."""
        chosen = choose_expert(expert, self.transformer_2 is not None, where, "this Wan model")
        if chosen == self.expert:
            return
        if self.adapter_names:
            raise ValueError(f"this model's adapters ({', '.join(self.adapter_names)}) are on the {self.expert} expert; "
                             "choose the expert when the model is loaded, before adding adapters")
        self.notes.remove(self._expert_note())
        self.expert = chosen
        self.notes.append(self._expert_note())

    # ---- construction, save, load -------------------------------------------------------------

    @classmethod
    def tiny(cls, config: "WanModel.Config", placement: Placement) -> "WanModel":
        return cls(**tiny_wan_components(config.seed, config.variant), frames=config.frames, height=config.height, width=config.width,
                   placement=placement, expert=config.expert)

    def save(self, directory: str) -> None:
        """`WanPipeline.save_pretrained`'s layout (so the stock pipeline loads it), plus vader_model.json."""
        self.refuse_saving_adapters()
        scheduler_class = getattr(diffusers, self.noise_schedule_spec.class_name)
        pipeline = pipeline_class("WanPipeline")(tokenizer=self.tokenizer, text_encoder=self.text_encoder, transformer=self.transformer,
                               vae=self.vae, scheduler=scheduler_class.from_config(self.noise_schedule),
                               expand_timesteps=self.expand_timesteps, transformer_2=self.transformer_2, boundary_ratio=self.boundary_ratio)
        pipeline.save_pretrained(directory)
        write_model_file(directory, {"family": self.family, "frames": self.frames, "height": self.height, "width": self.width})

    @classmethod
    def load(cls, directory: str, placement: Placement) -> "WanModel":
        require_parts(directory, PARTS, "WanPipeline")
        index_path, index = os.path.join(directory, "model_index.json"), {}
        if os.path.isfile(index_path):
            with open(index_path, encoding="utf-8") as handle:
                index = json.load(handle)
        two_experts = index.get("transformer_2") not in (None, [None, None])
        if two_experts:
            require_parts(directory, PARTS + ("transformer_2",), "two-expert WanPipeline (Wan 2.2 A14B)")
            if index.get("boundary_ratio") is None:
                raise ValueError(f"{index_path} names a transformer_2 but no boundary_ratio, so it does not say where WanPipeline "
                                 "switches experts; add the checkpoint's boundary_ratio (0.875 for Wan 2.2 T2V-A14B)")
        frames, height, width = generated_size(directory, (STOCK_FRAMES, STOCK_HEIGHT, STOCK_WIDTH))
        return cls(
            transformer=WanTransformer3DModel.from_pretrained(directory, subfolder="transformer"),
            transformer_2=WanTransformer3DModel.from_pretrained(directory, subfolder="transformer_2") if two_experts else None,
            boundary_ratio=float(index["boundary_ratio"]) if two_experts else None,
            vae=AutoencoderKLWan.from_pretrained(directory, subfolder="vae"),
            text_encoder=UMT5EncoderModel.from_pretrained(os.path.join(directory, "text_encoder")),
            tokenizer=AutoTokenizer.from_pretrained(os.path.join(directory, "tokenizer")),
            # The raw config, "_class_name" included: the noise schedule's kind is read from it.
            noise_schedule=dict(FlowMatchEulerDiscreteScheduler.load_config(directory, subfolder="scheduler")),
            frames=frames, height=height, width=width, placement=placement, expand_timesteps=bool(index.get("expand_timesteps")),
        )

    def check_size(self, frames: int, height: int, width: int) -> None:
        super().check_size(frames, height, width)
        if (frames - 1) % self.temporal_factor:
            raise ValueError(f"frames must be {self.temporal_factor}k + 1 for Wan's VAE, which compresses time "
                             f"{self.temporal_factor}x after the first frame (got {frames}; try {self._nearest_frames(frames)})")
        multiple = self.spatial_factor * int(self.transformer.config.patch_size[1])
        if height % multiple or width % multiple:
            raise ValueError(f"height {height} and width {width} must be multiples of {multiple} for Wan "
                             f"(the VAE's {self.spatial_factor}x times the transformer's patch {self.transformer.config.patch_size[1]})")

    def _nearest_frames(self, frames: int) -> int:
        return max(1, round((frames - 1) / self.temporal_factor)) * self.temporal_factor + 1

    # ---- description ---------------------------------------------------------------------------

    def parts(self) -> dict[str, torch.nn.Module]:
        experts = {"transformer_2": self.transformer_2} if self.transformer_2 is not None else {}
        return {"transformer": self.transformer, **experts, "vae": self.vae, "text_encoder": self.text_encoder}

    @property
    def denoiser(self) -> torch.nn.Module:
        """The transformer that carries LoRA: the chosen expert's on a two-expert model."""
        return self.transformer_2 if self.expert == "low-noise" else self.transformer

    @property
    def latent_frames(self) -> int:
        return (self.frames - 1) // self.temporal_factor + 1

    @property
    def latent_shape(self) -> list[int]:
        return [int(self.transformer.config.in_channels), self.latent_frames,
                self.height // self.spatial_factor, self.width // self.spatial_factor]

    # ---- compute -------------------------------------------------------------------------------

    def encode_prompts(self, prompts: list[str], *, unconditional: bool = False) -> PromptEmbeddings:
        check_prompts(prompts)

        from diffusers.pipelines.wan.pipeline_wan import prompt_clean  # the stock pipeline's own cleaning (lazy: see pipeline_class)

        def encode(texts: list[str]) -> torch.Tensor:
            tokens = self.tokenizer([prompt_clean(text) for text in texts], padding="max_length", max_length=self.max_sequence_length,
                                    truncation=True, add_special_tokens=True, return_attention_mask=True, return_tensors="pt")
            with torch.no_grad():
                hidden = self.text_encoder(tokens.input_ids.to(self.device), tokens.attention_mask.to(self.device)).last_hidden_state
            # Keep each prompt's real tokens and zero the rest, as WanPipeline does.
            keep = tokens.attention_mask.to(self.device).gt(0)
            return (hidden * keep[..., None]).to(self.placement.compute_dtype)

        return PromptEmbeddings(encode(list(prompts)), encode([""] * len(prompts)) if unconditional else None)

    def predict_noise(self, latents, timestep, embeddings, *, guidance_scale=1.0, checkpointing=False) -> torch.Tensor:
        """The velocity; with guidance, the conditional and unconditional passes run apart, as WanPipeline runs them."""
        conditional = self.denoise(latents, timestep, embeddings.conditional, checkpointing=checkpointing)
        if guidance_scale <= 1.0:
            return conditional
        if embeddings.unconditional is None:
            raise ValueError("guidance_scale > 1 needs unconditional embeddings: encode_prompts(..., unconditional=True)")
        unconditional = self.denoise(latents, timestep, embeddings.unconditional, checkpointing=checkpointing)
        return unconditional + guidance_scale * (conditional - unconditional)

    def denoise(self, latents: torch.Tensor, timestep: torch.Tensor, text: torch.Tensor, *, checkpointing: bool) -> torch.Tensor:
        timesteps = torch.as_tensor(timestep, device=self.device).reshape(-1).expand(latents.shape[0])
        if self.transformer_2 is None:
            return self._run(self.transformer, latents, timesteps, text, checkpointing)
        # Two experts: each video goes to the one WanPipeline would run at its timestep (a batch may straddle the boundary).
        high = high_noise_steps(timesteps, self.boundary_ratio, int(self.noise_schedule.get("num_train_timesteps", 1000)))
        if bool(high.all()) or not bool(high.any()):
            return self._run(self.transformer if bool(high.all()) else self.transformer_2, latents, timesteps, text, checkpointing)
        upper, lower = high.nonzero().flatten(), (~high).nonzero().flatten()
        outputs = torch.cat([self._run(self.transformer, latents[upper], timesteps[upper], text[upper], checkpointing),
                             self._run(self.transformer_2, latents[lower], timesteps[lower], text[lower], checkpointing)])
        return outputs[torch.argsort(torch.cat([upper, lower]))]

    def _run(self, transformer: WanTransformer3DModel, latents: torch.Tensor, timesteps: torch.Tensor, text: torch.Tensor,
             checkpointing: bool) -> torch.Tensor:
        # diffusers checkpoints each transformer block itself when the flag is on and grad is enabled.
        if transformer.gradient_checkpointing != checkpointing:
            if checkpointing:
                transformer.enable_gradient_checkpointing()
            else:
                transformer.disable_gradient_checkpointing()
        if self.expand_timesteps:
            # One per latent token (frames x patches), all equal in text-to-video: WanPipeline's mask is all ones.
            patch = transformer.config.patch_size
            tokens = latents.shape[2] // patch[0] * (latents.shape[3] // patch[1]) * (latents.shape[4] // patch[2])
            timesteps = timesteps[:, None].expand(-1, tokens)
        output = transformer(hidden_states=latents.to(self.dtype), timestep=timesteps, encoder_hidden_states=text.to(self.dtype),
                             return_dict=False)[0]
        return output.to(self.placement.compute_dtype)

    # ---- LoRA on one expert ----------------------------------------------------------------------

    def trains_at(self, timestep) -> bool:
        if self.expert is None:
            return True
        high = bool(high_noise_steps(torch.as_tensor(timestep), self.boundary_ratio, int(self.noise_schedule.get("num_train_timesteps", 1000))))
        return high == (self.expert == "high-noise")

    def save_adapter(self, name: str, directory: str) -> str:
        """As every family's, and on a two-expert model with the expert named in both files' headers."""
        path = super().save_adapter(name, directory)
        if self.expert is not None:
            mark_lora_files(directory, self.expert)
        return path

    def load_adapter(self, name: str, directory: str) -> None:
        """As every family's; a LoRA marked for one expert loads only onto a model whose LoRA goes on that expert."""
        marked = marked_expert(directory)
        if marked is not None and marked != self.expert:
            where = f"the {self.expert} expert of this two-expert model" if self.expert else "this Wan model, which has one transformer"
            raise ValueError(f"the LoRA in {directory} was trained on the {marked} expert of a two-expert Wan 2.2 A14B model "
                             f"({EXPERTS.get(marked, marked)}), not on {where}; load a two-expert folder with expert {marked!r}")
        super().load_adapter(name, directory)

    def _latent_statistics(self, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        shape = (1, int(self.vae.config.z_dim), 1, 1, 1)
        mean = torch.tensor(self.vae.config.latents_mean).view(shape).to(like.device, like.dtype)
        std = torch.tensor(self.vae.config.latents_std).view(shape).to(like.device, like.dtype)
        return mean, std

    def latent_frame_of(self, frame: int) -> int:
        """The latent frame a pixel frame decodes from: the first alone, then `temporal_factor` per latent."""
        return 0 if frame == 0 else (frame - 1) // self.temporal_factor + 1

    def decode_frames(self, latents: torch.Tensor, frame_indices: list[int] | None = None) -> torch.Tensor:
        """The causal VAE decodes a latent frame from the ones before it, so only the prefix of latent
        frames up to the last requested pixel frame is decoded (frame 0 alone costs one latent frame)."""
        if latents.dim() != 5:
            raise ValueError(f"latents must be [B, C, F, h, w], got shape {tuple(latents.shape)}")
        frame_count = (latents.shape[2] - 1) * self.temporal_factor + 1
        if frame_indices is not None:
            check_frame_indices(frame_indices, frame_count)
            latents = latents[:, :, : self.latent_frame_of(max(frame_indices)) + 1]
        mean, std = self._latent_statistics(latents)
        video = self.vae.decode((latents * std + mean).to(self.dtype), return_dict=False)[0].to(self.placement.compute_dtype)
        frames = (video / 2 + 0.5).clamp(0, 1).permute(0, 2, 1, 3, 4)  # [B, F, 3, H, W]
        return frames if frame_indices is None else frames[:, list(frame_indices)]

    def encode_videos(self, frames: torch.Tensor) -> torch.Tensor:
        if frames.dim() != 5 or frames.shape[2] != 3:
            raise ValueError(f"frames must be [B, F, 3, H, W] in [0, 1], got shape {tuple(frames.shape)}")
        pixels = (frames * 2 - 1).permute(0, 2, 1, 3, 4).to(device=self.device, dtype=self.dtype)
        latents = self.vae.encode(pixels).latent_dist.mean.to(self.placement.compute_dtype)
        mean, std = self._latent_statistics(latents)
        return (latents - mean) / std
