"""Configs for a tiny ModelScope-layout text-to-video model with random weights.

Shaped after diffusers' own `get_dummy_components` for TextToVideoSDPipeline, but a little wider
(about 1.3M UNet parameters) so that training has something to move, and small enough that one
VADER step (10 DDIM steps, backprop through the last) takes well under a second or two on 2 CPU cores.
"""

from __future__ import annotations

import torch
from diffusers import AutoencoderKL, DDIMScheduler, UNet3DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel, PreTrainedTokenizerFast

from .tokenizer import build_word_tokenizer

LATENT_CHANNELS = 4
TEXT_WIDTH = 32


def tiny_unet(latent_size: int) -> UNet3DConditionModel:
    return UNet3DConditionModel(
        sample_size=latent_size,
        in_channels=LATENT_CHANNELS,
        out_channels=LATENT_CHANNELS,
        down_block_types=("CrossAttnDownBlock3D", "DownBlock3D"),
        up_block_types=("UpBlock3D", "CrossAttnUpBlock3D"),
        block_out_channels=(32, 64),
        layers_per_block=1,
        norm_num_groups=8,
        cross_attention_dim=TEXT_WIDTH,
        attention_head_dim=8,  # UNet3D reads this as the number of heads (a diffusers naming quirk)
    )


def tiny_vae(pixel_size: int) -> AutoencoderKL:
    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        block_out_channels=(16, 32),
        layers_per_block=1,
        latent_channels=LATENT_CHANNELS,
        norm_num_groups=8,
        sample_size=pixel_size,
    )


def tiny_text_encoder(tokenizer: PreTrainedTokenizerFast) -> CLIPTextModel:
    config = CLIPTextConfig(
        vocab_size=len(tokenizer),
        hidden_size=TEXT_WIDTH,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        max_position_embeddings=tokenizer.model_max_length,
        projection_dim=TEXT_WIDTH,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        layer_norm_eps=1e-5,
        hidden_act="gelu",
    )
    return CLIPTextModel(config)


def modelscope_noise_schedule() -> dict:
    """ModelScope's DDIM schedule (scaled-linear betas 0.00085..0.012, 1000 steps, steps_offset 1).

    steps_offset=1 matters for VADER: with diffusers' default 0, "leading" spacing ends on t=0,
    where set_alpha_to_one=False makes alpha_t equal alpha_prev, so the last DDIM step returns its
    input unchanged and the gradient of K=1 truncated backprop is exactly zero.
    """
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    return dict(scheduler.config)


def tiny_components(*, seed: int, height: int, width: int) -> dict:
    """Every part built from `seed` alone, without touching the caller's global RNG state.

    height and width are multiples of 4 (checked by the schema, TextToVideoTinyOptions): two VAE
    blocks make one 2x downsample, and the UNet's two levels need an even latent size.
    """
    vae_factor = 2
    tokenizer = build_word_tokenizer()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        unet = tiny_unet(min(height, width) // vae_factor)
        torch.manual_seed(seed + 1)
        vae = tiny_vae(min(height, width))
        torch.manual_seed(seed + 2)
        text_encoder = tiny_text_encoder(tokenizer)
    return {
        "unet": unet,
        "vae": vae,
        "text_encoder": text_encoder,
        "tokenizer": tokenizer,
        "noise_schedule": modelscope_noise_schedule(),
    }
