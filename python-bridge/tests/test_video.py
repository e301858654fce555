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
        (random_video(), "video.webm", r"videos are \.gif, \.mp4 \(H\.264\) or \.npy"),
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


def test_an_mp4_is_h264_at_its_fps_and_reads_back_every_frame(tmp_path):
    """A smooth video (H.264 is lossy, and random noise is its worst case), 9 frames of 15x10: odd sides
    are scaled up to even ones (yuv420p halves chroma)."""
    import av

    ramp = torch.linspace(0, 255, 15)[None, :, None, None] * torch.ones(9, 15, 10, 3)
    video = ((ramp + torch.arange(9)[:, None, None, None] * 10) % 256).to(torch.uint8)
    path = write_video(video, str(tmp_path / "video.mp4"), fps=12, min_side=10)
    with av.open(path) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.width, stream.height) == (20, 30)  # 10x15 is big enough, but 15 is odd: doubled
        assert float(stream.average_rate) == 12 and stream.frames == 9
    frames = read_video(path)
    assert frames.dtype == torch.uint8 and list(frames.shape) == [9, 30, 20, 3]
    assert (frames[:, ::2, ::2].float() - video.float()).abs().mean() < 3
    assert not (tmp_path / "video.mp4.partial.mp4").exists()


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
