"""Tiny random-weight checkpoints of the models behind the object-removal, action and
temporal-consistency rewards, built from the real transformers classes and saved with
`save_pretrained` (config.json + model.safetensors, and preprocessor_config.json where the real
checkpoints have one), so the rewards' real loading and scoring code runs offline in tests and
demos. Their scores mean nothing; their shapes, files and gradients are the real ones.

Each function writes one folder and returns the reward options that point at it.
"""

from __future__ import annotations

from pathlib import Path

import torch

# A few COCO classes in the YOLOS checkpoints' spelling; index 0 is COCO's unused "N/A" as in theirs.
TINY_COCO_LABELS = ["N/A", "person", "dog", "book", "dining table"]
# A few Kinetics-400 labels; "drinking" is contained in "drinking beer", as in the real label set.
TINY_KINETICS_LABELS = ["drinking", "drinking beer", "playing piano", "eating doughnuts", "baking cookies"]


def _carry_signal(model: torch.nn.Module) -> torch.nn.Module:
    """Weights drawn with std 1/sqrt(fan-in) instead of transformers' 0.02, so that a tiny random
    model's outputs depend on its input (with 0.02 every detection query says the same thing)."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (torch.nn.Linear, torch.nn.Conv2d, torch.nn.Conv3d)):
                module.weight.normal_(0, module.weight[0].numel() ** -0.5)
    return model


def _labelled(labels: list[str]) -> dict:
    return {"id2label": dict(enumerate(labels)), "label2id": {label: index for index, label in enumerate(labels)}}


def write_tiny_yolos(folder: Path | str, *, seed: int = 0, image_size: int = 32) -> dict:
    """A 2-layer YolosForObjectDetection (hidden 32, patches of 8, 6 detection tokens) and a YOLOS
    image processor config (shorter side to `image_size`, longer at most 1.5x). Options for
    object-removal, removing "book" (with seed 0, some of its queries detect a book above the
    threshold and some do not, depending on the frame)."""
    from transformers import YolosConfig, YolosForObjectDetection, YolosImageProcessorPil

    folder = Path(folder)
    torch.manual_seed(seed)
    config = YolosConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=48,
                         image_size=[image_size, image_size], patch_size=8, num_detection_tokens=6,
                         **_labelled(TINY_COCO_LABELS))
    detector = _carry_signal(YolosForObjectDetection(config))
    with torch.no_grad():
        detector.vit.embeddings.detection_tokens.normal_(0, 1)  # distinct queries
    detector.save_pretrained(folder)
    YolosImageProcessorPil(size={"shortest_edge": image_size, "longest_edge": image_size * 3 // 2}).save_pretrained(folder)
    return {"model": str(folder), "object": "book"}


def write_tiny_videomae(folder: Path | str, *, seed: int = 0, image_size: int = 32, num_frames: int = 4) -> dict:
    """A 2-layer VideoMAEForVideoClassification (hidden 32, patches of 8, tubelets of 2 frames) with a
    few Kinetics labels, and a VideoMAE image processor config with ImageNet statistics, as the
    Kinetics checkpoints have. Options for action (no `action`: the label is read from the prompt)."""
    from transformers import VideoMAEConfig, VideoMAEForVideoClassification, VideoMAEImageProcessorPil

    folder = Path(folder)
    torch.manual_seed(seed)
    config = VideoMAEConfig(image_size=image_size, patch_size=8, num_frames=num_frames, tubelet_size=2, hidden_size=32,
                            num_hidden_layers=2, num_attention_heads=2, intermediate_size=48,
                            **_labelled(TINY_KINETICS_LABELS))
    VideoMAEForVideoClassification(config).save_pretrained(folder)
    VideoMAEImageProcessorPil(size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size},
                              image_mean=[0.485, 0.456, 0.406], image_std=[0.229, 0.224, 0.225]).save_pretrained(folder)
    return {"model": str(folder)}


def write_tiny_vjepa2(folder: Path | str, *, seed: int = 0, crop_size: int = 32, frames_per_clip: int = 4) -> dict:
    """A VJEPA2Model with a 2-layer encoder and a 2-layer predictor (hidden 32, patches of 8, tubelets
    of 2 frames: 2 x 4 x 4 tokens) and random mask tokens (the real ones are trained, not zero).
    Options for temporal-consistency. Its video processor needs torchvision to save, so none is
    written; the reward's defaults are V-JEPA 2's (ImageNet statistics, crop_size from config.json)."""
    from transformers import VJEPA2Config, VJEPA2Model

    folder = Path(folder)
    torch.manual_seed(seed)
    config = VJEPA2Config(patch_size=8, crop_size=crop_size, frames_per_clip=frames_per_clip, tubelet_size=2,
                          hidden_size=32, num_attention_heads=2, num_hidden_layers=2, mlp_ratio=2.0,
                          pred_hidden_size=32, pred_num_attention_heads=2, pred_num_hidden_layers=2,
                          pred_num_mask_tokens=2, pred_mlp_ratio=2.0, num_pooler_layers=1,
                          pred_zero_init_mask_tokens=False)
    VJEPA2Model(config).save_pretrained(folder)
    return {"model": str(folder)}
