"""The digit world's base model: ModelScope's classes and layout, sized for 2 CPU cores.

- VAE (`AutoencoderKL`, 3 blocks): 32x32 RGB frames <-> 4x8x8 latents, trained first so the
  diffusion runs on tiny latents.
- Denoiser (`UNet3DConditionModel`): cross-attention to the caption at every level, and the
  pooled caption embedding added to the timestep embedding (`time_cond_proj_dim`): a
  conditioning path that reaches every residual block, so the model cannot ignore its caption
  (the cross-attention-only prototype did: docs/world.md).
- Text encoder (`CLIPTextModel`, trained with the UNet) over the offline word tokenizer.
- Noise schedule: ModelScope's scaled-linear betas rescaled to zero terminal SNR, v-prediction,
  DDIM "trailing" spacing, so sampling starts from pure noise at t=999.
"""

from __future__ import annotations

from diffusers import AutoencoderKL, DDIMScheduler, UNet3DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel, PreTrainedTokenizerFast

from ..models.tokenizer import build_word_tokenizer

LATENT_CHANNELS = 4
TEXT_WIDTH = 64
CAPTION_TOKENS = 8  # [BOS] digit 7 moving left [EOS] + padding


def world_tokenizer() -> PreTrainedTokenizerFast:
    return build_word_tokenizer(max_length=CAPTION_TOKENS)


def world_vae() -> AutoencoderKL:
    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 3,
        up_block_types=("UpDecoderBlock2D",) * 3,
        block_out_channels=(32, 64, 64),
        layers_per_block=1,
        latent_channels=LATENT_CHANNELS,
        norm_num_groups=16,
        sample_size=32,
    )


def world_unet() -> UNet3DConditionModel:
    return UNet3DConditionModel(
        sample_size=8,
        in_channels=LATENT_CHANNELS,
        out_channels=LATENT_CHANNELS,
        down_block_types=("CrossAttnDownBlock3D", "CrossAttnDownBlock3D", "DownBlock3D"),
        up_block_types=("UpBlock3D", "CrossAttnUpBlock3D", "CrossAttnUpBlock3D"),
        block_out_channels=(32, 64, 64),
        layers_per_block=1,
        norm_num_groups=16,
        cross_attention_dim=TEXT_WIDTH,
        attention_head_dim=4,  # UNet3D reads this as the number of heads (a diffusers naming quirk)
        time_cond_proj_dim=TEXT_WIDTH,
    )


def world_text_encoder(tokenizer: PreTrainedTokenizerFast) -> CLIPTextModel:
    return CLIPTextModel(CLIPTextConfig(
        vocab_size=len(tokenizer),
        hidden_size=TEXT_WIDTH,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        max_position_embeddings=CAPTION_TOKENS,
        projection_dim=TEXT_WIDTH,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        layer_norm_eps=1e-5,
        hidden_act="gelu",
    ))


NOISE_SCHEDULE = dict(
    num_train_timesteps=1000,
    beta_start=0.00085,
    beta_end=0.012,
    beta_schedule="scaled_linear",
    rescale_betas_zero_snr=True,
    prediction_type="v_prediction",
    timestep_spacing="trailing",
    clip_sample=False,
    set_alpha_to_one=True,
    steps_offset=0,
)


def world_scheduler() -> DDIMScheduler:
    return DDIMScheduler(**NOISE_SCHEDULE)
