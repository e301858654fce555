"""What every trainer is: a config object, `train_step()`, and its own metrics beside a shared core.

A trainer codes against the model contract (models/contract.py) and the one sampling loop
(sampling.py) only. `step` wraps the algorithm's `train_step` with what every algorithm reports
the same way: step number, wall and process CPU seconds, learning rate, loss, gradient norm, peak
memory, reward queries so far, the reward's mean and spread, and each named term's (reward
hacking hides in a sum); the algorithm adds its own `details`. Wall and CPU time both, so that
methods can be compared against either.
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch

from .. import distributed
from ..device import peak_memory_bytes, reset_peak_memory
from ..models.contract import AdapterSettings, VideoModel
from ..protocol import ConfigInvalid, Issue
from ..rewards import Reward, term_labels


@dataclass(frozen=True)
class LoraSettings:
    """A trainer's `lora` field (LoraConfig in src/specs/trainers/shared-fields.ts)."""

    rank: int
    target_modules: list[str]
    alpha: float | None = None  # absent: alpha = rank

    def adapter_settings(self) -> AdapterSettings:
        return AdapterSettings(self.rank, self.alpha, list(self.target_modules))


@dataclass(frozen=True)
class TrainerConfig:
    """The fields every trainer's config has (trainerFields in src/specs/trainers/shared-fields.ts)."""

    scheduler: dict
    lora: LoraSettings
    adapter: str
    lr: float
    weight_decay: float
    max_grad_norm: float
    guidance_scale: float
    seed: int


@dataclass
class StepOutcome:
    """What one step of an algorithm produced (a step may take several optimizer updates: DDPO, GRPO)."""

    loss: float
    grad_norm: float  # before clipping; the mean over the step's updates
    rewards: torch.Tensor  # every reward score computed in the step (one per video queried)
    details: dict[str, float] = field(default_factory=dict)  # the algorithm's own metrics, wire (camelCase) names


class Trainer(ABC):
    """Registered by algorithm (`@register("trainer", name)`); declares its config dataclass as `Config`."""

    algorithm: ClassVar[str]
    Config: ClassVar[type]
    # True for an algorithm that backpropagates the reward's gradient (VADER): it refuses terms without one.
    backpropagates_reward: ClassVar[bool] = False

    def __init__(self, model: VideoModel, reward: Reward, config: Any):
        self.model, self.reward, self.config = model, reward, config
        self.steps_done = 0
        self.reward_queries = 0
        self.optimizer: torch.optim.Optimizer | None = None
        self.adapter: str | None = None  # set by train_adapter
        self.term_labels = term_labels(reward.named_terms())
        self._term_scores: list[list[torch.Tensor]] = [[] for _ in self.term_labels]
        self._check_clip_lengths()
        self._check_reward_gradients()
        reset_peak_memory(model.device)  # peakMemoryBytes is this trainer's, not an earlier run's in the same process

    def _check_clip_lengths(self) -> None:
        """A whole-clip reward that needs a set number of frames cannot score this model's videos: say so now, not in step 1."""
        issues = [Issue(("reward",), f"the {term.name!r} reward scores whole clips of {term.clip_frames} frames, but the model "
                                     f"generates {self.model.frames}; build the model with {term.clip_frames} frames or drop that reward")
                  for term in self.reward.named_terms() if term.whole_clip and term.clip_frames not in (None, self.model.frames)]
        if issues:
            raise ConfigInvalid(issues)

    def _check_reward_gradients(self) -> None:
        """A term without a gradient (a TypeScript function's) gives an algorithm that backpropagates the reward nothing to follow."""
        if not self.backpropagates_reward:
            return
        issues = [Issue(("reward",), f"the {term.label!r} term is a TypeScript function, which scores videos without a gradient, but "
                                     f"{self.algorithm} backpropagates the reward's gradient into the LoRA; write it as a Python function "
                                     "reward (Reward.python(\"module:function\"), differentiable torch code) or train with GRPO, DDPO or DPO, "
                                     "which need only the scores")
                  for term in self.reward.named_terms() if not term.differentiable]
        if issues:
            raise ConfigInvalid(issues)

    # ---- checkpoints: everything that makes the next step what it is ---------------------------
    # Every trainer keeps `parameters` (its LoRA tensors), `optimizer`, and two random streams:
    # `choices` (prompts, truncation, frames) and `noise` (the sampling noise). Subclasses with more
    # state (DDPO's per-prompt statistics) add it in own_state / load_own_state.

    def state_dict(self) -> dict[str, Any]:
        return {
            "stepsDone": self.steps_done,
            "rewardQueries": self.reward_queries,
            "adapter": [parameter.detach().clone() for parameter in self.parameters],
            "optimizer": self.optimizer.state_dict(),
            "choices": self.choices.getstate(),
            "noise": self.noise.get_state(),
            "own": self.own_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if len(state["adapter"]) != len(self.parameters) or any(saved.shape != live.shape for saved, live in zip(state["adapter"], self.parameters)):
            raise ValueError("the checkpoint's LoRA tensors do not fit this trainer's adapter (another rank or target modules?); "
                             "resume with the job the run recorded")
        with torch.no_grad():
            for live, saved in zip(self.parameters, state["adapter"]):
                live.copy_(saved)
        self.optimizer.load_state_dict(state["optimizer"])
        version, internal, gauss = state["choices"]
        self.choices.setstate((version, tuple(internal), gauss))
        self.noise.set_state(state["noise"])
        self.steps_done, self.reward_queries = int(state["stepsDone"]), int(state["rewardQueries"])
        self.load_own_state(state["own"])

    def own_state(self) -> dict[str, Any]:
        return {}

    def load_own_state(self, state: dict[str, Any]) -> None:
        pass

    def reward_records(self) -> list[dict[str, Any]]:
        """Each named term of the reward with its label in the metrics, version, options and weight files' sha256."""
        return [{"label": label, **term.record()} for label, term in zip(self.term_labels, self.reward.named_terms())]

    @abstractmethod
    def train_step(self, prompts: list[str]) -> StepOutcome:
        """One step of the algorithm: its optimizer update(s) on LoRA weights."""

    def step(self, prompts: list[str]) -> dict[str, Any]:
        """One step and its metrics, in wire form (src/specs/metrics.ts)."""
        if not isinstance(prompts, (list, tuple)) or not prompts or not all(isinstance(p, str) for p in prompts):
            raise ValueError(f"step needs a non-empty list of prompt strings, got {prompts!r}")
        if self.adapter is not None and self.model.active_adapter != self.adapter:
            self.model.set_active_adapter(self.adapter)  # another trainer (or the user) switched it since
        started, cpu_started = time.perf_counter(), time.process_time()
        outcome = self.train_step(list(prompts))
        self.steps_done += 1
        # Data-parallel ranks each scored their share: the metrics are the global batch's (distributed.py).
        rewards = distributed.gather_rows(outcome.rewards.detach().float())
        self.reward_queries += int(rewards.numel())
        terms = {label: distributed.gather_rows(torch.cat(values)) for label, values in zip(self.term_labels, self._term_scores) if values}
        self._term_scores = [[] for _ in self.term_labels]
        return {
            "step": self.steps_done,
            "seconds": time.perf_counter() - started,
            "cpuSeconds": time.process_time() - cpu_started,
            "lr": self.optimizer.param_groups[0]["lr"] if self.optimizer is not None else 0.0,
            "loss": distributed.mean_over_ranks(float(outcome.loss)),
            "gradNorm": float(outcome.grad_norm),
            "peakMemoryBytes": peak_memory_bytes(self.model.device),
            "rewardQueries": self.reward_queries,
            "reward": {"mean": rewards.mean().item(), "std": rewards.std(unbiased=False).item()},
            "rewardTerms": {label: {"mean": values.mean().item(), "std": values.std(unbiased=False).item()} for label, values in terms.items()},
            "details": dict(outcome.details),
        }

    # ---- shared pieces -------------------------------------------------------------------------

    def score(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        """The reward of decoded frames, on the model's device (a cached reward may have served another
        device); each named term's own scores are kept for this step's metrics."""
        scores, terms = self.reward.place(self.model.device).evaluate(frames, prompts)
        for label, kept, (_, values) in zip(self.term_labels, self._term_scores, terms):
            if not torch.isfinite(values).all():
                raise FloatingPointError(f"step {self.steps_done + 1}: the reward term {label!r} is not finite ({values.tolist()}); "
                                         "the step was not taken. Check that reward's inputs and options, or lower the lr")
            kept.append(values.float().cpu())
        if not torch.isfinite(scores).all():
            raise FloatingPointError(f"step {self.steps_done + 1}: the reward is not finite ({scores.detach().tolist()}) though each term is; "
                                     "check the reward's composition (factors, targets); the step was not taken")
        return scores

    def train_adapter(self, name: str, lora: LoraSettings, *, seed: int) -> list[torch.nn.Parameter]:
        """Adapter `name` made active (added with `lora`'s settings if the model lacks it; an existing one trains as it is)."""
        if name not in self.model.adapter_names:
            self.model.add_adapter(name, lora.adapter_settings(), seed=seed)
        self.model.set_active_adapter(name)
        self.adapter = name
        return self.model.adapter_parameters(name)

    def apply_gradients(self, parameters: list[torch.nn.Parameter], max_grad_norm: float) -> float:
        """Clip, take the optimizer step, clear the gradients; returns the norm before clipping."""
        assert self.optimizer is not None, "create self.optimizer before apply_gradients"
        if torch.distributed.is_initialized():
            distributed.average_gradients(parameters)  # every rank clips and steps on the global batch's gradient
        grad_norm = torch.nn.utils.clip_grad_norm_(parameters, max_grad_norm).item()
        if not math.isfinite(grad_norm):
            self.optimizer.zero_grad(set_to_none=True)
            raise FloatingPointError(f"the LoRA gradient norm is {grad_norm}; the step was not taken (try a lower lr)")
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return grad_norm
