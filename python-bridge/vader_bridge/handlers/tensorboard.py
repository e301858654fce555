"""tensorboard.addVideo: a sample video into a TensorBoard log (a fit writes its scalars itself: tensorboardDirectory)."""

from __future__ import annotations

from typing import Any

from ..call import Call, Handler
from ..tensorboard_log import TensorBoardLog
from .context import BridgeContext


def methods(context: BridgeContext) -> dict[str, Handler]:
    def add_video(params: dict[str, Any], call: Call) -> dict[str, Any]:
        with TensorBoardLog(params["directory"]) as log:
            log.add_video(params["tag"], params["video"], params["step"], fps=params["fps"])
        return {"directory": str(log.directory)}

    return {"tensorboard.addVideo": add_video}
