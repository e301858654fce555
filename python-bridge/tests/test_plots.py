"""The comparison figures: real PNGs from matplotlib's Agg backend, one column or panel per reward, and
clear refusals of ragged input."""

from __future__ import annotations

import matplotlib
import pytest
from PIL import Image

from vader_bridge.plots import moving_mean, plot_comparison, plot_final_by_size


def series(label: str, group: str, points: int, seeds: int = 1) -> dict:
    return {
        "label": label,
        "group": group,
        "rewardQueries": [4 * (index + 1) for index in range(points)],
        "cpuSeconds": [1.5 * (index + 1) for index in range(points)],
        "rewardMeanBySeed": [[0.1 * index + 0.05 * seed for index in range(points)] for seed in range(seeds)],
    }


def size_of(path) -> tuple[int, int]:
    with Image.open(path) as image:
        assert image.format == "PNG"
        return image.size


def test_one_panel_stacks_queries_over_cpu_seconds(tmp_path):
    path = tmp_path / "nested" / "curves.png"
    panel = {"title": "digit", "series": [series("VADER, 3 seeds", "vader", 3, seeds=3), series("DDPO, 1 seed", "ddpo", 3)]}
    written = plot_comparison(str(path), "reward digit", [panel])
    assert written == str(path)
    width, height = size_of(path)
    assert height > width  # two rows: queries on top, CPU seconds below
    assert matplotlib.get_backend().lower() == "agg"


def test_three_rewards_draw_three_columns(tmp_path):
    panels = [{"title": name, "series": [series("VADER seed 0", "vader", 4)]} for name in ("digit", "motion", "removal")]
    width, height = size_of(plot_comparison(str(tmp_path / "figure7.png"), "Figure 7", panels))
    assert width > 2 * height


def test_refuses_series_whose_lists_differ_in_length(tmp_path):
    ragged = series("GRPO seed 0", "grpo", 3)
    ragged["cpuSeconds"] = ragged["cpuSeconds"][:2]
    with pytest.raises(ValueError, match=r"series 'GRPO seed 0': .* got 3, 2 and \[3\]"):
        plot_comparison(str(tmp_path / "curves.png"), "reward digit", [{"title": "digit", "series": [ragged]}])
    ragged = series("GRPO", "grpo", 3, seeds=2)
    ragged["rewardMeanBySeed"][1] = ragged["rewardMeanBySeed"][1][:2]
    with pytest.raises(ValueError, match=r"got 3, 3 and \[3, 2\]"):
        plot_comparison(str(tmp_path / "curves.png"), "reward digit", [{"title": "digit", "series": [ragged]}])


def test_final_reward_by_size(tmp_path):
    panel = {"title": "digit", "sizes": [32, 64],
             "lines": [{"label": "VADER", "group": "vader", "finalReward": [0.7, 0.8]},
                       {"label": "DDPO", "group": "ddpo", "finalReward": [0.5, 0.45]}]}
    width, height = size_of(plot_final_by_size(str(tmp_path / "figure4.png"), "Figure 4", [panel]))
    assert width > height
    panel["lines"][1]["finalReward"] = [0.5]
    with pytest.raises(ValueError, match=r"line 'DDPO' of panel 'digit': one final reward per size \(2\), got 1"):
        plot_final_by_size(str(tmp_path / "figure4.png"), "Figure 4", [panel])


def test_the_trend_line_is_a_trailing_mean():
    assert moving_mean([1.0, 3.0, 5.0, 7.0], 2) == [1.0, 2.0, 4.0, 6.0]
    assert moving_mean([2.0], 8) == [2.0]
