"""plot_comparison: a real PNG from matplotlib's Agg backend, and a clear refusal of ragged series."""

from __future__ import annotations

import matplotlib
import pytest
from PIL import Image

from vader_bridge.plots import plot_comparison


def series(label: str, group: str, points: int) -> dict:
    return {
        "label": label,
        "group": group,
        "rewardQueries": [4 * (index + 1) for index in range(points)],
        "cpuSeconds": [1.5 * (index + 1) for index in range(points)],
        "rewardMean": [0.1 * index for index in range(points)],
    }


def test_writes_a_png_with_both_panels(tmp_path):
    path = tmp_path / "nested" / "curves.png"
    written = plot_comparison(str(path), "reward digit", [series("VADER seed 0", "vader", 3), series("DDPO seed 0", "ddpo", 3)])
    assert written == str(path)
    with Image.open(path) as image:
        assert image.format == "PNG"
        width, height = image.size
    assert height > width  # two panels stacked: queries on top, CPU seconds below
    assert matplotlib.get_backend().lower() == "agg"


def test_refuses_series_whose_lists_differ_in_length(tmp_path):
    ragged = series("GRPO seed 0", "grpo", 3)
    ragged["cpuSeconds"] = ragged["cpuSeconds"][:2]
    with pytest.raises(ValueError, match=r"series 'GRPO seed 0': .* got 3, 2 and 3"):
        plot_comparison(str(tmp_path / "curves.png"), "reward digit", [ragged])
