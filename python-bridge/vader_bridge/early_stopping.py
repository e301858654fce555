"""Early stopping on a held-out reward: a fit's `earlyStop` option (EarlyStopConfig in src/specs/early-stop.ts).

Every `every` steps (and once when the fit starts), the trainer's current LoRA samples the held-out
prompts (`samplesPerPrompt` videos each, from the same `seed` every time, so evaluations differ only
by the LoRA) without gradients, and a reward that is not the one being trained, a held-out term,
scores every decoded frame. The fit stops at that step boundary when the score has not beaten the
best one by more than `minDelta` for `patience` evaluations in a row. With `keep: "best"` the
trainer then holds the LoRA of the best evaluation (the fit's start included) and the run
directory's LoRA is that one; the checkpoint for --resume stays the last step's full state.

Sampling draws from its own generator, never from the trainer's streams, so a fit that is not
stopped trains exactly as it would without this option.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from . import distributed
from .rewards import Reward
from .sampling import rollout
from .trainers import Trainer


@dataclass
class Evaluation:
    step: int
    score: float


@dataclass
class HeldOutStopping:
    trainer: Trainer
    reward: Reward
    prompts: list[str]
    samples_per_prompt: int
    seed: int
    every: int
    patience: int
    min_delta: float
    keep: str  # "best" | "last"
    evaluations: list[Evaluation] = field(default_factory=list)
    best: Evaluation | None = None
    best_parameters: list[torch.Tensor] = field(default_factory=list)
    stopped: bool = False

    @classmethod
    def from_options(cls, trainer: Trainer, reward: Reward, options: dict[str, Any], fit_prompts: list[str]) -> "HeldOutStopping":
        return cls(trainer, reward, list(options.get("prompts") or fit_prompts), options["samplesPerPrompt"], options["seed"],
                   options["every"], options["patience"], options["minDelta"], options["keep"])

    def score(self) -> float:
        """The held-out reward's mean over the held-out videos of the trainer's current LoRA."""
        model, trainer = self.trainer.model, self.trainer
        prompts = [prompt for prompt in self.prompts for _ in range(self.samples_per_prompt)]
        generator = torch.Generator().manual_seed(self.seed)
        guidance = trainer.config.guidance_scale
        with torch.no_grad():
            embeddings = model.encode_prompts(prompts, unconditional=guidance > 1.0)
            latents = rollout(model, trainer.scheduler, embeddings, generator=generator, guidance_scale=guidance).latents
            scores, _ = self.reward.place(model.device).evaluate(model.decode_frames(latents), prompts)
        return scores.float().mean().item()

    def observe(self) -> bool:
        """Evaluates now if an evaluation is due; True when the fit should stop at this step boundary."""
        step = self.trainer.steps_done
        if self.evaluations and step % self.every != 0:
            return False
        score = distributed.leader_value(self.score())  # every rank decides as the leader does
        self.evaluations.append(Evaluation(step, score))
        if self.best is None or score > self.best.score + self.min_delta:
            self.best = self.evaluations[-1]
            self.best_parameters = [parameter.detach().clone() for parameter in self.trainer.parameters]
        self.stopped = len(self.evaluations) - 1 - self.evaluations.index(self.best) >= self.patience
        return self.stopped

    def finish(self) -> dict[str, Any]:
        """Puts the best evaluation's LoRA back (keep "best"); returns what happened, for the run's early-stop.json."""
        restored = self.keep == "best" and self.best is not None and self.best.step != self.trainer.steps_done
        if restored:
            with torch.no_grad():
                for live, best in zip(self.trainer.parameters, self.best_parameters):
                    live.copy_(best)
        return {
            "stopped": self.stopped,
            "lastStep": self.trainer.steps_done,
            "bestStep": self.best.step if self.best else None,
            "bestScore": self.best.score if self.best else None,
            "keptStep": self.best.step if restored else self.trainer.steps_done,
            "evaluations": [{"step": evaluation.step, "score": evaluation.score} for evaluation in self.evaluations],
        }
