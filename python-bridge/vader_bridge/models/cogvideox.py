"""CogVideoX (`CogVideoXPipeline`): a DiT over [text; video] tokens (`CogVideoXTransformer3DModel`), a
causal 3D VAE compressing time 4x and space 8x (`AutoencoderKLCogVideoX`), a T5 text encoder, and a
v-prediction DDIM schedule with zero terminal SNR and an SNR shift (`CogVideoXDDIMScheduler`).

As the stock pipeline does: prompts are T5 tokens padded to `max_sequence_length` (226), encoded
without a mask; x_T is drawn as [B, F, C, h, w] (CogVideoX's own layout, so the same seed gives the
same noise) and handed to the contract as [B, C, F, h, w]; guidance is one batch of [unconditional,
conditional]; latents are divided by the VAE's scaling factor before decoding.
"""

from __future__ import annotations

import os

import torch
from diffusers import AutoencoderKLCogVideoX, CogVideoXDDIMScheduler, CogVideoXTransformer3DModel
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


def tiny_cogvideox_components(seed: int) -> dict:
    """Shaped after diffusers' own get_dummy_components for CogVideoXPipeline (the 2B layout: learned
    positional embeddings, no rotary), with the offline T5 tokenizer."""
    tokenizer = unigram_tokenizer()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        transformer = CogVideoXTransformer3DModel(
            num_attention_heads=4, attention_head_dim=8, in_channels=4, out_channels=4, time_embed_dim=2, text_embed_dim=TEXT_WIDTH,
            num_layers=2, sample_width=4, sample_height=4, sample_frames=9, patch_size=2, temporal_compression_ratio=4,
            max_text_seq_length=MAX_SEQUENCE_LENGTH,
        )
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

    Config = TinySize  # a tiny model's options (bounds and defaults: src/specs/model-config.ts)

    def __init__(self, *, transformer: CogVideoXTransformer3DModel, vae: AutoencoderKLCogVideoX, text_encoder: T5EncoderModel, tokenizer,
                 noise_schedule: dict, frames: int, height: int, width: int, placement: Placement):
        self.transformer, self.vae, self.text_encoder, self.tokenizer = transformer, vae, text_encoder, tokenizer
        self.temporal_factor = int(vae.config.temporal_compression_ratio)
        self.spatial_factor = 2 ** (len(vae.config.block_out_channels) - 1)
        super().__init__(noise_schedule=noise_schedule, frames=frames, height=height, width=width, placement=placement)
        self.freeze_parts()

    # ---- construction, save, load -------------------------------------------------------------

    @classmethod
    def tiny(cls, config: "CogVideoXModel.Config", placement: Placement) -> "CogVideoXModel":
        return cls(**tiny_cogvideox_components(config.seed), frames=config.frames, height=config.height, width=config.width, placement=placement)

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
        if self.transformer.config.use_rotary_positional_embeddings:
            raise ValueError("this CogVideoX checkpoint uses rotary position embeddings (the 5B and 1.5 models), which this family "
                             "does not build yet; load a CogVideoX-2b folder")

    # ---- description ---------------------------------------------------------------------------

    def parts(self) -> dict[str, torch.nn.Module]:
        return {"transformer": self.transformer, "vae": self.vae, "text_encoder": self.text_encoder}

    @property
    def denoiser(self) -> torch.nn.Module:
        return self.transformer

    @property
    def latent_shape(self) -> list[int]:
        return [int(self.transformer.config.in_channels), (self.frames - 1) // self.temporal_factor + 1,
                self.height // self.spatial_factor, self.width // self.spatial_factor]

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
                                  timestep=timesteps, return_dict=False)[0]
        return output.permute(0, 2, 1, 3, 4).to(self.placement.compute_dtype)

    def decode_frames(self, latents: torch.Tensor, frame_indices: list[int] | None = None) -> torch.Tensor:
        """Decodes every latent frame (the VAE batches latent frames with a causal cache), then picks frames."""
        if latents.dim() != 5:
            raise ValueError(f"latents must be [B, C, F, h, w], got shape {tuple(latents.shape)}")
        scaled = (latents / self.vae.config.scaling_factor).to(self.dtype)
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
        return self.vae.encode(pixels).latent_dist.mean.to(self.placement.compute_dtype) * self.vae.config.scaling_factor
