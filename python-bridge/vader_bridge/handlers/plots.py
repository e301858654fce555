"""plot.comparison: training curves of a comparison as one PNG."""

from __future__ import annotations

from typing import Any

from ..call import Call, Handler
from ..plots import plot_comparison
from .context import BridgeContext


def methods(context: BridgeContext) -> dict[str, Handler]:
    def comparison(params: dict[str, Any], call: Call) -> dict[str, Any]:
        return {"path": plot_comparison(params["path"], params["title"], params["series"])}

    return {"plot.comparison": comparison}
