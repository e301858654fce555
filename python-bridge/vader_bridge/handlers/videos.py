"""video.write: a uint8 video as a looping GIF or a lossless .npy; video.read: one back; video.writeGrid: a batch of videos as one PNG of frames."""

from __future__ import annotations

from typing import Any

import torch

from ..call import Call, Handler
from ..video import read_video, write_video
from ..world.preview import save_video_grid
from .context import BridgeContext


def methods(context: BridgeContext) -> dict[str, Handler]:
    def write(params: dict[str, Any], call: Call) -> dict[str, Any]:
        return {"path": write_video(params["video"], params["path"], fps=params["fps"])}

    def write_grid(params: dict[str, Any], call: Call) -> dict[str, Any]:
        video = params["video"]
        if video.dtype != torch.uint8 or video.dim() != 5 or video.shape[-1] != 3:
            raise ValueError(f"params.video must be uint8 [batch, frames, height, width, 3], got {video.dtype} {list(video.shape)}")
        captions = params["captions"]
        if captions is not None and len(captions) != video.shape[0]:
            raise ValueError(f"params.captions must have one caption per video ({video.shape[0]}), got {len(captions)}")
        save_video_grid(video, params["path"], captions)
        return {"path": params["path"]}

    def read(params: dict[str, Any], call: Call) -> dict[str, Any]:
        return {"video": read_video(params["path"])}

    return {"video.write": write, "video.read": read, "video.writeGrid": write_grid}
