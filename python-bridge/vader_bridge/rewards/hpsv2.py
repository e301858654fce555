"""HPSv2 (Wu et al. 2023, "Human Preference Score v2"): an open_clip ViT-H-14 fine-tuned on the HPD v2
human preference pairs; one of the VADER paper's rewards. The score is the cosine similarity of the
image and prompt embeddings, as HPSv2's own `hpsv2.score` returns it (about 0.2-0.35; its benchmark
tables print it times 100).

The checkpoint is HPSv2's original open_clip state dict. It is mapped here onto a transformers
CLIPModel built from the `clip` folder's config (laion/CLIP-ViT-H-14-laion2B-s32B-b79K, the model
HPSv2 fine-tuned), whose tokenizer and image processor it uses too; open_clip itself is not needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..registry import register
from .clip_embedding import ClipEmbedder, ImageInput, load_tokenizer, without_weight_init
from .frame_selection import FrameSelection
from .reward import PerFrameReward
from .weight_files import load_state_dict, locate

# The checkpoints of xswu/HPSv2 on the Hugging Face hub, by version.
CHECKPOINTS = {"v2.0": "xswu/HPSv2/HPS_v2_compressed.pt", "v2.1": "xswu/HPSv2/HPS_v2.1_compressed.pt"}

# open_clip residual block -> transformers CLIPEncoderLayer (in_proj is split into q, k, v).
_BLOCK_PARTS = {
    "ln_1": "layer_norm1",
    "ln_2": "layer_norm2",
    "attn.out_proj": "self_attn.out_proj",
    "mlp.c_fc": "mlp.fc1",
    "mlp.c_proj": "mlp.fc2",
}
# open_clip tensors outside the blocks -> transformers names; the projections are stored transposed.
_TOWER_PARTS = {
    "visual.conv1.weight": "vision_model.embeddings.patch_embedding.weight",
    "visual.class_embedding": "vision_model.embeddings.class_embedding",
    "visual.positional_embedding": "vision_model.embeddings.position_embedding.weight",
    "visual.ln_pre.weight": "vision_model.pre_layrnorm.weight",
    "visual.ln_pre.bias": "vision_model.pre_layrnorm.bias",
    "visual.ln_post.weight": "vision_model.post_layernorm.weight",
    "visual.ln_post.bias": "vision_model.post_layernorm.bias",
    "token_embedding.weight": "text_model.embeddings.token_embedding.weight",
    "positional_embedding": "text_model.embeddings.position_embedding.weight",
    "ln_final.weight": "text_model.final_layer_norm.weight",
    "ln_final.bias": "text_model.final_layer_norm.bias",
    "logit_scale": "logit_scale",
}
_TRANSPOSED = {"visual.proj": "visual_projection.weight", "text_projection": "text_projection.weight"}
_TOWERS = {"visual.transformer.resblocks.": "vision_model.encoder.layers.", "transformer.resblocks.": "text_model.encoder.layers."}
_BLOCK_KEY = re.compile(r"^(visual\.transformer\.resblocks\.|transformer\.resblocks\.)(\d+)\.(.+)$")
_IGNORED = {"attn_mask"}  # a buffer that older open_clip versions saved; transformers builds its own


def open_clip_to_transformers(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """An open_clip CLIP state dict (standard ViT towers, as ViT-H-14's) in transformers CLIPModel's
    names and layouts. A `module.` prefix (DistributedDataParallel) is dropped; unknown keys are refused."""
    mapped: dict[str, torch.Tensor] = {}
    unknown = []
    for key, tensor in state.items():
        key = key.removeprefix("module.")
        tensor = tensor.float()
        block = _BLOCK_KEY.match(key)
        if key in _TOWER_PARTS:
            mapped[_TOWER_PARTS[key]] = tensor
        elif key in _TRANSPOSED:
            mapped[_TRANSPOSED[key]] = tensor.t().contiguous()
        elif block is not None:
            tower, index, part = block.groups()
            prefix = f"{_TOWERS[tower]}{index}."
            if part in ("attn.in_proj_weight", "attn.in_proj_bias"):
                kind = part.rsplit("_", 1)[1]
                for name, chunk in zip(("q_proj", "k_proj", "v_proj"), tensor.chunk(3, dim=0)):
                    mapped[f"{prefix}self_attn.{name}.{kind}"] = chunk.contiguous()
            else:
                module, _, kind = part.rpartition(".")
                if module not in _BLOCK_PARTS:
                    unknown.append(key)
                    continue
                mapped[f"{prefix}{_BLOCK_PARTS[module]}.{kind}"] = tensor
        elif key not in _IGNORED:
            unknown.append(key)
    if unknown:
        raise ValueError(f"not a standard open_clip CLIP state dict: it has {len(unknown)} key(s) with no place in a "
                         f"transformers CLIPModel, such as {', '.join(unknown[:5])}")
    return mapped


def clip_from_open_clip(state: dict[str, torch.Tensor], config, *, source: str) -> torch.nn.Module:
    """A transformers CLIPModel of `config` holding the open_clip weights `state` (from `source`)."""
    from transformers import CLIPModel

    with without_weight_init():
        model = CLIPModel(config)
    try:
        model.load_state_dict(open_clip_to_transformers(state), strict=True)
    except RuntimeError as error:
        raise ValueError(f"{source} does not fit the CLIP architecture of the `clip` option's config: {error}") from None
    return model.float()


@register("reward", "hpsv2")
class HpsV2Reward(PerFrameReward):
    name = "hpsv2"

    @dataclass(frozen=True)
    class Config:
        version: str  # "v2.0" | "v2.1"
        clip: str  # config, tokenizer and processor of the architecture
        checkpoint: str | None = None  # the open_clip state dict; absent: CHECKPOINTS[version] in the cache
        frames: FrameSelection = field(default_factory=FrameSelection)

    def __init__(self, config: Config):
        from transformers import CLIPConfig

        super().__init__(config)
        self.checkpoint_path = locate(config.checkpoint or CHECKPOINTS[config.version], reward=self.name, option="checkpoint")
        self.clip_path = locate(config.clip, reward=self.name, option="clip")
        clip_config = CLIPConfig.from_pretrained(str(self.clip_path), local_files_only=True)
        model = clip_from_open_clip(load_state_dict(self.checkpoint_path), clip_config,
                                    source=f"reward 'hpsv2' option 'checkpoint' ({self.checkpoint_path})")
        image_input = ImageInput.read([self.clip_path], image_size=clip_config.vision_config.image_size)
        self.embedder = ClipEmbedder(model, load_tokenizer(self.clip_path), image_input)

    def weight_files(self) -> dict[str, Path]:
        # The `clip` folder gives only the config, tokenizer and processor; its weights are not used.
        return {"checkpoint": self.checkpoint_path}

    def place(self, device: torch.device) -> "HpsV2Reward":
        self.embedder.place(device)
        return self

    def score_images(self, images: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        return self.embedder.cosine(images, prompts)
