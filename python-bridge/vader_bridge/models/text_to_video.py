"""ModelScope-layout text-to-video model: UNet3D denoiser, per-frame 2D VAE, CLIP text encoder.

Holds the parts, saves and loads them in the diffusers folder layout, and implements the model
contract (contract.py); sampling and training loops live outside (sampling.py, trainers/).
"""

from __future__ import annotations

import json
import os

import torch
from diffusers import AutoencoderKL, DDIMScheduler, UNet3DConditionModel
from torch.utils.checkpoint import checkpoint
from transformers import AutoTokenizer, CLIPTextModel, PreTrainedTokenizerFast

from ..device import Placement
from ..registry import register
from .contract import PromptEmbeddings, TinySize, VideoModel, check_frame_indices, check_prompts
from .model_folder import MODEL_FILE, write_model_file
from .tiny_text_to_video import tiny_components
from .tokenizer import tokenize

FAMILY = "text-to-video"
# ModelScope checkpoints carry no vader_model.json; they generate 16 frames.
MODELSCOPE_FRAMES = 16
PARTS = ("unet", "vae", "text_encoder", "tokenizer", "scheduler")


@register("model", FAMILY)
class TextToVideoModel(VideoModel):
    family = FAMILY
    pipeline_class_names = ("TextToVideoSDPipeline",)

    Config = TinySize  # a tiny model's options (bounds and defaults: src/specs/model-config.ts)

    def __init__(
        self,
        *,
        unet: UNet3DConditionModel,
        vae: AutoencoderKL,
        text_encoder: CLIPTextModel,
        tokenizer: PreTrainedTokenizerFast,
        noise_schedule: dict,
        frames: int,
        height: int,
        width: int,
        placement: Placement,
    ):
        self.unet, self.vae, self.text_encoder, self.tokenizer = unet, vae, text_encoder, tokenizer
        self.vae_scale_factor = 2 ** (len(vae.config.block_out_channels) - 1)
        super().__init__(noise_schedule=noise_schedule, frames=frames, height=height, width=width, placement=placement)
        self.freeze_parts()

    # ---- construction, save, load -------------------------------------------------------------

    @classmethod
    def tiny(cls, config: "TextToVideoModel.Config", placement: Placement) -> "TextToVideoModel":
        components = tiny_components(seed=config.seed, height=config.height, width=config.width)
        return cls(**components, frames=config.frames, height=config.height, width=config.width, placement=placement)

    def save(self, directory: str) -> None:
        """diffusers layout (unet/ vae/ text_encoder/ tokenizer/ scheduler/) plus vader_model.json."""
        self.refuse_saving_adapters()
        os.makedirs(directory, exist_ok=True)
        self.unet.save_pretrained(os.path.join(directory, "unet"))
        self.vae.save_pretrained(os.path.join(directory, "vae"))
        self.text_encoder.save_pretrained(os.path.join(directory, "text_encoder"))
        self.tokenizer.save_pretrained(os.path.join(directory, "tokenizer"))
        DDIMScheduler.from_config(self.noise_schedule).save_pretrained(os.path.join(directory, "scheduler"))
        write_model_file(directory, {"family": self.family, "frames": self.frames, "height": self.height, "width": self.width})

    def check_size(self, frames: int, height: int, width: int) -> None:
        super().check_size(frames, height, width)
        if height % self.vae_scale_factor or width % self.vae_scale_factor:
            raise ValueError(
                f"height {height} and width {width} must be multiples of the VAE's downsampling factor "
                f"{self.vae_scale_factor}"
            )

    @classmethod
    def load(cls, directory: str, placement: Placement) -> "TextToVideoModel":
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"no model directory at {directory}")
        missing = [part for part in PARTS if not os.path.isdir(os.path.join(directory, part))]
        if missing:
            raise FileNotFoundError(
                f"{directory} is not a text-to-video model folder: it lacks {', '.join(part + '/' for part in missing)} "
                "(expected unet/ vae/ text_encoder/ tokenizer/ scheduler/, as written by save())"
            )
        unet = UNet3DConditionModel.from_pretrained(directory, subfolder="unet")
        vae = AutoencoderKL.from_pretrained(directory, subfolder="vae")
        text_encoder = CLIPTextModel.from_pretrained(os.path.join(directory, "text_encoder"))
        tokenizer = AutoTokenizer.from_pretrained(os.path.join(directory, "tokenizer"))
        noise_schedule = dict(DDIMScheduler.load_config(directory, subfolder="scheduler"))
        description_path = os.path.join(directory, MODEL_FILE)
        if os.path.isfile(description_path):
            with open(description_path, encoding="utf-8") as handle:
                description = json.load(handle)
            frames, height, width = description["frames"], description["height"], description["width"]
        else:
            pixel_size = unet.config.sample_size * 2 ** (len(vae.config.block_out_channels) - 1)
            frames, height, width = MODELSCOPE_FRAMES, pixel_size, pixel_size
        return cls(unet=unet, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, noise_schedule=noise_schedule,
                   frames=frames, height=height, width=width, placement=placement)

    # ---- description ---------------------------------------------------------------------------

    def parts(self) -> dict[str, torch.nn.Module]:
        return {"unet": self.unet, "vae": self.vae, "text_encoder": self.text_encoder}

    @property
    def denoiser(self) -> torch.nn.Module:
        return self.unet

    @property
    def latent_shape(self) -> list[int]:
        return [int(self.unet.config.in_channels), self.frames,
                self.height // self.vae_scale_factor, self.width // self.vae_scale_factor]

    # ---- compute -------------------------------------------------------------------------------

    def encode_prompts(self, prompts: list[str], *, unconditional: bool = False) -> PromptEmbeddings:
        check_prompts(prompts)

        def encode(texts: list[str]) -> torch.Tensor:
            token_ids = tokenize(self.tokenizer, texts).to(self.device)
            with torch.no_grad():  # the text encoder is frozen: no graph to keep
                output = self.text_encoder(token_ids)
            if not self.pooled_caption_conditioning:
                return output.last_hidden_state
            # The pooled caption rides along as one extra token; denoise() takes it off again.
            return torch.cat([output.last_hidden_state, output.pooler_output[:, None]], dim=1)

        return PromptEmbeddings(encode(list(prompts)), encode([""] * len(prompts)) if unconditional else None)

    @property
    def pooled_caption_conditioning(self) -> bool:
        """Whether the UNet adds the pooled caption to its timestep embedding (`time_cond_proj_dim` in
        its config), as the digit world's base does: a path to every residual block that a small
        model cannot learn to ignore, beside cross-attention. ModelScope's own UNet does not."""
        return self.unet.config.time_cond_proj_dim is not None

    def denoise(self, latents: torch.Tensor, timestep: torch.Tensor, text: torch.Tensor, *, checkpointing: bool) -> torch.Tensor:
        def call_unet(sample: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
            if self.pooled_caption_conditioning:
                text, pooled = text[:, :-1], text[:, -1]
                return self.unet(sample, timestep, encoder_hidden_states=text, timestep_cond=pooled, return_dict=False)[0]
            return self.unet(sample, timestep, encoder_hidden_states=text, return_dict=False)[0]

        sample, text = latents.to(self.dtype), text.to(self.dtype)
        # UNet3D has no built-in gradient checkpointing: checkpoint the whole call instead, which
        # keeps only its inputs and recomputes the activations during backward.
        if checkpointing and torch.is_grad_enabled():
            return checkpoint(call_unet, sample, text, use_reentrant=False).to(self.placement.compute_dtype)
        return call_unet(sample, text).to(self.placement.compute_dtype)

    def decode_frames(self, latents: torch.Tensor, frame_indices: list[int] | None = None) -> torch.Tensor:
        if latents.dim() != 5:
            raise ValueError(f"latents must be [B, C, F, h, w], got shape {tuple(latents.shape)}")
        frame_count = latents.shape[2]
        if frame_indices is not None:
            check_frame_indices(frame_indices, frame_count)
            latents = latents[:, :, list(frame_indices)]
        batch, channels, frames, latent_height, latent_width = latents.shape
        # The VAE is 2D: fold frames into the batch, as ModelScope's pipeline does.
        flat = latents.permute(0, 2, 1, 3, 4).reshape(batch * frames, channels, latent_height, latent_width)
        images = self.vae.decode((flat / self.vae.config.scaling_factor).to(self.dtype)).sample.to(self.placement.compute_dtype)
        # The VAE speaks [-1, 1]; clamping zeroes the gradient only for pixels already saturated.
        images = (images / 2 + 0.5).clamp(0, 1)
        return images.reshape(batch, frames, *images.shape[1:])

    def encode_videos(self, frames: torch.Tensor) -> torch.Tensor:
        if frames.dim() != 5 or frames.shape[2] != 3:
            raise ValueError(f"frames must be [B, F, 3, H, W] in [0, 1], got shape {tuple(frames.shape)}")
        batch, frame_count = frames.shape[:2]
        pixels = (frames.flatten(0, 1) * 2 - 1).to(device=self.device, dtype=self.dtype)
        latents = self.vae.encode(pixels).latent_dist.mean.to(self.placement.compute_dtype) * self.vae.config.scaling_factor
        return latents.reshape(batch, frame_count, *latents.shape[1:]).permute(0, 2, 1, 3, 4)
