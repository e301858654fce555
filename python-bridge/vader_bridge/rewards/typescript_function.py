"""A reward computed by a TypeScript function (`Reward.fromFunction` in src/reward/reward.ts), with no gradient.

Its spec is `{kind: "typescript", name, timeoutMs}`: the function itself stays in TypeScript. To
score, this term asks the call it runs in (answers.py): it emits a `reward-request` event with the
videos as uint8 [B, F, H, W, 3] (as `Model.sample` returns them) and the prompts, and waits for the
scores on the control channel. The scores are plain numbers, so the term has no gradient: the
policy-gradient trainers and Diffusion-DPO, which only rank or weigh samples, use it; VADER refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ..answers import QuestionFailed, QuestionTimedOut
from ..call import current_call
from .reward import NamedReward

REQUEST_EVENT = "reward-request"


class TypeScriptRewardFailed(RuntimeError):
    """The TypeScript function threw, answered badly, or did not answer in time."""


def video_for_typescript(frames: torch.Tensor) -> torch.Tensor:
    """float [B, F, 3, H, W] in [0, 1] -> uint8 [B, F, H, W, 3] on the CPU, rounded as sampled videos are."""
    return (frames.detach().float().clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 1, 3, 4, 2).contiguous().cpu()


class TypeScriptFunctionReward(NamedReward):
    version = "1"
    whole_clip = True  # the function sees whole videos
    differentiable = False

    @dataclass(frozen=True)
    class Config:
        name: str
        timeout_ms: int

    def __init__(self, name: str, timeout_ms: int):
        super().__init__(TypeScriptFunctionReward.Config(name, timeout_ms))
        self.name = name

    def spec(self) -> dict:
        return {"kind": "typescript", "name": self.name, "timeoutMs": self.config.timeout_ms}

    def record(self) -> dict[str, Any]:
        return {"name": "typescript", "version": self.version, "options": {"name": self.name, "timeoutMs": self.config.timeout_ms}, "files": {}}

    def score(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        call = current_call()
        if call is None:
            raise TypeScriptRewardFailed(f"the TypeScript reward {self.name!r} can only score inside a call from TypeScript, "
                                         "which answers its reward-request events")
        timeout_s = self.config.timeout_ms / 1000
        try:
            answer = call.ask(REQUEST_EVENT, {"term": self.name, "video": video_for_typescript(frames), "prompts": list(prompts)}, timeout_s)
        except QuestionFailed as error:
            raise TypeScriptRewardFailed(f"the TypeScript reward {self.name!r} failed: {error}") from None
        except QuestionTimedOut:
            raise TypeScriptRewardFailed(f"the TypeScript reward {self.name!r} did not answer within {timeout_s:g} s; make it faster or "
                                         f"give it longer: Reward.fromFunction({self.name!r}, fn, {{ timeoutMs: ... }})") from None
        return self._scores(answer, frames)

    def _scores(self, answer: Any, frames: torch.Tensor) -> torch.Tensor:
        batch = frames.shape[0]
        scores = answer.get("scores") if isinstance(answer, dict) else None
        if not isinstance(scores, list) or len(scores) != batch or not all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in scores):
            raise TypeScriptRewardFailed(f"the TypeScript reward {self.name!r} answered {answer!r}, not {{scores: [{batch} numbers]}}")
        values = torch.tensor(scores, dtype=torch.float32)
        if not torch.isfinite(values).all():
            raise FloatingPointError(f"the TypeScript reward {self.name!r} returned non-finite scores {scores}; return finite numbers")
        return values.to(device=frames.device, dtype=frames.dtype if frames.is_floating_point() else torch.float32)
