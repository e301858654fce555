"""world.*: the digit world's prompt lists and its judge (docs/world.md)."""

from __future__ import annotations

from typing import Any

from ..call import Call, Handler
from ..world.clips import all_captions, test_prompts, train_prompts
from ..world.judge import Judge
from .context import BridgeContext
from .rewards import video_for_reward

PROMPT_SPLITS = {"train": train_prompts, "test": test_prompts, "all": all_captions}


def methods(context: BridgeContext) -> dict[str, Handler]:
    judges: dict[str, Judge] = {}  # built once per bridge, like weighted rewards

    def prompts(params: dict[str, Any], call: Call) -> dict[str, Any]:
        return {"prompts": PROMPT_SPLITS[params["split"]]()}

    def judge(params: dict[str, Any], call: Call) -> dict[str, Any]:
        frames = video_for_reward(params["video"])
        if len(params["prompts"]) != frames.shape[0]:
            raise ValueError(f"world.judge needs one prompt per video: {frames.shape[0]} videos, {len(params['prompts'])} prompts")
        if "default" not in judges:
            judges["default"] = Judge()
        report = judges["default"](frames, params["prompts"])
        return {"digitHits": report.digit_hits.tolist(), "directionHits": report.direction_hits.tolist(),
                "directions": report.directions}

    return {"world.prompts": prompts, "world.judge": judge}
