"""Comparison figures as PNG, drawn with matplotlib's Agg backend (no display, no browser).

- `plot_comparison`: training curves, one column per panel (a reward): reward mean against reward
  queries (top row) and against CPU seconds (bottom row), the paper's Figure 7 layout; the mean
  over seeds with a band from the lowest to the highest seed.
- `plot_final_by_size`: the final reward of each method against the generated frame size, one
  panel per reward, the paper's Figure 4 layout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import matplotlib
import numpy as np

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen before pyplot loads)

LINE_STYLES = ["-", "--", ":", "-."]


def _colours(groups: Sequence[str]) -> dict[str, Any]:
    ordered = list(dict.fromkeys(groups))
    return {group: plt.get_cmap("tab10")(index % 10) for index, group in enumerate(ordered)}


def _check_series(series: Sequence[dict[str, Any]]) -> None:
    for entry in series:
        seeds = entry["rewardMeanBySeed"]
        if not seeds:
            raise ValueError(f"series {entry['label']!r}: rewardMeanBySeed lists no seed")
        lengths = {len(entry["rewardQueries"]), len(entry["cpuSeconds"]), *(len(curve) for curve in seeds)}
        if len(lengths) != 1:
            raise ValueError(
                f"series {entry['label']!r}: rewardQueries, cpuSeconds and each seed's rewardMean must have one value per point, "
                f"got {len(entry['rewardQueries'])}, {len(entry['cpuSeconds'])} and {[len(curve) for curve in seeds]}"
            )


def _save(figure, path: str) -> str:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=120)
    plt.close(figure)
    return path


def moving_mean(values: Sequence[float], window: int) -> list[float]:
    """The trailing mean over up to `window` points: a step's reward mean swings with the prompts it drew."""
    return [sum(values[max(0, index - window + 1): index + 1]) / len(values[max(0, index - window + 1): index + 1])
            for index in range(len(values))]


def plot_comparison(path: str, title: str, panels: Sequence[dict[str, Any]]) -> str:
    """One column per panel ({"title", "series"}); a line per series (a method), a colour per group
    shared by all panels. Each seed's step rewards are faint points; each seed's curve is smoothed by
    a trailing mean over an eighth of the run, and the line is the mean of those curves with a band
    from the lowest to the highest seed."""
    for panel in panels:
        _check_series(panel["series"])
    colours = _colours([entry["group"] for panel in panels for entry in panel["series"]])
    figure, axes = plt.subplots(2, len(panels), figsize=(6 * len(panels), 8), constrained_layout=True, squeeze=False)
    for column, panel in enumerate(panels):
        by_queries, by_cpu = axes[0][column], axes[1][column]
        seen_in_group: dict[str, int] = {}
        for entry in panel["series"]:
            order = seen_in_group.get(entry["group"], 0)
            seen_in_group[entry["group"]] = order + 1
            colour = colours[entry["group"]]
            seeds = entry["rewardMeanBySeed"]
            window = max(1, len(seeds[0]) // 8)
            smoothed = np.array([moving_mean(curve, window) for curve in seeds])
            mean = smoothed.mean(axis=0)
            for plot_axes, xs in ((by_queries, entry["rewardQueries"]), (by_cpu, entry["cpuSeconds"])):
                for curve in seeds:
                    plot_axes.scatter(xs, curve, color=colour, s=6, alpha=0.2)
                if len(seeds) > 1:
                    plot_axes.fill_between(xs, smoothed.min(axis=0), smoothed.max(axis=0), color=colour, alpha=0.2, linewidth=0)
                plot_axes.plot(xs, mean, color=colour, linestyle=LINE_STYLES[order % len(LINE_STYLES)], linewidth=1.8,
                               label=f"{entry['label']} (mean of {window})" if plot_axes is by_queries else None)
        by_queries.set_title(panel["title"])
        by_queries.set_xlabel("reward queries")
        by_cpu.set_xlabel("CPU seconds (Python process, training steps; mean over seeds)")
        for plot_axes in (by_queries, by_cpu):
            plot_axes.set_ylabel("reward of the step's videos")
            plot_axes.grid(True, alpha=0.3)
        by_queries.legend(fontsize="small")
    figure.suptitle(title, wrap=True)
    return _save(figure, path)


def plot_final_by_size(path: str, title: str, panels: Sequence[dict[str, Any]]) -> str:
    """One panel per reward ({"title", "sizes", "lines": [{"label", "group", "finalReward"}]}): each
    method's final reward (a point per frame size) against the frame size in pixels."""
    for panel in panels:
        for line in panel["lines"]:
            if len(line["finalReward"]) != len(panel["sizes"]):
                raise ValueError(f"line {line['label']!r} of panel {panel['title']!r}: one final reward per size "
                                 f"({len(panel['sizes'])}), got {len(line['finalReward'])}")
    colours = _colours([line["group"] for panel in panels for line in panel["lines"]])
    figure, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4.5), constrained_layout=True, squeeze=False)
    for panel_axes, panel in zip(axes[0], panels):
        for line in panel["lines"]:
            panel_axes.plot(panel["sizes"], line["finalReward"], color=colours[line["group"]], marker="o",
                            linewidth=1.5, label=line["label"])
        panel_axes.set_xticks(panel["sizes"], [f"{size}x{size}" for size in panel["sizes"]])
        panel_axes.set_xlabel("generated frame size (pixels)")
        panel_axes.set_ylabel("final reward (train prompts)")
        panel_axes.set_title(panel["title"])
        panel_axes.grid(True, alpha=0.3)
        panel_axes.legend(fontsize="small")
    figure.suptitle(title)
    return _save(figure, path)
