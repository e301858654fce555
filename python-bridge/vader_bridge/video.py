"""Write a video tensor as a looping animated GIF with PIL (no ffmpeg, no extra dependency).

MP4 would need an encoder (ffmpeg/PyAV) that the bridge does not ship, so only `.gif` is offered.
Tiny model videos (32x32) are upscaled with nearest-neighbour so each pixel stays a crisp block.
"""

from __future__ import annotations

import math
import os

import torch
from PIL import Image


def write_video(frames: torch.Tensor, path: str, fps: int = 8, min_side: int = 128) -> str:
    """frames: uint8 [F, H, W, 3]. Returns the path written.

    PIL stores identical consecutive frames once, with their durations added, so a GIF of a
    still video has fewer frames than the tensor but the same running time.
    """
    if not isinstance(frames, torch.Tensor):
        raise ValueError(f"frames must be a torch.Tensor, got {type(frames).__name__}")
    if frames.dtype != torch.uint8:
        raise ValueError(f"frames must be uint8 (0..255), got {frames.dtype}; convert with (x * 255).round().to(torch.uint8)")
    if frames.dim() != 4 or frames.shape[-1] != 3 or frames.shape[0] < 1:
        raise ValueError(f"frames must be shaped [F, H, W, 3] with F >= 1, got {tuple(frames.shape)}")
    if not str(path).lower().endswith(".gif"):
        raise ValueError(f"only .gif videos can be written (MP4 would need ffmpeg), got {path!r}")
    # fps is bounded by the zod schemas of video.write and run.saveSample (GIF timing is in 10 ms units).

    height, width = int(frames.shape[1]), int(frames.shape[2])
    scale = max(1, math.ceil(min_side / min(height, width)))
    pixels = frames.detach().cpu().contiguous().numpy()
    images = [
        Image.fromarray(frame).resize((width * scale, height * scale), Image.Resampling.NEAREST)
        for frame in pixels
    ]
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    images[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=round(1000 / fps),
        loop=0,  # loop forever
    )
    return path
