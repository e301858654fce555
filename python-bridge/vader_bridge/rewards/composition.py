"""Rewards built from rewards, mirroring the TypeScript fluent API: a scaled reward, a sum, a target
(`-|r - target|`: closeness to a value, as VADER and VideoX-Fun shape the aesthetic score) and a
clipped reward (clamped to [min, max]; no gradient where it is clamped). Each passes the named
rewards' own scores up, so a run logs every term beside the total."""

from __future__ import annotations

import torch

from .reward import NamedReward, Reward, TermScores, check_frames


class ComposedReward(Reward):
    """A reward of rewards: `combine` their scores; the named terms are theirs."""

    def __init__(self, parts: list[Reward]):
        self.parts = list(parts)

    def evaluate(self, frames: torch.Tensor, prompts: list[str]) -> tuple[torch.Tensor, TermScores]:
        check_frames(frames, prompts)
        evaluated = [part.evaluate(frames, prompts) for part in self.parts]
        return self.combine([scores for scores, _ in evaluated]), [term for _, terms in evaluated for term in terms]

    def score(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        return self.evaluate(frames, prompts)[0]

    def combine(self, scores: list[torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError

    def named_terms(self) -> list[NamedReward]:
        return [term for part in self.parts for term in part.named_terms()]

    def place(self, device: torch.device) -> "ComposedReward":
        for part in self.parts:
            part.place(device)
        return self


class ScaledReward(ComposedReward):
    def __init__(self, factor: float, inner: Reward):
        super().__init__([inner])
        self.factor, self.inner = factor, inner

    def combine(self, scores: list[torch.Tensor]) -> torch.Tensor:
        return self.factor * scores[0]

    def spec(self) -> dict:
        return {"kind": "scaled", "factor": self.factor, "reward": self.inner.spec()}


class SumReward(ComposedReward):
    def __init__(self, terms: list[Reward]):
        if not terms:
            raise ValueError("a sum reward needs at least one term")
        super().__init__(terms)
        self.terms = self.parts

    def combine(self, scores: list[torch.Tensor]) -> torch.Tensor:
        return torch.stack(scores).sum(dim=0)

    def spec(self) -> dict:
        return {"kind": "sum", "terms": [term.spec() for term in self.terms]}


class TargetReward(ComposedReward):
    """-|r - target|: highest (0) when the inner reward equals `target`."""

    def __init__(self, target: float, inner: Reward):
        super().__init__([inner])
        self.target, self.inner = target, inner

    def combine(self, scores: list[torch.Tensor]) -> torch.Tensor:
        return -(scores[0] - self.target).abs()

    def spec(self) -> dict:
        return {"kind": "target", "target": self.target, "reward": self.inner.spec()}


class ClippedReward(ComposedReward):
    """The inner reward clamped to [min, max] (either bound may be absent)."""

    def __init__(self, minimum: float | None, maximum: float | None, inner: Reward):
        super().__init__([inner])
        self.minimum, self.maximum, self.inner = minimum, maximum, inner

    def combine(self, scores: list[torch.Tensor]) -> torch.Tensor:
        return scores[0].clamp(min=self.minimum, max=self.maximum)

    def spec(self) -> dict:
        bounds = {key: value for key, value in (("min", self.minimum), ("max", self.maximum)) if value is not None}
        return {"kind": "clip", **bounds, "reward": self.inner.spec()}
