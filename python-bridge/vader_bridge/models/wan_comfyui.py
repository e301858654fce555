"""Wan LoRA in ComfyUI's keys: the original Wan module names under `diffusion_model.`, with an alpha per layer.

ComfyUI reads neither peft folders nor diffusers keys for Wan (its maintainer stopped adding
diffusers-key formats), and diffusers converts only the other way
(`_convert_non_diffusers_wan_lora_to_diffusers`), so this is the reverse of that map:
`blocks.N.attn1.to_q` -> `blocks.N.self_attn.q`, `attn2` -> `cross_attn`, `ffn.net.0.proj` ->
`ffn.0`, and the embedders and head. Each layer's `alpha` keeps peft's scale alpha / rank.
"""

from __future__ import annotations

import re

import torch

PREFIX = "diffusion_model."
_ATTENTION = {"to_q": "q", "to_k": "k", "to_v": "v", "to_out.0": "o", "add_k_proj": "k_img", "add_v_proj": "v_img"}
_RENAMES = [
    (re.compile(r"^blocks\.(\d+)\.attn1\.(to_q|to_k|to_v|to_out\.0)$"), lambda m: f"blocks.{m[1]}.self_attn.{_ATTENTION[m[2]]}"),
    (re.compile(r"^blocks\.(\d+)\.attn2\.(to_q|to_k|to_v|to_out\.0|add_k_proj|add_v_proj)$"),
     lambda m: f"blocks.{m[1]}.cross_attn.{_ATTENTION[m[2]]}"),
    (re.compile(r"^blocks\.(\d+)\.ffn\.net\.0\.proj$"), lambda m: f"blocks.{m[1]}.ffn.0"),
    (re.compile(r"^blocks\.(\d+)\.ffn\.net\.2$"), lambda m: f"blocks.{m[1]}.ffn.2"),
    (re.compile(r"^condition_embedder\.text_embedder\.linear_([12])$"), lambda m: f"text_embedding.{0 if m[1] == '1' else 2}"),
    (re.compile(r"^condition_embedder\.time_embedder\.linear_([12])$"), lambda m: f"time_embedding.{0 if m[1] == '1' else 2}"),
    (re.compile(r"^condition_embedder\.time_proj$"), lambda m: "time_projection.1"),
    (re.compile(r"^proj_out$"), lambda m: "head.head"),
]


def original_module_name(module: str) -> str:
    """The original Wan name of a diffusers WanTransformer3DModel layer, or ValueError naming it."""
    for pattern, rename in _RENAMES:
        match = pattern.match(module)
        if match:
            return rename(match)
    raise ValueError(f"the LoRA layer {module!r} has no ComfyUI (original Wan) name; ComfyUI's Wan LoRA covers the attention "
                     "(to_q, to_k, to_v, to_out.0), feed-forward, embedder and head layers of the transformer")


def to_comfyui(state: dict[str, torch.Tensor], alpha: float) -> dict[str, torch.Tensor]:
    """peft keys (`blocks.0.attn1.to_q.lora_A.weight`) -> ComfyUI keys, with `<layer>.alpha` for each layer."""
    converted: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        module, _, rest = key.partition(".lora_")
        if rest not in ("A.weight", "B.weight"):
            raise ValueError(f"unexpected LoRA tensor {key!r}: only lora_A.weight and lora_B.weight convert to ComfyUI's keys")
        name = PREFIX + original_module_name(module)
        converted[f"{name}.lora_{rest}"] = value.contiguous()
        converted[f"{name}.alpha"] = torch.tensor(float(alpha))
    return converted
