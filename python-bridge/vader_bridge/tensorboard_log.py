"""TensorBoard event files of a training run: scalars per step and sample videos, written with tensorboardX.

    reward/mean, reward/std              the step's reward over its videos
    reward/<label>/mean, .../std         each named reward term (a composed reward's terms apart)
    train/loss, train/grad_norm, train/lr, train/seconds, train/cpu_seconds,
    train/reward_queries, train/peak_memory_gib
    details/<name>                       the algorithm's own metrics (DDPO's clip fraction, ...)
    samples/<name>                       a video as an animated GIF in the Images tab

Videos: tensorboardX's add_video encodes GIFs with moviepy, which pulls an older pillow and an
ffmpeg binary of its own; here the GIF is encoded with pillow (already a dependency) and written
as the same image summary add_video writes, so TensorBoard plays it the same way.

`read_events` reads an events file back (TFRecord framing, tensorboardX's protobuf classes), for
tests and for anyone checking a log without TensorBoard installed.
"""

from __future__ import annotations

import io
import struct
import uuid
import weakref
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from PIL import Image
from tensorboardX import SummaryWriter
from tensorboardX.proto.event_pb2 import Event
from tensorboardX.proto.summary_pb2 import Summary

# Small frames (the tiny and digit-world models make 16 to 64 pixels) are scaled up, nearest
# neighbour, to this many pixels on the short side, as the run directory's GIFs are.
MIN_SHORT_SIDE = 128

SCALARS = {
    "loss": "train/loss",
    "gradNorm": "train/grad_norm",
    "lr": "train/lr",
    "seconds": "train/seconds",
    "cpuSeconds": "train/cpu_seconds",
    "rewardQueries": "train/reward_queries",
}


class TensorBoardLog:
    """One writer into `directory` (made if missing), in an events file of its own beside any already there."""

    def __init__(self, directory: str):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        # tensorboardX names a file by the second it opened and truncates a file of that name: a suffix
        # of its own keeps two writers of the same second (a fit, then its samples) from overwriting each other.
        self.writer = SummaryWriter(logdir=str(self.directory), filename_suffix=f".{uuid.uuid4().hex[:12]}")
        # Closed by close(), or when the log is dropped (a fit that raised): the writer's thread ends either way.
        self._close = weakref.finalize(self, self.writer.close)

    def add_step(self, metrics: dict[str, Any]) -> None:
        """A step's metrics as they cross the wire (StepMetrics: camelCase names), at x = metrics["step"]."""
        step = int(metrics["step"])
        for tag, value in step_scalars(metrics).items():
            self.writer.add_scalar(tag, value, step)
        self.writer.flush()

    def add_video(self, tag: str, video: Any, step: int, *, fps: int = 8) -> None:
        """One video (uint8 [frames, height, width, 3], a tensor or an array) as an animated GIF."""
        frames = _frames_of(video)
        count, height, width = frames.shape[:3]
        encoded = encode_gif(frames, fps=fps)
        scale = max(1, -(-MIN_SHORT_SIDE // min(height, width)))
        image = Summary.Image(height=height * scale, width=width * scale, colorspace=3, encoded_image_string=encoded)
        self.writer._get_file_writer().add_summary(Summary(value=[Summary.Value(tag=tag, image=image)]), step)
        self.writer.flush()

    def close(self) -> None:
        self._close()

    def __enter__(self) -> "TensorBoardLog":
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()


def step_scalars(metrics: dict[str, Any]) -> dict[str, float]:
    """Tag -> value of every scalar a step logs."""
    scalars = {"reward/mean": float(metrics["reward"]["mean"]), "reward/std": float(metrics["reward"]["std"])}
    for label, term in (metrics.get("rewardTerms") or {}).items():
        scalars[f"reward/{label}/mean"] = float(term["mean"])
        scalars[f"reward/{label}/std"] = float(term["std"])
    for name, tag in SCALARS.items():
        if name in metrics:
            scalars[tag] = float(metrics[name])
    if "peakMemoryBytes" in metrics:
        scalars["train/peak_memory_gib"] = float(metrics["peakMemoryBytes"]) / 2**30
    for name, value in (metrics.get("details") or {}).items():
        scalars[f"details/{name}"] = float(value)
    return scalars


def _frames_of(video: Any) -> np.ndarray:
    frames = video.detach().cpu().numpy() if hasattr(video, "detach") else np.asarray(video)
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"a video to log is uint8 [frames, height, width, 3], got {frames.dtype} {list(frames.shape)}")
    return frames


def encode_gif(frames: np.ndarray, *, fps: int = 8) -> bytes:
    """uint8 [frames, height, width, 3] as a looping GIF, small frames scaled up (nearest neighbour)."""
    height, width = frames.shape[1:3]
    scale = max(1, -(-MIN_SHORT_SIDE // min(height, width)))
    images = [Image.fromarray(frame).resize((width * scale, height * scale), Image.Resampling.NEAREST) for frame in frames]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=max(1, round(1000 / fps)), loop=0)
    return buffer.getvalue()


def read_events(path: str | Path) -> Iterator[Event]:
    """Every event of one events file, in order. TFRecord framing: length (u64), its masked crc32c (u32), data, data's crc."""
    data = Path(path).read_bytes()
    offset = 0
    while offset < len(data):
        if offset + 12 > len(data):
            raise ValueError(f"{path}: a record header is cut short at byte {offset}")
        (length,) = struct.unpack_from("<Q", data, offset)
        start = offset + 12
        if start + length + 4 > len(data):
            raise ValueError(f"{path}: a record of {length} bytes is cut short at byte {offset}")
        yield Event.FromString(data[start : start + length])
        offset = start + length + 4


def read_scalars(directory: str | Path) -> dict[str, list[tuple[int, float]]]:
    """Tag -> [(step, value), ...] over every events file in `directory`, oldest file first."""
    scalars: dict[str, list[tuple[int, float]]] = {}
    for path in sorted(Path(directory).glob("events.out.tfevents.*")):
        for event in read_events(path):
            for value in event.summary.value:
                if value.HasField("simple_value"):
                    scalars.setdefault(value.tag, []).append((event.step, value.simple_value))
    return scalars
