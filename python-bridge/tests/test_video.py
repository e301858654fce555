from __future__ import annotations

import pytest
import torch
from PIL import Image

from vader_bridge.video import write_video


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
        (random_video(), "video.mp4", r"only \.gif"),
    ],
)
def test_bad_input_is_explained(tmp_path, frames, name, needle):
    with pytest.raises(ValueError, match=needle):
        write_video(frames, str(tmp_path / name))
