"""Training curves as a PNG, drawn with matplotlib's Agg backend (no display, no browser)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen before pyplot loads)


def plot_comparison(path: str, title: str, series: Sequence[dict[str, Any]]) -> str:
    """Reward mean against reward queries (top) and against CPU seconds (bottom); a line per series, a colour per group,
    and within a group a line style per series (the seeds of one method)."""
    for entry in series:
        lengths = {len(entry["rewardQueries"]), len(entry["cpuSeconds"]), len(entry["rewardMean"])}
        if len(lengths) != 1:
            raise ValueError(
                f"series {entry['label']!r}: rewardQueries, cpuSeconds and rewardMean must have one value per point, "
                f"got {len(entry['rewardQueries'])}, {len(entry['cpuSeconds'])} and {len(entry['rewardMean'])}"
            )
    groups = list(dict.fromkeys(entry["group"] for entry in series))
    colours = {group: plt.get_cmap("tab10")(index % 10) for index, group in enumerate(groups)}
    line_styles = ["-", "--", ":", "-."]
    seen_in_group: dict[str, int] = {}
    figure, (by_queries, by_cpu) = plt.subplots(2, 1, figsize=(7, 8), constrained_layout=True)
    for entry in series:
        order = seen_in_group.get(entry["group"], 0)
        seen_in_group[entry["group"]] = order + 1
        style = {"color": colours[entry["group"]], "linestyle": line_styles[order % len(line_styles)], "marker": "o",
                 "markersize": 3, "linewidth": 1.5, "label": entry["label"]}
        by_queries.plot(entry["rewardQueries"], entry["rewardMean"], **style)
        by_cpu.plot(entry["cpuSeconds"], entry["rewardMean"], **style)
    by_queries.set_xlabel("reward queries")
    by_cpu.set_xlabel("CPU seconds (Python process, training steps)")
    for axes in (by_queries, by_cpu):
        axes.set_ylabel("reward mean of the step's videos")
        axes.grid(True, alpha=0.3)
    by_queries.legend(fontsize="small")
    by_queries.set_title(title)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=120)
    plt.close(figure)
    return path
