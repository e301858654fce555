"""Videos on disk: a looping animated GIF written with PIL, an H.264 MP4 written with PyAV (whose
wheel carries ffmpeg and libx264), or a lossless `.npy` (uint8 [frames, H, W, 3]); and each read
back. GIF and MP4 upscale small videos (the tiny models' 32x32) with nearest-neighbour so that each
pixel stays a crisp block; MP4 is yuv420p (what browsers and players play) at constant quality.
"""

from __future__ import annotations

import math
import os
from contextlib import contextmanager, suppress
from typing import Iterator

import av
import numpy as np
import torch
from PIL import Image, ImageSequence

VIDEO_SUFFIXES = (".gif", ".mp4", ".npy")
MP4_QUALITY = "18"  # libx264's constant rate factor: 18 is visually lossless


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
        with _published(path, ".npy") as partial:
            np.save(partial, frames.detach().cpu().contiguous().numpy(), allow_pickle=False)
        return path
    # fps is bounded by the zod schemas of video.write and run.saveSample (GIF timing is in 10 ms units).

    height, width = int(frames.shape[1]), int(frames.shape[2])
    scale = max(1, math.ceil(min_side / min(height, width)))
    pixels = frames.detach().cpu().contiguous().numpy()
    if str(path).lower().endswith(".mp4"):
        return _write_mp4(pixels, path, fps, scale)
    images = [
        Image.fromarray(frame).resize((width * scale, height * scale), Image.Resampling.NEAREST)
        for frame in pixels
    ]
    with _published(path, ".gif") as partial:
        images[0].save(
            partial,
            format="GIF",
            save_all=True,
            append_images=images[1:],
            duration=round(1000 / fps),
            loop=0,  # loop forever
        )
    return path


def _write_mp4(pixels: np.ndarray, path: str, fps: int, scale: int) -> str:
    """H.264 in yuv420p, which halves chroma: both sides are made even (scaled up by one more when odd)."""
    height, width = pixels.shape[1] * scale, pixels.shape[2] * scale
    if height % 2 or width % 2:
        scale *= 2
        height, width = height * 2, width * 2
    with _published(path, ".mp4") as partial, av.open(partial, mode="w") as container:
        stream = container.add_stream("libx264", rate=fps, options={"crf": MP4_QUALITY})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for frame in pixels:
            upscaled = frame.repeat(scale, axis=0).repeat(scale, axis=1)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(upscaled), format="rgb24")))
        container.mux(stream.encode())  # flush the encoder's delayed frames
    return path


@contextmanager
def _published(path: str, suffix: str) -> Iterator[str]:
    """A partial file name to write; renamed to `path` only once the write finished, and removed if it
    failed (a full disk, a killed process), so no half-written video ever looks complete."""
    partial = f"{path}.partial{suffix}"
    try:
        yield partial
        os.replace(partial, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.remove(partial)
        raise


def _read_mp4(path: str) -> torch.Tensor:
    with av.open(path) as container:
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    if not frames:
        raise ValueError(f"{path!r} holds no video frames")
    return torch.from_numpy(np.stack(frames))


def _check_suffix(path: str) -> None:
    if not str(path).lower().endswith(VIDEO_SUFFIXES):
        raise ValueError(f"{path!r}: videos are .gif, .mp4 (H.264) or .npy (uint8 [frames, H, W, 3])")


def read_video(path: str) -> torch.Tensor:
    """A video file as uint8 [frames, H, W, 3]: every frame of a GIF or MP4 (as RGB), or a .npy of that shape."""
    _check_suffix(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path!r} does not exist")
    if str(path).lower().endswith(".mp4"):
        return _read_mp4(path)
    if str(path).lower().endswith(".npy"):
        array = np.load(path, allow_pickle=False)
        if array.dtype != np.uint8 or array.ndim != 4 or array.shape[-1] != 3:
            raise ValueError(f"{path!r} holds {array.dtype} {list(array.shape)}; a video .npy is uint8 [frames, H, W, 3]")
        return torch.from_numpy(np.ascontiguousarray(array))
    with Image.open(path) as image:
        frames = [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(image)]
    return torch.from_numpy(np.stack(frames))
