"""`python`: a user's own Python function as a reward, named `module:function` or `path/to/file.py:function`.

The function is called as `function(frames, prompts)` with frames a float tensor [B, F, 3, H, W] in
[0, 1] that keeps the graph (VADER backpropagates through it) and the B prompts, and returns one
differentiable score per video: a floating tensor [B]. Per frame (the default), `frames` picks the
frames it is given, as for the built-in per-frame rewards; with `wholeClip` it gets every frame and
a VADER trainer decodes them all. The metrics label it by the function's own name; the run records
the reference and the sha256 of the file that defines it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from ..configs import to_wire
from ..registry import register
from .frame_selection import FrameSelection
from .function_loading import FunctionNotLoaded, load_function
from .reward import NamedReward


class FunctionReturnedBadScores(ValueError):
    """The function ran but did not return one floating score per video."""


@register("reward", "python")
class PythonFunctionReward(NamedReward):
    name = "python"

    @dataclass(frozen=True)
    class Config:
        """PythonFunctionOptions in src/specs/reward-options.ts."""

        function: str
        frames: FrameSelection = field(default_factory=FrameSelection)
        whole_clip: bool = False

    def __init__(self, config: "PythonFunctionReward.Config"):
        super().__init__(config)
        if config.whole_clip and config.frames.mode != "all":
            raise FunctionNotLoaded(f"the python reward {config.function!r} scores whole clips (wholeClip: true), so it sees every "
                                    f"frame; drop its frames option ({config.frames.mode!r}) or set wholeClip to false")
        self.loaded = load_function(config.function)
        self.whole_clip = config.whole_clip  # an instance's answer to the class's question

    @property
    def label(self) -> str:
        return self.loaded.name

    @property
    def frame_selection(self) -> FrameSelection | None:
        return None if self.whole_clip else self.config.frames

    def record(self) -> dict[str, Any]:
        """The reference and the defining file's sha256 as it was when the function was loaded."""
        files = {} if self.loaded.source is None else {"function": {"path": str(self.loaded.source), "sha256": self.loaded.sha256}}
        return {"name": self.name, "version": self.version, "options": to_wire(self.config), "files": files}

    def score(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        seen = frames if self.whole_clip else self.config.frames.pick(frames, self.label)
        scores = self.loaded.function(seen, list(prompts))
        return self._checked(scores, frames)

    def _checked(self, scores: Any, frames: torch.Tensor) -> torch.Tensor:
        batch, reference = frames.shape[0], self.config.function

        def refuse(problem: str, fix: str) -> FunctionReturnedBadScores:
            return FunctionReturnedBadScores(f"the python reward's function {reference!r} {problem}; {fix}")

        if not isinstance(scores, torch.Tensor):
            raise refuse(f"returned a {type(scores).__name__}", f"return a torch tensor of {batch} scores (shape [{batch}]) computed from frames")
        if scores.shape != (batch,):
            raise refuse(f"returned shape {list(scores.shape)} for {batch} videos",
                         f"return one score per video, shape [{batch}] (e.g. reduce over frames and pixels with .mean(dim=(1, 2, 3, 4)))")
        if not scores.is_floating_point():
            raise refuse(f"returned {scores.dtype} scores", "return a floating tensor (float32 or the frames' dtype)")
        if not torch.isfinite(scores).all():
            raise FloatingPointError(f"the python reward's function {reference!r} returned non-finite scores {scores.detach().tolist()}; "
                                     "guard its divisions and logarithms (e.g. clamp denominators with .clamp(min=1e-6))")
        if frames.requires_grad and torch.is_grad_enabled() and not scores.requires_grad:
            raise refuse("returned scores without a graph to the frames (a .item(), .numpy(), .detach() or torch.no_grad() cut it)",
                         "compute them with torch operations on `frames`, so that VADER's gradient reaches the LoRA")
        return scores.to(frames.device)
