from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from vader_bridge.video import read_video, write_video


def random_video(frames: int = 8, height: int = 32, width: int = 32) -> torch.Tensor:
    return torch.randint(0, 256, (frames, height, width, 3), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))


def test_writes_a_looping_upscaled_gif(tmp_path):
    path = write_video(random_video(), str(tmp_path / "video.gif"), fps=8, min_side=128)
    with Image.open(path) as image:
        assert image.format == "GIF"
        assert image.n_frames == 8
        assert image.size == (128, 128)
        assert image.info["loop"] == 0


def test_keeps_aspect_ratio_when_upscaling(tmp_path):
    path = write_video(random_video(frames=3, height=16, width=40), str(tmp_path / "wide.gif"), min_side=64)
    with Image.open(path) as image:
        assert image.size == (160, 64) and image.n_frames == 3


@pytest.mark.parametrize(
    ("frames", "name", "needle"),
    [
        (random_video().float(), "video.gif", "uint8"),
        (random_video()[0], "video.gif", r"\[F, H, W, 3\]"),
        (random_video(), "video.mp4", r"videos are \.gif or \.npy .*\.mp4 needs ffmpeg"),
    ],
)
def test_bad_input_is_explained(tmp_path, frames, name, needle):
    with pytest.raises(ValueError, match=needle):
        write_video(frames, str(tmp_path / name))


def test_a_npy_video_round_trips_bit_exact(tmp_path):
    video = random_video(frames=5, height=12, width=20)
    path = write_video(video, str(tmp_path / "nested" / "video.npy"))
    assert torch.equal(read_video(path), video)


def test_a_gif_reads_back_every_frame_upscaled(tmp_path):
    video = random_video(frames=4, height=16, width=16)
    frames = read_video(write_video(video, str(tmp_path / "video.gif"), min_side=64))
    assert frames.dtype == torch.uint8 and list(frames.shape) == [4, 64, 64, 3]
    # nearest-neighbour upscaling by 4, and GIF's palette: each 4x4 block is one of the video's pixels, to a few levels
    assert (frames[:, ::4, ::4].int() - video.int()).abs().max() <= 8


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda path: np.save(path, np.zeros((2, 4, 4), dtype=np.uint8)), r"holds uint8 \[2, 4, 4\]; a video \.npy is uint8 \[frames, H, W, 3\]"),
        (lambda path: None, r"does not exist"),
    ],
)
def test_a_bad_video_file_is_explained(tmp_path, make, needle):
    path = str(tmp_path / "video.npy")
    make(path)
    with pytest.raises((ValueError, FileNotFoundError), match=needle):
        read_video(path)
