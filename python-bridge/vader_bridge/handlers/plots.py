"""plot.*: the comparison figures as PNG (training curves; final reward by frame size)."""

from __future__ import annotations

from typing import Any

from ..call import Call, Handler
from ..plots import plot_comparison, plot_final_by_size
from .context import BridgeContext


def methods(context: BridgeContext) -> dict[str, Handler]:
    def comparison(params: dict[str, Any], call: Call) -> dict[str, Any]:
        return {"path": plot_comparison(params["path"], params["title"], params["panels"])}

    def final_by_size(params: dict[str, Any], call: Call) -> dict[str, Any]:
        return {"path": plot_final_by_size(params["path"], params["title"], params["panels"])}

    return {"plot.comparison": comparison, "plot.finalBySize": final_by_size}
