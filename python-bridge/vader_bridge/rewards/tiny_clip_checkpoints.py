"""Tiny random-weight stand-ins for the embedding rewards' weights, written in the original formats,
so tests and smoke runs load them through exactly the code that loads the real files (no network):

  a CLIP folder        transformers CLIPModel + CLIPTokenizer (byte-level BPE) + CLIPImageProcessor
  aesthetic head       the LAION predictor's MLP state dict (.pth), input width = the CLIP projection
  SigLIP folder        transformers SiglipModel + SiglipImageProcessor
  aesthetic v2.5 head  the v2.5 predictor's scoring head state dict (.pth)
  HPSv2 checkpoint     an open_clip-layout state dict under "state_dict" (.pt), as HPSv2 ships it

`write_tiny_reward_weights(folder)` writes them all and returns each reward's options.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from .aesthetic import AestheticMlp
from .aesthetic_v2_5 import AestheticV25Head

IMAGE_SIZE = 32
PATCH_SIZE = 8
WIDTH = 32
PROJECTION = 16
LAYERS = 2
HEADS = 4
TEXT_POSITIONS = 32
START, END = "<|startoftext|>", "<|endoftext|>"

# Words the tiny tokenizer keeps whole (any other text still tokenizes, byte by byte).
WORDS = (
    "a an the of in on at with and by to from is over under through near photo video picture painting "
    "dog cat fox horse bird fish panda bear rabbit lion playing running jumping swimming flying eating "
    "guitar ball car tree flowers beach ocean forest city park mountain sky snow rain sun sunset night "
    "red blue green yellow white black golden beautiful cinematic detailed high quality digit moving "
    "left right up down 0 1 2 3 4 5 6 7 8 9"
).split()


def build_clip_tokenizer(max_length: int = TEXT_POSITIONS) -> Any:
    """A real CLIPTokenizer (CLIP's byte-level BPE) with a tiny vocabulary: the 256 byte symbols, each
    also as a word end, merges that rebuild WORDS, then start and end tokens (the last ids, as in CLIP)."""
    from tokenizers import pre_tokenizers
    from transformers import CLIPTokenizer

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    tokens = alphabet + [symbol + "</w>" for symbol in alphabet]
    merges: list[tuple[str, str]] = []
    for word in WORDS:
        pieces = list(word[:-1]) + [word[-1] + "</w>"]
        merged = pieces[0]
        for piece in pieces[1:]:
            rule = (merged, piece)
            merged += piece
            if rule not in merges:
                merges.append(rule)
                if merged not in tokens:
                    tokens.append(merged)
    tokens += [START, END]
    vocabulary = {token: index for index, token in enumerate(dict.fromkeys(tokens))}
    return CLIPTokenizer(vocab=vocabulary, merges=merges, unk_token=END, bos_token=START, eos_token=END,
                         pad_token=END, model_max_length=max_length)


def tiny_clip_config(vocab_size: int, *, start_id: int, end_id: int) -> Any:
    from transformers import CLIPConfig

    # GELU as open_clip's ViT-H-14 (HPSv2, PickScore) uses; OpenAI's CLIPs use quick_gelu.
    return CLIPConfig(
        text_config=dict(vocab_size=vocab_size, hidden_size=WIDTH, intermediate_size=2 * WIDTH, num_hidden_layers=LAYERS,
                         num_attention_heads=HEADS, max_position_embeddings=TEXT_POSITIONS, hidden_act="gelu",
                         bos_token_id=start_id, eos_token_id=end_id, pad_token_id=end_id),
        vision_config=dict(hidden_size=WIDTH, intermediate_size=2 * WIDTH, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                           image_size=IMAGE_SIZE, patch_size=PATCH_SIZE, hidden_act="gelu"),
        projection_dim=PROJECTION,
    )


def _seeded(seed: int):
    torch.manual_seed(seed)


def write_tiny_clip(folder: Path, *, seed: int = 0, with_processor: bool = True) -> Path:
    """A CLIP folder as `save_pretrained` writes one: model, tokenizer and image processor; without
    the last two (`with_processor=False`) like PickScore_v1, which ships only the model."""
    from transformers import CLIPImageProcessor, CLIPModel

    tokenizer = build_clip_tokenizer()
    _seeded(seed)
    model = CLIPModel(tiny_clip_config(len(tokenizer), start_id=tokenizer.bos_token_id, end_id=tokenizer.eos_token_id)).eval()
    model.save_pretrained(str(folder))
    if not with_processor:
        return Path(folder)
    tokenizer.save_pretrained(str(folder))
    CLIPImageProcessor(size={"shortest_edge": IMAGE_SIZE}, crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE}).save_pretrained(str(folder))
    return Path(folder)


def write_aesthetic_head(path: Path, *, width: int = PROJECTION, seed: int = 1) -> Path:
    """The LAION predictor's .pth: a plain state dict of its MLP (as `torch.save(model.state_dict())`)."""
    _seeded(seed)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.save(AestheticMlp(width).state_dict(), str(path))
    return Path(path)


def write_tiny_siglip(folder: Path, *, seed: int = 2) -> Path:
    """A whole SigLIP folder (text and vision towers) with its image processor, like google/siglip-*."""
    from transformers import SiglipConfig, SiglipImageProcessor, SiglipModel

    _seeded(seed)
    config = SiglipConfig(
        text_config=dict(vocab_size=64, hidden_size=WIDTH, intermediate_size=2 * WIDTH, num_hidden_layers=1,
                         num_attention_heads=HEADS, max_position_embeddings=16, pad_token_id=1, bos_token_id=2, eos_token_id=3),
        vision_config=dict(hidden_size=WIDTH, intermediate_size=2 * WIDTH, num_hidden_layers=LAYERS,
                           num_attention_heads=HEADS, image_size=IMAGE_SIZE, patch_size=PATCH_SIZE),
    )
    SiglipModel(config).eval().save_pretrained(str(folder))
    SiglipImageProcessor(size={"height": IMAGE_SIZE, "width": IMAGE_SIZE}).save_pretrained(str(folder))
    return Path(folder)


def write_aesthetic_v25_head(path: Path, *, width: int = WIDTH, seed: int = 3) -> Path:
    """The v2.5 predictor's .pth: the state dict of its head (keys scoring_head.N)."""
    _seeded(seed)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.save(AestheticV25Head(width).state_dict(), str(path))
    return Path(path)


def transformers_to_open_clip(state: dict[str, torch.Tensor], *, vision_layers: int, text_layers: int) -> dict[str, torch.Tensor]:
    """A transformers CLIPModel state dict in open_clip's names and layouts (q, k, v fused into
    in_proj; projections stored as [width, embed]): the inverse of hpsv2.open_clip_to_transformers."""
    exported = {
        "visual.conv1.weight": state["vision_model.embeddings.patch_embedding.weight"],
        "visual.class_embedding": state["vision_model.embeddings.class_embedding"],
        "visual.positional_embedding": state["vision_model.embeddings.position_embedding.weight"],
        "visual.ln_pre.weight": state["vision_model.pre_layrnorm.weight"],
        "visual.ln_pre.bias": state["vision_model.pre_layrnorm.bias"],
        "visual.ln_post.weight": state["vision_model.post_layernorm.weight"],
        "visual.ln_post.bias": state["vision_model.post_layernorm.bias"],
        "visual.proj": state["visual_projection.weight"].t(),
        "token_embedding.weight": state["text_model.embeddings.token_embedding.weight"],
        "positional_embedding": state["text_model.embeddings.position_embedding.weight"],
        "ln_final.weight": state["text_model.final_layer_norm.weight"],
        "ln_final.bias": state["text_model.final_layer_norm.bias"],
        "text_projection": state["text_projection.weight"].t(),
        "logit_scale": state["logit_scale"],
    }
    towers = [("visual.transformer.resblocks", "vision_model.encoder.layers", vision_layers),
              ("transformer.resblocks", "text_model.encoder.layers", text_layers)]
    for open_clip_prefix, prefix, count in towers:
        for index in range(count):
            source, target = f"{prefix}.{index}", f"{open_clip_prefix}.{index}"
            attention = f"{source}.self_attn"
            for kind in ("weight", "bias"):
                exported[f"{target}.attn.in_proj_{kind}"] = torch.cat(
                    [state[f"{attention}.q_proj.{kind}"], state[f"{attention}.k_proj.{kind}"], state[f"{attention}.v_proj.{kind}"]])
                exported[f"{target}.attn.out_proj.{kind}"] = state[f"{attention}.out_proj.{kind}"]
                exported[f"{target}.ln_1.{kind}"] = state[f"{source}.layer_norm1.{kind}"]
                exported[f"{target}.ln_2.{kind}"] = state[f"{source}.layer_norm2.{kind}"]
                exported[f"{target}.mlp.c_fc.{kind}"] = state[f"{source}.mlp.fc1.{kind}"]
                exported[f"{target}.mlp.c_proj.{kind}"] = state[f"{source}.mlp.fc2.{kind}"]
    return {key: tensor.detach().clone().contiguous() for key, tensor in exported.items()}


def write_hps_checkpoint(path: Path, model: Any, *, ddp_prefix: bool = False) -> Path:
    """`model` (a transformers CLIPModel) saved as HPSv2 saves its checkpoints: {"state_dict": open_clip
    keys}, optionally with DistributedDataParallel's `module.` prefix."""
    config = model.config
    state = transformers_to_open_clip(model.state_dict(), vision_layers=config.vision_config.num_hidden_layers,
                                      text_layers=config.text_config.num_hidden_layers)
    if ddp_prefix:
        state = {f"module.{key}": tensor for key, tensor in state.items()}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": state}, str(path))
    return Path(path)


def write_tiny_hps(folder: Path, clip_folder: Path, *, seed: int = 4) -> Path:
    """An HPSv2-style checkpoint: a CLIP of the `clip_folder`'s architecture with its own (other) weights,
    standing for the preference fine-tune."""
    from transformers import CLIPConfig, CLIPModel

    _seeded(seed)
    model = CLIPModel(CLIPConfig.from_pretrained(str(clip_folder), local_files_only=True)).eval()
    return write_hps_checkpoint(Path(folder) / "HPS_v2.1_compressed.pt", model)


def write_tiny_reward_weights(folder: Path) -> dict[str, dict[str, Any]]:
    """Every tiny weight file under `folder`; returns the options of each reward that load them."""
    folder = Path(folder)
    clip = write_tiny_clip(folder / "clip")
    siglip = write_tiny_siglip(folder / "siglip")
    return {
        "aesthetic": {"clip": str(clip), "head": str(write_aesthetic_head(folder / "aesthetic" / "aesthetic-model.pth"))},
        "aesthetic-v2.5": {"siglip": str(siglip),
                           "head": str(write_aesthetic_v25_head(folder / "aesthetic-v2.5" / "aesthetic_predictor_v2_5.pth"))},
        "hpsv2": {"version": "v2.1", "checkpoint": str(write_tiny_hps(folder / "hpsv2", clip)), "clip": str(clip)},
        # PickScore_v1 ships the model alone; its tokenizer and processor come from `processor`.
        "pickscore": {"model": str(write_tiny_clip(folder / "pickscore", seed=5, with_processor=False)), "processor": str(clip)},
        "clip-score": {"model": str(clip)},
    }
