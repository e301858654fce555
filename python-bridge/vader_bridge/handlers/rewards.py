"""reward.score: score videos with a reward spec (built once per bridge, from the cache)."""

from __future__ import annotations

from typing import Any

import torch

from ..call import Call, Handler
from ..device import resolve_device
from ..protocol import InvalidArgument
from .context import BridgeContext


def video_for_reward(video: torch.Tensor) -> torch.Tensor:
    """uint8 [B, F, H, W, 3] (as model.sample returns) -> float [B, F, 3, H, W] in [0, 1]."""
    if video.dtype != torch.uint8 or video.dim() != 5 or video.shape[-1] != 3:
        raise InvalidArgument(f"params.video must be uint8 [batch, frames, height, width, 3], got {video.dtype} {list(video.shape)}")
    return video.permute(0, 1, 4, 2, 3).float() / 255.0


def methods(context: BridgeContext) -> dict[str, Handler]:
    def score(params: dict[str, Any], call: Call) -> dict[str, Any]:
        device = resolve_device("auto")  # where models go by default, so a cached reward rarely moves
        reward = context.rewards.build(params["reward"]).place(device)
        frames = video_for_reward(params["video"]).to(device)
        prompts = params["prompts"] or [""] * frames.shape[0]  # prompt-free rewards need none
        with torch.no_grad():
            scores = reward(frames, prompts)
        return {"scores": scores.float().cpu()}

    return {"reward.score": score}
