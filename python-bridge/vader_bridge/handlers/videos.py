"""video.write: a uint8 video as a looping GIF."""

from __future__ import annotations

from typing import Any

from ..call import Call, Handler
from ..video import write_video
from .context import BridgeContext


def methods(context: BridgeContext) -> dict[str, Handler]:
    def write(params: dict[str, Any], call: Call) -> dict[str, Any]:
        return {"path": write_video(params["video"], params["path"], fps=params["fps"])}

    return {"video.write": write}
