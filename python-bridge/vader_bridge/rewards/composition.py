"""Rewards built from rewards: a scaled reward and a sum of rewards, mirroring the TypeScript fluent API."""

from __future__ import annotations

import torch

from .reward import Reward


class ScaledReward(Reward):
    def __init__(self, factor: float, inner: Reward):
        self.factor, self.inner = factor, inner

    def score(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        return self.factor * self.inner(frames, prompts)

    def spec(self) -> dict:
        return {"kind": "scaled", "factor": self.factor, "reward": self.inner.spec()}


class SumReward(Reward):
    def __init__(self, terms: list[Reward]):
        if not terms:
            raise ValueError("a sum reward needs at least one term")
        self.terms = list(terms)

    def score(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        return torch.stack([term(frames, prompts) for term in self.terms]).sum(dim=0)

    def spec(self) -> dict:
        return {"kind": "sum", "terms": [term.spec() for term in self.terms]}
