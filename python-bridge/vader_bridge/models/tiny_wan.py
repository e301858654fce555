"""A tiny Wan 2.1 text-to-video model with random weights, built from diffusers' and transformers' real
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


def tiny_transformer() -> WanTransformer3DModel:
    return WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=LATENT_CHANNELS,
        out_channels=LATENT_CHANNELS, text_dim=TEXT_WIDTH, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_max_seq_len=32,
    )


def tiny_vae() -> AutoencoderKLWan:
    """8x spatial and 4x temporal compression, like the real one (dim_mult has four levels)."""
    return AutoencoderKLWan(base_dim=3, z_dim=LATENT_CHANNELS, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                            temperal_downsample=[False, True, True])


def flow_noise_schedule() -> dict:
    return {**FlowMatchEulerDiscreteScheduler(shift=FLOW_SHIFT).config, "_class_name": "FlowMatchEulerDiscreteScheduler"}


def tiny_wan_components(seed: int) -> dict:
    """Deterministic in `seed`, whatever the global RNG was doing."""
    tokenizer = unigram_tokenizer()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        transformer, vae, text_encoder = tiny_transformer(), tiny_vae(), tiny_text_encoder(tokenizer)
    return {"transformer": transformer, "vae": vae, "text_encoder": text_encoder, "tokenizer": tokenizer,
            "noise_schedule": flow_noise_schedule()}
