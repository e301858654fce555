"""CogVideoX (`CogVideoXPipeline`): a DiT over [text; video] tokens (`CogVideoXTransformer3DModel`), a
causal 3D VAE compressing time 4x and space 8x (`AutoencoderKLCogVideoX`), a T5 text encoder, and a
v-prediction DDIM schedule with zero terminal SNR and an SNR shift (`CogVideoXDDIMScheduler`).

The three generations differ in the transformer's position information: 2B learns a position
embedding; 5B uses 3D rotary embeddings, cropped from its training grid for other sizes; 1.5 uses
rotary embeddings sliced from its grid and patches 2 latent frames together, so an odd latent frame
count is padded with noise frames at the front that are dropped before decoding. Each is computed
here as the stock pipeline computes it, with diffusers' own embedding functions.

As the stock pipeline does: prompts are T5 tokens padded to `max_sequence_length` (226), encoded
without a mask; x_T is drawn as [B, F, C, h, w] (CogVideoX's own layout, so the same seed gives the
same noise) and handed to the contract as [B, C, F, h, w]; guidance is one batch of [unconditional,
conditional]; latents are divided by the VAE's scaling factor before decoding.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
from diffusers import AutoencoderKLCogVideoX, CogVideoXDDIMScheduler, CogVideoXTransformer3DModel
from diffusers.models.embeddings import get_3d_rotary_pos_embed
from diffusers.pipelines.cogvideo.pipeline_cogvideox import get_resize_crop_region_for_grid
from transformers import AutoTokenizer, T5Config, T5EncoderModel

from ..device import Placement
from ..registry import register
from .contract import PromptEmbeddings, TinySize, VideoModel, check_frame_indices, check_prompts, pipeline_class
from .model_folder import generated_size, require_parts, write_model_file
from .tiny_wan import unigram_tokenizer

FAMILY = "cogvideox"
PARTS = ("transformer", "vae", "text_encoder", "tokenizer", "scheduler")
STOCK_FRAMES, STOCK_HEIGHT, STOCK_WIDTH, MAX_SEQUENCE_LENGTH = 49, 480, 720, 226
TEXT_WIDTH = 32


# How each generation's transformer places tokens (the real checkpoints' transformer/config.json).
# Rotary embeddings split a head's width 1/4 (time) + 3/8 + 3/8 (space), each even: heads of 16 (64 in the real ones).
ROTARY_HEADS = {"use_rotary_positional_embeddings": True, "num_attention_heads": 2, "attention_head_dim": 16}
POSITION_LAYOUTS = {
    "2b": {},
    "5b": ROTARY_HEADS,
    "1.5": {**ROTARY_HEADS, "patch_size_t": 2, "patch_bias": False},
}


def tiny_cogvideox_components(seed: int, variant: str = "2b") -> dict:
    """Shaped after diffusers' own get_dummy_components for CogVideoXPipeline, with the position layout
    of `variant` ("2b", "5b" or "1.5") and the offline T5 tokenizer."""
    tokenizer = unigram_tokenizer()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        transformer = CogVideoXTransformer3DModel(**{
            "num_attention_heads": 4, "attention_head_dim": 8, "in_channels": 4, "out_channels": 4, "time_embed_dim": 2,
            "text_embed_dim": TEXT_WIDTH, "num_layers": 2, "sample_width": 4, "sample_height": 4, "sample_frames": 9, "patch_size": 2,
            "temporal_compression_ratio": 4, "max_text_seq_length": MAX_SEQUENCE_LENGTH, **POSITION_LAYOUTS[variant],
        })
        vae = AutoencoderKLCogVideoX(
            in_channels=3, out_channels=3, down_block_types=("CogVideoXDownBlock3D",) * 4, up_block_types=("CogVideoXUpBlock3D",) * 4,
            block_out_channels=(8, 8, 8, 8), latent_channels=4, layers_per_block=1, norm_num_groups=2, temporal_compression_ratio=4,
        )
        text_encoder = T5EncoderModel(T5Config(vocab_size=len(tokenizer), d_model=TEXT_WIDTH, d_kv=8, d_ff=64, num_layers=2, num_heads=4,
                                               relative_attention_num_buckets=8, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0))
    schedule = {**CogVideoXDDIMScheduler(prediction_type="v_prediction", rescale_betas_zero_snr=True, snr_shift_scale=3.0,
                                         timestep_spacing="trailing", set_alpha_to_one=True, clip_sample=False).config, "_class_name": "CogVideoXDDIMScheduler"}
    return {"transformer": transformer, "vae": vae, "text_encoder": text_encoder, "tokenizer": tokenizer, "noise_schedule": schedule}


@register("model", FAMILY)
class CogVideoXModel(VideoModel):
    family = FAMILY
    pipeline_class_names = ("CogVideoXPipeline",)
    lora_pipeline = "CogVideoXPipeline"

    @dataclass(frozen=True)
    class Config(TinySize):
        """A tiny model's options (bounds and defaults: CogVideoXTinyOptions in src/specs/model-config.ts)."""

        variant: str = "2b"  # "2b", "5b" or "1.5"

    def __init__(self, *, transformer: CogVideoXTransformer3DModel, vae: AutoencoderKLCogVideoX, text_encoder: T5EncoderModel, tokenizer,
                 noise_schedule: dict, frames: int, height: int, width: int, placement: Placement):
        self.transformer, self.vae, self.text_encoder, self.tokenizer = transformer, vae, text_encoder, tokenizer
        self.temporal_factor = int(vae.config.temporal_compression_ratio)
        self.spatial_factor = 2 ** (len(vae.config.block_out_channels) - 1)
        self.frame_patch = transformer.config.patch_size_t  # None before CogVideoX 1.5
        self._rotary: tuple[tuple, tuple[torch.Tensor, torch.Tensor]] | None = None  # (size, embedding) of the last size used
        super().__init__(noise_schedule=noise_schedule, frames=frames, height=height, width=width, placement=placement)
        self.freeze_parts()

    # ---- construction, save, load -------------------------------------------------------------

    @classmethod
    def tiny(cls, config: "CogVideoXModel.Config", placement: Placement) -> "CogVideoXModel":
        return cls(**tiny_cogvideox_components(config.seed, config.variant), frames=config.frames, height=config.height, width=config.width, placement=placement)

    def save(self, directory: str) -> None:
        """`CogVideoXPipeline.save_pretrained`'s layout, plus vader_model.json."""
        self.refuse_saving_adapters()
        pipeline_class("CogVideoXPipeline")(tokenizer=self.tokenizer, text_encoder=self.text_encoder, vae=self.vae, transformer=self.transformer,
                          scheduler=CogVideoXDDIMScheduler.from_config(self.noise_schedule)).save_pretrained(directory)
        write_model_file(directory, {"family": self.family, "frames": self.frames, "height": self.height, "width": self.width})

    @classmethod
    def load(cls, directory: str, placement: Placement) -> "CogVideoXModel":
        require_parts(directory, PARTS, "CogVideoXPipeline")
        frames, height, width = generated_size(directory, (STOCK_FRAMES, STOCK_HEIGHT, STOCK_WIDTH))
        return cls(
            transformer=CogVideoXTransformer3DModel.from_pretrained(directory, subfolder="transformer"),
            vae=AutoencoderKLCogVideoX.from_pretrained(directory, subfolder="vae"),
            text_encoder=T5EncoderModel.from_pretrained(os.path.join(directory, "text_encoder")),
            tokenizer=AutoTokenizer.from_pretrained(os.path.join(directory, "tokenizer")),
            noise_schedule=dict(CogVideoXDDIMScheduler.load_config(directory, subfolder="scheduler")),
            frames=frames, height=height, width=width, placement=placement,
        )

    def check_size(self, frames: int, height: int, width: int) -> None:
        super().check_size(frames, height, width)
        if (frames - 1) % self.temporal_factor:
            raise ValueError(f"frames must be {self.temporal_factor}k + 1 for CogVideoX's VAE, which compresses time "
                             f"{self.temporal_factor}x after the first frame (got {frames})")
        multiple = self.spatial_factor * int(self.transformer.config.patch_size)
        if height % multiple or width % multiple:
            raise ValueError(f"height {height} and width {width} must be multiples of {multiple} for CogVideoX "
                             f"(the VAE's {self.spatial_factor}x times the transformer's patch {self.transformer.config.patch_size})")

    # ---- description ---------------------------------------------------------------------------

    def parts(self) -> dict[str, torch.nn.Module]:
        return {"transformer": self.transformer, "vae": self.vae, "text_encoder": self.text_encoder}

    @property
    def denoiser(self) -> torch.nn.Module:
        return self.transformer

    @property
    def padding_latent_frames(self) -> int:
        """CogVideoX 1.5 patches `frame_patch` latent frames together: this many noise frames go in front of
        an indivisible count, and are dropped before decoding (the stock pipeline's `additional_frames`)."""
        latent_frames = (self.frames - 1) // self.temporal_factor + 1
        return (-latent_frames) % self.frame_patch if self.frame_patch else 0

    @property
    def latent_shape(self) -> list[int]:
        return [int(self.transformer.config.in_channels), (self.frames - 1) // self.temporal_factor + 1 + self.padding_latent_frames,
                self.height // self.spatial_factor, self.width // self.spatial_factor]

    def rotary_embedding(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The (cos, sin) 3D rotary embedding of this size's token grid, as CogVideoXPipeline prepares it; None on 2B."""
        config = self.transformer.config
        if not config.use_rotary_positional_embeddings:
            return None
        size = (self.latent_shape[1], self.height, self.width, str(self.device))
        if self._rotary is None or self._rotary[0] != size:
            patch = config.patch_size
            grid = (self.height // (self.spatial_factor * patch), self.width // (self.spatial_factor * patch))
            base_height, base_width = config.sample_height // patch, config.sample_width // patch
            if self.frame_patch is None:  # 5B: the training grid's embedding, cropped to this aspect ratio
                embedding = get_3d_rotary_pos_embed(embed_dim=config.attention_head_dim, grid_size=grid, temporal_size=size[0],
                                                    crops_coords=get_resize_crop_region_for_grid(grid, base_width, base_height), device=self.device)
            else:  # 1.5: sliced from the largest grid, one temporal position per patch of frames
                embedding = get_3d_rotary_pos_embed(embed_dim=config.attention_head_dim, grid_size=grid, crops_coords=None, grid_type="slice",
                                                    temporal_size=-(-size[0] // self.frame_patch), max_size=(base_height, base_width),
                                                    device=self.device)
            self._rotary = (size, embedding)
        return self._rotary[1]

    # ---- compute -------------------------------------------------------------------------------

    def initial_latents(self, batch: int, generator: torch.Generator) -> torch.Tensor:
        """Drawn in CogVideoX's [B, F, C, h, w] layout, as the stock pipeline draws it, then put in the contract's."""
        channels, frames, height, width = self.latent_shape
        noise = torch.randn([batch, frames, channels, height, width], generator=generator, dtype=torch.float32, device=generator.device)
        return noise.permute(0, 2, 1, 3, 4).to(self.device, self.placement.compute_dtype)

    def encode_prompts(self, prompts: list[str], *, unconditional: bool = False) -> PromptEmbeddings:
        check_prompts(prompts)

        def encode(texts: list[str]) -> torch.Tensor:
            tokens = self.tokenizer(texts, padding="max_length", max_length=MAX_SEQUENCE_LENGTH, truncation=True, add_special_tokens=True,
                                    return_tensors="pt")
            with torch.no_grad():
                return self.text_encoder(tokens.input_ids.to(self.device))[0].to(self.placement.compute_dtype)

        return PromptEmbeddings(encode(list(prompts)), encode([""] * len(prompts)) if unconditional else None)

    def denoise(self, latents: torch.Tensor, timestep: torch.Tensor, text: torch.Tensor, *, checkpointing: bool) -> torch.Tensor:
        if self.transformer.gradient_checkpointing != checkpointing:  # diffusers checkpoints each block itself
            if checkpointing:
                self.transformer.enable_gradient_checkpointing()
            else:
                self.transformer.disable_gradient_checkpointing()
        timesteps = torch.as_tensor(timestep, device=self.device).reshape(-1).expand(latents.shape[0])
        output = self.transformer(hidden_states=latents.permute(0, 2, 1, 3, 4).to(self.dtype), encoder_hidden_states=text.to(self.dtype),
                                  timestep=timesteps, image_rotary_emb=self.rotary_embedding(), return_dict=False)[0]
        return output.permute(0, 2, 1, 3, 4).to(self.placement.compute_dtype)

    def decode_frames(self, latents: torch.Tensor, frame_indices: list[int] | None = None) -> torch.Tensor:
        """Decodes every latent frame (the VAE batches latent frames with a causal cache), then picks frames."""
        if latents.dim() != 5:
            raise ValueError(f"latents must be [B, C, F, h, w], got shape {tuple(latents.shape)}")
        scaled = (latents[:, :, self.padding_latent_frames:] / self.vae.config.scaling_factor).to(self.dtype)
        video = self.vae.decode(scaled).sample.to(self.placement.compute_dtype)
        frames = (video / 2 + 0.5).clamp(0, 1).permute(0, 2, 1, 3, 4)
        if frame_indices is None:
            return frames
        check_frame_indices(frame_indices, frames.shape[1])
        return frames[:, list(frame_indices)]

    def encode_videos(self, frames: torch.Tensor) -> torch.Tensor:
        if frames.dim() != 5 or frames.shape[2] != 3:
            raise ValueError(f"frames must be [B, F, 3, H, W] in [0, 1], got shape {tuple(frames.shape)}")
        pixels = (frames * 2 - 1).permute(0, 2, 1, 3, 4).to(device=self.device, dtype=self.dtype)
        latents = self.vae.encode(pixels).latent_dist.mean.to(self.placement.compute_dtype) * self.vae.config.scaling_factor
        # CogVideoX 1.5's padding frames carry no video: repeat the first latent frame in their place.
        return torch.cat([latents[:, :, :1].expand(-1, -1, self.padding_latent_frames, -1, -1), latents], dim=2)
