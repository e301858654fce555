"""AnimateDiff (`AnimateDiffPipeline`): a Stable Diffusion 1.5 UNet with a `MotionAdapter`'s temporal
layers (`UNetMotionModel`), SD's per-frame 2D VAE and CLIP text encoder, so the SD 1.5 ecosystem
(its checkpoints, its LoRAs) trains here.

Its compute is ModelScope's (text_to_video.py): CLIP prompts padded to the tokenizer's length,
guidance as one batch of [unconditional, conditional], frames folded into the VAE's batch. What
differs is the parts and their folder: `AnimateDiffPipeline.save_pretrained` writes the motion UNet
and the adapter, and the stock pipeline's `load_lora_weights` reads our LoRA ("unet." keys).
"""

from __future__ import annotations

import os

import torch
from diffusers import AutoencoderKL, DDIMScheduler, MotionAdapter, UNet2DConditionModel, UNetMotionModel
from transformers import AutoTokenizer, CLIPTextModel

from ..device import Placement
from ..registry import register
from .contract import pipeline_class
from .model_folder import generated_size, require_parts, write_model_file
from .text_to_video import TextToVideoModel
from .tiny_text_to_video import LATENT_CHANNELS, TEXT_WIDTH, modelscope_noise_schedule, tiny_text_encoder, tiny_vae
from .tokenizer import build_word_tokenizer

FAMILY = "animatediff"
PARTS = ("unet", "motion_adapter", "vae", "text_encoder", "tokenizer", "scheduler")
# AnimateDiffPipeline.__call__'s default frame count; SD 1.5's size.
STOCK_FRAMES, STOCK_SIZE = 16, 512


def tiny_motion_unet(latent_size: int) -> UNetMotionModel:
    """A small SD-style UNet and motion adapter joined as AnimateDiffPipeline joins them."""
    unet = UNet2DConditionModel(
        sample_size=latent_size, in_channels=LATENT_CHANNELS, out_channels=LATENT_CHANNELS, block_out_channels=(32, 64), layers_per_block=1,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=TEXT_WIDTH, norm_num_groups=8, attention_head_dim=8,
    )
    adapter = MotionAdapter(block_out_channels=(32, 64), motion_layers_per_block=1, motion_norm_num_groups=8, motion_num_attention_heads=2,
                            motion_max_seq_length=32)
    return UNetMotionModel.from_unet2d(unet, adapter)


@register("model", FAMILY)
class AnimateDiffModel(TextToVideoModel):
    family = FAMILY
    pipeline_class_names = ("AnimateDiffPipeline",)
    lora_pipeline = "AnimateDiffPipeline"
    lora_component = "unet"

    @classmethod
    def tiny(cls, config: "AnimateDiffModel.Config", placement: Placement) -> "AnimateDiffModel":
        tokenizer = build_word_tokenizer()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            unet = tiny_motion_unet(min(config.height, config.width) // 2)
            vae, text_encoder = tiny_vae(min(config.height, config.width)), tiny_text_encoder(tokenizer)
        return cls(unet=unet, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, noise_schedule=modelscope_noise_schedule(),
                   frames=config.frames, height=config.height, width=config.width, placement=placement)

    @property
    def pooled_caption_conditioning(self) -> bool:
        return False  # SD 1.5's UNet reads the caption through cross-attention only

    def denoise(self, latents: torch.Tensor, timestep: torch.Tensor, text: torch.Tensor, *, checkpointing: bool) -> torch.Tensor:
        # The motion UNet folds frames into its batch, and AnimateDiffPipeline repeats each prompt once per frame for it.
        return super().denoise(latents, timestep, text.repeat_interleave(latents.shape[2], dim=0), checkpointing=checkpointing)

    def save(self, directory: str) -> None:
        """`AnimateDiffPipeline.save_pretrained`'s layout, plus vader_model.json."""
        self.refuse_saving_adapters()
        pipeline = pipeline_class("AnimateDiffPipeline")(vae=self.vae, text_encoder=self.text_encoder, tokenizer=self.tokenizer, unet=self.unet,
                                       motion_adapter=self.motion_adapter(), scheduler=DDIMScheduler.from_config(self.noise_schedule))
        pipeline.save_pretrained(directory)
        write_model_file(directory, {"family": self.family, "frames": self.frames, "height": self.height, "width": self.width})

    def motion_adapter(self) -> MotionAdapter:
        """The motion layers as their own MotionAdapter (the pipeline saves them apart too)."""
        config = self.unet.config
        adapter = MotionAdapter(block_out_channels=config.block_out_channels, motion_layers_per_block=config.layers_per_block,
                                motion_norm_num_groups=config.norm_num_groups, motion_num_attention_heads=config.motion_num_attention_heads,
                                motion_max_seq_length=config.motion_max_seq_length, use_motion_mid_block=config.use_motion_mid_block)
        with torch.no_grad():
            for target, source in ((adapter.down_blocks, self.unet.down_blocks), (adapter.up_blocks, self.unet.up_blocks)):
                for adapter_block, unet_block in zip(target, source):
                    adapter_block.motion_modules.load_state_dict(unet_block.motion_modules.state_dict())
            if config.use_motion_mid_block:
                adapter.mid_block.motion_modules.load_state_dict(self.unet.mid_block.motion_modules.state_dict())
        return adapter

    @classmethod
    def load(cls, directory: str, placement: Placement) -> "AnimateDiffModel":
        require_parts(directory, PARTS, "AnimateDiffPipeline")
        unet = UNetMotionModel.from_pretrained(directory, subfolder="unet")
        vae = AutoencoderKL.from_pretrained(directory, subfolder="vae")
        frames, height, width = generated_size(directory, (STOCK_FRAMES, STOCK_SIZE, STOCK_SIZE))
        return cls(unet=unet, vae=vae, text_encoder=CLIPTextModel.from_pretrained(os.path.join(directory, "text_encoder")),
                   tokenizer=AutoTokenizer.from_pretrained(os.path.join(directory, "tokenizer")),
                   noise_schedule=dict(DDIMScheduler.load_config(directory, subfolder="scheduler")),
                   frames=frames, height=height, width=width, placement=placement)
