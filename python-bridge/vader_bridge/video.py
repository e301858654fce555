"""Videos on disk: a looping animated GIF written with PIL (tiny model videos, 32x32, upscaled with
nearest-neighbour so each pixel stays a crisp block), or a lossless `.npy` (uint8 [frames, H, W,
3]); and both read back. MP4 needs an encoder and decoder (ffmpeg/PyAV) that the bridge does not
ship yet, so it is refused with what to use instead.
"""

from __future__ import annotations

import math
import os

import numpy as np
import torch
from PIL import Image, ImageSequence

VIDEO_SUFFIXES = (".gif", ".npy")


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
    _check_suffix(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    if str(path).lower().endswith(".npy"):
        np.save(path, frames.detach().cpu().contiguous().numpy(), allow_pickle=False)
        return path
    # fps is bounded by the zod schemas of video.write and run.saveSample (GIF timing is in 10 ms units).

    height, width = int(frames.shape[1]), int(frames.shape[2])
    scale = max(1, math.ceil(min_side / min(height, width)))
    pixels = frames.detach().cpu().contiguous().numpy()
    images = [
        Image.fromarray(frame).resize((width * scale, height * scale), Image.Resampling.NEAREST)
        for frame in pixels
    ]
    images[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=round(1000 / fps),
        loop=0,  # loop forever
    )
    return path


def _check_suffix(path: str) -> None:
    if not str(path).lower().endswith(VIDEO_SUFFIXES):
        raise ValueError(f"{path!r}: videos are .gif or .npy (uint8 [frames, H, W, 3]); .mp4 needs ffmpeg, which this build does not ship")


def read_video(path: str) -> torch.Tensor:
    """A video file as uint8 [frames, H, W, 3]: every frame of a GIF (as RGB), or a .npy of that shape."""
    _check_suffix(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path!r} does not exist")
    if str(path).lower().endswith(".npy"):
        array = np.load(path, allow_pickle=False)
        if array.dtype != np.uint8 or array.ndim != 4 or array.shape[-1] != 3:
            raise ValueError(f"{path!r} holds {array.dtype} {list(array.shape)}; a video .npy is uint8 [frames, H, W, 3]")
        return torch.from_numpy(np.ascontiguousarray(array))
    with Image.open(path) as image:
        frames = [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(image)]
    return torch.from_numpy(np.stack(frames))
