"""VADER (Prabhudesai et al. 2024, Algorithm 1): reward gradients through the last K denoising steps.

One `step` = `grad_accumulation` micro-batches, each: sample a video with the current LoRA,
keeping graph only through the last K steps; decode a few frames; score them with a
differentiable reward; backpropagate -reward. Then clip and take one AdamW step on LoRA weights.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import torch

from ..models.contract import VideoModel
from ..protocol import ConfigInvalid, Issue
from ..registry import register
from ..rewards import Reward
from ..sampling import rollout
from ..schedulers import build_scheduler
from .trainer import StepOutcome, Trainer, TrainerConfig


@dataclass(frozen=True)
class Truncation:
    mode: str  # "last": backprop through the final k steps; "rand": through a K drawn from 1..k each micro-batch
    k: int


@dataclass(frozen=True)
class DecodeFrames:
    mode: str  # "random" (count frames), "all", or "indices"
    count: int | None = None
    indices: list[int] | None = None


@register("trainer", "vader")
class VaderTrainer(Trainer):
    algorithm = "vader"

    @dataclass(frozen=True)
    class Config(TrainerConfig):
        """Bounds and defaults: VaderTrainerConfig in src/specs/trainers/vader-config.ts."""

        truncation: Truncation
        grad_accumulation: int
        batch_size: int
        decode_frames: DecodeFrames
        checkpointing: bool

    def __init__(self, model: VideoModel, reward: Reward, config: "VaderTrainer.Config", where: tuple = ("config",)):
        super().__init__(model, reward, config)
        self.scheduler = build_scheduler(config.scheduler, model.noise_schedule_spec, where + ("scheduler",))
        self._check_runtime_facts(where)
        self.parameters = self.train_adapter(config.adapter, config.lora, seed=config.seed)
        self.optimizer = torch.optim.AdamW(self.parameters, lr=config.lr, weight_decay=config.weight_decay)
        # Two streams, so that drawing prompts or K never shifts the sampling noise and vice versa.
        self.choices = random.Random(config.seed)
        self.noise = torch.Generator().manual_seed(config.seed)

    def _check_runtime_facts(self, where: tuple) -> None:
        """What the schema cannot know: the schedule's length and the model's frame count."""
        issues, frames, decode = [], self.model.frames, self.config.decode_frames
        if self.config.truncation.k > self.scheduler.steps:
            # A cross-field bound: zod's refinement has no JSON Schema form, so it is checked again here.
            issues.append(Issue(where + ("truncation", "k"), f"must be between 1 and scheduler.steps (got {self.config.truncation.k} > "
                                                             f"{self.scheduler.steps}); lower truncation.k or raise scheduler.steps"))
        if decode.mode == "random" and decode.count > frames:
            issues.append(Issue(where + ("decodeFrames", "count"), f"must be at most the model's frame count {frames} (got {decode.count})"))
        if decode.mode == "indices" and any(index >= frames for index in decode.indices):
            too_big = [index for index in decode.indices if index >= frames]
            issues.append(Issue(where + ("decodeFrames", "indices"),
                                f"must be below the model's frame count {frames} (got {too_big}); use indices 0..{frames - 1}"))
        if issues:
            raise ConfigInvalid(issues)

    def _grad_steps(self) -> int:
        truncation = self.config.truncation
        return truncation.k if truncation.mode == "last" else self.choices.randint(1, truncation.k)

    def _frame_indices(self) -> list[int] | None:
        decode = self.config.decode_frames
        if decode.mode == "all":
            return None
        if decode.mode == "indices":
            return list(decode.indices)
        return sorted(self.choices.sample(range(self.model.frames), decode.count))

    def train_step(self, prompts: list[str]) -> StepOutcome:
        config = self.config
        self.optimizer.zero_grad(set_to_none=True)
        rewards, backprop_steps, loss_total = [], [], 0.0
        with torch.enable_grad():
            for _ in range(config.grad_accumulation):
                batch = [self.choices.choice(prompts) for _ in range(config.batch_size)]
                backprop_steps.append(self._grad_steps())
                embeddings = self.model.encode_prompts(batch, unconditional=config.guidance_scale > 1.0)
                trajectory = rollout(self.model, self.scheduler, embeddings, generator=self.noise, guidance_scale=config.guidance_scale,
                                     grad_last_steps=backprop_steps[-1], checkpointing=config.checkpointing)
                scores = self.score(self.model.decode_frames(trajectory.latents, self._frame_indices()), batch)
                loss = -scores.mean() / config.grad_accumulation
                if not torch.isfinite(loss):
                    raise FloatingPointError(f"the reward is not finite ({scores.detach().tolist()}); check the reward spec and lr")
                loss.backward()
                loss_total += loss.item()
                rewards.append(scores.detach())
        grad_norm = self.apply_gradients(self.parameters, config.max_grad_norm)
        return StepOutcome(loss=loss_total, grad_norm=grad_norm, rewards=torch.cat(rewards),
                           details={"backpropSteps": sum(backprop_steps) / len(backprop_steps)})
