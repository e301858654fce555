"""A reward that always raises: it exists so tests can prove that a Python traceback from inside
scoring (mid-training, mid-request) reaches the TypeScript caller intact. Not for real use."""

from __future__ import annotations

import torch

from ..registry import register
from .options import OptionReader
from .reward import Reward

DEFAULT_MESSAGE = "testing-exception reward raised on purpose (it exists to test error reporting)"


@register("reward", "testing-exception")
class TestingExceptionReward(Reward):
    name = "testing-exception"
    __test__ = False  # pytest: this class is not a test case despite its name

    def __init__(self, options: dict | None = None):
        reader = OptionReader(self.name, options)
        self.message = reader.string("message", default=DEFAULT_MESSAGE)
        self.options = reader.finish()

    def score(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        raise RuntimeError(self.message)

    def spec(self) -> dict:
        return {"kind": "named", "name": self.name, "options": dict(self.options)}
