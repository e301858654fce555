"""TensorBoard logs: the scalars read back from the events file equal the step metrics; videos are GIFs."""

from __future__ import annotations

import gc
import io
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from vader_bridge.handlers import build_methods
from vader_bridge.tensorboard_log import TensorBoardLog, read_events, read_scalars, step_scalars


def metrics_of(step: int) -> dict:
    """A step as it crosses the wire (StepMetrics), with a composed reward of two terms."""
    return {
        "step": step,
        "seconds": 0.5 + step,
        "cpuSeconds": 1.25 * step,
        "lr": 1e-4,
        "loss": -0.1 * step,
        "gradNorm": 0.01 * step,
        "peakMemoryBytes": 2**30 * step,
        "rewardQueries": 4 * step,
        "reward": {"mean": 0.3 + 0.05 * step, "std": 0.02 * step},
        "rewardTerms": {"brightness": {"mean": 0.4 + 0.01 * step, "std": 0.1}, "motion": {"mean": -0.2 * step, "std": 0.05}},
        "details": {"clipFraction": 0.25 * step},
    }


def test_scalars_read_back_equal_the_metrics(tmp_path: Path) -> None:
    steps = [metrics_of(step) for step in (1, 2, 3)]
    with TensorBoardLog(str(tmp_path / "board")) as log:
        for metrics in steps:
            log.add_step(metrics)
    scalars = read_scalars(tmp_path / "board")
    expected_tags = {
        "reward/mean", "reward/std", "reward/brightness/mean", "reward/brightness/std", "reward/motion/mean", "reward/motion/std",
        "train/loss", "train/grad_norm", "train/lr", "train/seconds", "train/cpu_seconds", "train/reward_queries",
        "train/peak_memory_gib", "details/clipFraction",
    }
    assert set(scalars) == expected_tags
    for tag in expected_tags:
        # TensorBoard keeps float32: equal to the metric to float32 precision, at x = the step.
        wanted = [(metrics["step"], pytest.approx(step_scalars(metrics)[tag], rel=1e-6, abs=1e-9)) for metrics in steps]
        assert scalars[tag] == wanted, tag
    assert [value for _, value in scalars["reward/mean"]] == pytest.approx([0.35, 0.4, 0.45], rel=1e-6)
    assert [value for _, value in scalars["train/grad_norm"]] == pytest.approx([0.01, 0.02, 0.03], rel=1e-6)
    assert [value for _, value in scalars["train/peak_memory_gib"]] == pytest.approx([1.0, 2.0, 3.0])


def test_a_video_is_an_animated_gif_image_summary(tmp_path: Path) -> None:
    video = torch.zeros(4, 16, 24, 3, dtype=torch.uint8)
    for frame in range(4):
        video[frame, :, frame * 6 : frame * 6 + 6] = 255  # a bar moving right
    with TensorBoardLog(str(tmp_path)) as log:
        log.add_video("samples/after-0", video, 7, fps=4)
    [path] = tmp_path.glob("events.out.tfevents.*")
    images = [(event.step, value) for event in read_events(path) for value in event.summary.value if value.HasField("image")]
    assert len(images) == 1
    step, value = images[0]
    assert (step, value.tag, value.image.height, value.image.width) == (7, "samples/after-0", 128, 192)  # scaled up, nearest neighbour
    gif = Image.open(io.BytesIO(value.image.encoded_image_string))
    assert gif.format == "GIF" and gif.n_frames == 4 and gif.size == (192, 128)
    gif.seek(2)
    assert np.asarray(gif.convert("RGB"))[0, 2 * 6 * 8 + 1].tolist() == [255, 255, 255]


def test_a_video_of_the_wrong_shape_is_refused_with_the_shape(tmp_path: Path) -> None:
    with TensorBoardLog(str(tmp_path)) as log, pytest.raises(ValueError, match=r"uint8 \[frames, height, width, 3\], got float32 \[4, 8, 8\]"):
        log.add_video("bad", np.zeros((4, 8, 8), np.float32), 0)


def test_two_writers_of_the_same_second_keep_both_files(tmp_path: Path) -> None:
    with TensorBoardLog(str(tmp_path)) as first, TensorBoardLog(str(tmp_path)) as second:
        first.add_step(metrics_of(1))
        second.add_step(metrics_of(2))
    assert len(list(tmp_path.glob("events.out.tfevents.*"))) == 2
    assert [step for step, _ in read_scalars(tmp_path)["reward/mean"]] in ([1, 2], [2, 1])


def test_a_dropped_log_closes_its_writer(tmp_path: Path) -> None:
    log = TensorBoardLog(str(tmp_path))
    log.add_step(metrics_of(1))
    closer = log._close
    del log
    gc.collect()
    assert not closer.alive


def test_the_bridge_method_writes_a_video(tmp_path: Path) -> None:
    methods = build_methods()
    video = torch.full((2, 8, 8, 3), 128, dtype=torch.uint8)
    result = methods["tensorboard.addVideo"]({"directory": str(tmp_path / "board"), "tag": "samples/before-0", "step": 0, "video": video, "fps": 8}, None)
    assert result == {"directory": str(tmp_path / "board")}
    tags = [value.tag for path in (tmp_path / "board").glob("events.out.tfevents.*") for event in read_events(path) for value in event.summary.value]
    assert tags == ["samples/before-0"]
