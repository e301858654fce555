"""How rewards see pixels: the preprocessing of image and video models, in torch only, so the
reward's gradient reaches the frames (PIL and the processors' numpy paths would cut the graph).

Frames arrive in [0, 1]. Each model's processor resizes (shorter side, bicubic, with antialias as
PIL does when it shrinks), centre-crops, and normalises with its own mean and std; the functions
here do the same steps on tensors of any leading shape [..., 3, H, W].
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

# The normalisations the rewards' processors use.
CLIP_MEAN, CLIP_STD = (0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
HALF_MEAN, HALF_STD = (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)  # SigLIP, VideoMAE-style [-1, 1]


def _flat(images: torch.Tensor) -> tuple[torch.Tensor, tuple[int, ...]]:
    if images.dim() < 4 or images.shape[-3] != 3:
        raise ValueError(f"expected images [..., 3, H, W], got {tuple(images.shape)}")
    return images.reshape(-1, *images.shape[-3:]), tuple(images.shape[:-3])


def resize(images: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Bicubic resize to exactly height x width, antialiased when shrinking; values clamped to [0, 1]
    afterwards, since bicubic overshoots at edges and the processors clip too."""
    flat, lead = _flat(images)
    if flat.shape[-2:] != (height, width):
        flat = F.interpolate(flat, size=(height, width), mode="bicubic", antialias=True, align_corners=False).clamp(0, 1)
    return flat.reshape(*lead, 3, height, width)


def resize_shorter_side(images: torch.Tensor, size: int) -> torch.Tensor:
    """The shorter side becomes `size`, the aspect ratio kept, the longer side truncated as the
    transformers processors and torchvision's Resize do (`shortest_edge`; int(), not round():
    rounding up moves a centre crop's content by up to a pixel)."""
    height, width = int(images.shape[-2]), int(images.shape[-1])
    if height <= width:
        return resize(images, size, int(size * width / height))
    return resize(images, int(size * height / width), size)


def center_crop(images: torch.Tensor, height: int, width: int) -> torch.Tensor:
    image_height, image_width = images.shape[-2:]
    if image_height < height or image_width < width:
        raise ValueError(f"cannot centre-crop {height}x{width} from {image_height}x{image_width} images; resize first")
    top, left = (image_height - height) // 2, (image_width - width) // 2
    return images[..., top:top + height, left:left + width]


def normalize(images: torch.Tensor, mean: tuple[float, ...], std: tuple[float, ...]) -> torch.Tensor:
    shape = (3, 1, 1)
    return (images - images.new_tensor(mean).reshape(shape)) / images.new_tensor(std).reshape(shape)


def model_pixels(images: torch.Tensor, size: int, mean: tuple[float, ...], std: tuple[float, ...], *, crop: bool = True) -> torch.Tensor:
    """The common processor: shorter side to `size` and a centre crop of size x size (CLIP, VideoMAE,
    YOLOS-style square inputs), or a plain resize to size x size (`crop=False`: SigLIP), then normalise."""
    squared = center_crop(resize_shorter_side(images, size), size, size) if crop else resize(images, size, size)
    return normalize(squared, mean, std)


def resample_frames(frames: torch.Tensor, count: int) -> torch.Tensor:
    """A clip [B, F, ...] with `count` frames evenly spread over F (repeating frames when F < count),
    as video classifiers sample a fixed number of frames from a clip of any length."""
    available = frames.shape[1]
    index = torch.linspace(0, available - 1, count).round().long().to(frames.device)
    return frames.index_select(1, index)
