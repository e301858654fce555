"""A tiny Wan 2.1 text-to-video model (and Wan 2.2's TI2V-5B and two-expert A14B layouts) with random weights, built from diffusers' and transformers' real
classes (shaped after diffusers' own `get_dummy_components` for WanPipeline), for tests and smoke runs.

Its tokenizer is built offline: a `tokenizers` Unigram model over the same word list as the tiny
ModelScope tokenizer (pieces with SentencePiece's "▁" word prefix, letters as a fallback), wrapped
in `T5TokenizerFast` as UMT5's tokenizer is. (A WordLevel model saves but does not load again into
T5TokenizerFast, which rebuilds a Unigram from its vocabulary.)
"""

from __future__ import annotations

import string

import torch
from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanTransformer3DModel
from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers
from tokenizers.models import Unigram
from tokenizers.processors import TemplateProcessing
from transformers import T5TokenizerFast, UMT5Config, UMT5EncoderModel

from .tokenizer import WORDS

TEXT_WIDTH = 32
LATENT_CHANNELS = 16
FLOW_SHIFT = 3.0  # Wan 2.1's flow shift at 480p
PAD, END, UNKNOWN = "<pad>", "</s>", "<unk>"


def unigram_tokenizer() -> T5TokenizerFast:
    """Whole words first (log-probability -2), single letters as the fallback for unknown words (-12)."""
    pieces = [(PAD, 0.0), (END, 0.0), (UNKNOWN, 0.0)]
    pieces += [("▁" + word, -2.0) for word in dict.fromkeys(word.lower() for word in WORDS)]
    pieces += [("▁", -10.0)] + [(letter, -12.0) for letter in string.ascii_lowercase + string.digits]
    tokenizer = Tokenizer(Unigram(pieces, unk_id=2, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([normalizers.Lowercase(), normalizers.Replace("  ", " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.post_processor = TemplateProcessing(single=f"$A {END}", pair=f"$A {END} $B {END}", special_tokens=[(END, 1)])
    return T5TokenizerFast(tokenizer_object=tokenizer, pad_token=PAD, eos_token=END, unk_token=UNKNOWN, extra_ids=0)


def tiny_text_encoder(tokenizer: T5TokenizerFast) -> UMT5EncoderModel:
    config = UMT5Config(vocab_size=len(tokenizer), d_model=TEXT_WIDTH, d_kv=8, d_ff=64, num_layers=2, num_heads=4,
                        relative_attention_num_buckets=8, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    return UMT5EncoderModel(config)


# Wan 2.2 TI2V-5B: a 48-channel VAE that also patches 2x2 (16x spatial), a timestep per token, shift 5.
TI2V_LATENT_CHANNELS, TI2V_FLOW_SHIFT = 48, 5.0


def tiny_transformer(channels: int = LATENT_CHANNELS) -> WanTransformer3DModel:
    return WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=channels,
        out_channels=channels, text_dim=TEXT_WIDTH, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_max_seq_len=32,
    )


def tiny_vae() -> AutoencoderKLWan:
    """8x spatial and 4x temporal compression, like the real one (dim_mult has four levels)."""
    return AutoencoderKLWan(base_dim=3, z_dim=LATENT_CHANNELS, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                            temperal_downsample=[False, True, True])


def tiny_ti2v_vae() -> AutoencoderKLWan:
    """Wan 2.2's: residual blocks, a 2x2 pixel patch before the encoder (16x spatial), 48 latent channels."""
    return AutoencoderKLWan(base_dim=3, decoder_base_dim=4, z_dim=TI2V_LATENT_CHANNELS, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                            temperal_downsample=[False, True, True], is_residual=True, patch_size=2, in_channels=12, out_channels=12,
                            scale_factor_spatial=16, scale_factor_temporal=4,
                            latents_mean=[0.0] * TI2V_LATENT_CHANNELS, latents_std=[1.0] * TI2V_LATENT_CHANNELS)


# Wan 2.2 A14B (text-to-video): two transformers of the 2.1 shape on the 2.1 VAE, switched at t = 0.875 x 1000.
# The larger shift puts the tiny tests' few steps on both sides of the boundary (4 steps: t = 1000, 961 | 861, 126; 2 steps: 1000 | 126).
A14B_BOUNDARY_RATIO, A14B_FLOW_SHIFT = 0.875, 12.0


def flow_noise_schedule(shift: float = FLOW_SHIFT) -> dict:
    return {**FlowMatchEulerDiscreteScheduler(shift=shift).config, "_class_name": "FlowMatchEulerDiscreteScheduler"}


def tiny_wan_components(seed: int, variant: str = "2.1") -> dict:
    """Deterministic in `seed`, whatever the global RNG was doing. `variant`: "2.1" (text-to-video),
    "2.2-ti2v" (the TI2V-5B layout, sampled as text-to-video) or "2.2-a14b" (two experts)."""
    tokenizer = unigram_tokenizer()
    ti2v, a14b = variant == "2.2-ti2v", variant == "2.2-a14b"
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        transformer = tiny_transformer(TI2V_LATENT_CHANNELS if ti2v else LATENT_CHANNELS)
        vae, text_encoder = tiny_ti2v_vae() if ti2v else tiny_vae(), tiny_text_encoder(tokenizer)
        low_noise = tiny_transformer() if a14b else None  # drawn last: the other parts equal the 2.1 model's of the same seed
    shift = TI2V_FLOW_SHIFT if ti2v else A14B_FLOW_SHIFT if a14b else FLOW_SHIFT
    return {"transformer": transformer, "vae": vae, "text_encoder": text_encoder, "tokenizer": tokenizer,
            "noise_schedule": flow_noise_schedule(shift), "expand_timesteps": ti2v,
            "transformer_2": low_noise, "boundary_ratio": A14B_BOUNDARY_RATIO if a14b else None}
