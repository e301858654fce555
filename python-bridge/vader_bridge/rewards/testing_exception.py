"""A reward that always raises: it exists so tests can prove that a Python traceback from inside
scoring (mid-training, mid-request) reaches the TypeScript caller intact. Not for real use."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..registry import register
from .reward import NamedReward


@register("reward", "testing-exception")
class TestingExceptionReward(NamedReward):
    name = "testing-exception"
    __test__ = False  # pytest: this class is not a test case despite its name

    @dataclass(frozen=True)
    class Config:
        message: str  # default: in the zod schema (src/specs), like every default

    def score(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        raise RuntimeError(self.config.message)
