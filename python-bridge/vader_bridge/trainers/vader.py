"""VADER (Prabhudesai et al. 2024, Algorithm 1): reward gradients through the last K denoising steps.

One `step` = `grad_accumulation` micro-batches, each: sample a video with the current LoRA,
keeping graph only through the last K steps; decode a few frames; score them with a
differentiable reward; backpropagate -reward. Then clip and take one AdamW step on LoRA weights.
With `reference_penalty` set (beta), the loss also has beta times the mean squared difference of
the denoiser's predictions with and without the LoRA at those K steps (reference_penalty.py).
"""

from __future__ import annotations

import random
from dataclasses import KW_ONLY, dataclass

import torch
from torch.utils.checkpoint import checkpoint

from .. import distributed
from ..models.contract import VideoModel
from ..protocol import ConfigInvalid, Issue
from ..registry import register
from ..rewards import Reward
from ..sampling import rollout
from ..schedulers import build_scheduler
from ..shards import BatchShard
from .reference_penalty import PredictionDistance
from .trainer import StepOutcome, Trainer, TrainerConfig


@dataclass(frozen=True)
class Truncation:
    """Which steps the gradient goes through (TruncationConfig in src/specs/trainers/vader-config.ts)."""

    mode: str  # "last" | "rand" | "uniform" | "random" | "steps"
    k: int
    stop_input_gradient: bool
    steps: list[int] | None = None


@dataclass(frozen=True)
class DecodeFrames:
    mode: str  # "random" (count frames), "all", or "indices"
    count: int | None = None
    indices: list[int] | None = None


@register("trainer", "vader")
class VaderTrainer(Trainer):
    algorithm = "vader"
    backpropagates_reward = True  # terms without a gradient are refused (trainer.py)

    @dataclass(frozen=True)
    class Config(TrainerConfig):
        """Bounds and defaults: VaderTrainerConfig in src/specs/trainers/vader-config.ts."""

        truncation: Truncation
        grad_accumulation: int
        batch_size: int
        checkpointing: bool
        vae_checkpointing: bool
        # Optional fields are keyword-only, so a plugin's Config can add required fields after them.
        _: KW_ONLY
        decode_frames: DecodeFrames | None = None  # None: what the reward needs (see _decode_frames_for)
        reference_penalty: float | None = None  # beta; None: no reference forward at all (0: measured, not weighed)

    def __init__(self, model: VideoModel, reward: Reward, config: "VaderTrainer.Config", where: tuple = ("config",)):
        super().__init__(model, reward, config)
        self.scheduler = build_scheduler(config.scheduler, model.noise_schedule_spec, where + ("scheduler",))
        self.decode_frames = self._decode_frames_for(reward, where)
        self._check_runtime_facts(where)
        rank, world_size = distributed.rank_and_size()
        self.shard = BatchShard.of(config.batch_size, rank, world_size, where + ("batchSize",))  # this rank's share of each micro-batch
        self.parameters = self.train_adapter(config.adapter, config.lora, seed=config.seed)
        self.optimizer = torch.optim.AdamW(self.parameters, lr=config.lr, weight_decay=config.weight_decay)
        # Two streams, so that drawing prompts or K never shifts the sampling noise and vice versa.
        self.choices = random.Random(config.seed)
        self.noise = torch.Generator().manual_seed(config.seed)

    def _decode_frames_for(self, reward: Reward, where: tuple) -> DecodeFrames:
        """The frames to decode. Left unset: one random frame (the paper's default), or every frame when
        a term scores whole clips or lists frame indices. Set to fewer than all with such a term: refused."""
        needs_all = [term.name for term in reward.named_terms()
                     if term.whole_clip or (term.frame_selection is not None and term.frame_selection.needs_every_frame)]
        decode = self.config.decode_frames
        if decode is None:
            return DecodeFrames("all") if needs_all else DecodeFrames("random", count=1)
        if needs_all and decode.mode != "all":
            raise ConfigInvalid([Issue(where + ("decodeFrames",), f"decodes {decode.mode} frames, but the {needs_all[0]!r} reward "
                                       "scores whole clips or names frame indices, so it needs every frame; set decodeFrames "
                                       "to {mode: 'all'} or leave it out")])
        return decode

    def _check_runtime_facts(self, where: tuple) -> None:
        """What the schema cannot know: the schedule's length and the model's frame count."""
        issues, frames, decode = [], self.model.frames, self.decode_frames
        if self.config.truncation.mode != "steps" and self.config.truncation.k > self.scheduler.steps:
            # A cross-field bound: zod's refinement has no JSON Schema form, so it is checked again here.
            issues.append(Issue(where + ("truncation", "k"), f"must be between 1 and scheduler.steps (got {self.config.truncation.k} > "
                                                             f"{self.scheduler.steps}); lower truncation.k or raise scheduler.steps"))
        late = [index for index in self.config.truncation.steps or [] if index >= self.scheduler.steps]
        if late:
            issues.append(Issue(where + ("truncation", "steps"), f"must be step indices below scheduler.steps {self.scheduler.steps} (got {late})"))
        if decode.mode == "random" and decode.count > frames:
            issues.append(Issue(where + ("decodeFrames", "count"), f"must be at most the model's frame count {frames} (got {decode.count})"))
        if decode.mode == "indices" and any(index >= frames for index in decode.indices):
            too_big = [index for index in decode.indices if index >= frames]
            issues.append(Issue(where + ("decodeFrames", "indices"),
                                f"must be below the model's frame count {frames} (got {too_big}); use indices 0..{frames - 1}"))
        if not issues:
            issues += self._expert_issues(where)
        if issues:
            raise ConfigInvalid(issues)

    def _expert_issues(self, where: tuple) -> list[Issue]:
        """On a two-expert model the LoRA sits on one expert: some step the gradient goes through must be that expert's."""
        timesteps = self.scheduler.timesteps()
        trained = [index for index in range(self.scheduler.steps) if self.model.trains_at(timesteps[index])]
        if len(trained) == self.scheduler.steps:
            return []
        mode = self.config.truncation.mode
        if not trained:
            return [Issue(where + ("scheduler", "steps"), f"must put a step on the trained expert's side of the boundary (none of "
                                                          f"{self.scheduler.steps} does); raise scheduler.steps or train the other expert")]
        if mode in ("rand", "random"):
            return [Issue(where + ("truncation", "mode"), f"must be 'last', 'uniform' or 'steps' on a two-expert model: {mode!r} may draw only "
                                                          f"the frozen expert's steps, where the LoRA gets no gradient (the trained expert runs steps {trained})")]
        if not set(self._grad_steps()) & set(trained):
            return [Issue(where + ("truncation",), f"must take the gradient through a step of the trained expert ({trained}); steps "
                                                   f"{self._grad_steps()} are the frozen expert's, so the LoRA would get none: raise k, or use mode 'steps'")]
        return []

    def _grad_steps(self) -> list[int]:
        """The chain's step indices (0 the noisiest) whose predictions the gradient goes through, for one micro-batch."""
        truncation, steps = self.config.truncation, self.scheduler.steps
        if truncation.mode == "steps":
            return sorted(set(truncation.steps))
        if truncation.mode == "uniform":
            return sorted({round(steps - 1 - index * steps / truncation.k) for index in range(truncation.k)})
        if truncation.mode == "random":
            return sorted(self.choices.sample(range(steps), truncation.k))
        k = truncation.k if truncation.mode == "last" else self.choices.randint(1, truncation.k)
        return list(range(steps - k, steps))

    def _frame_indices(self) -> list[int] | None:
        decode = self.decode_frames
        if decode.mode == "all":
            return None
        if decode.mode == "indices":
            return list(decode.indices)
        return sorted(self.choices.sample(range(self.model.frames), decode.count))

    def train_step(self, prompts: list[str]) -> StepOutcome:
        config = self.config
        self.optimizer.zero_grad(set_to_none=True)
        rewards, backprop_steps, loss_total, distances = [], [], 0.0, []
        beta = config.reference_penalty
        with torch.enable_grad():
            for _ in range(config.grad_accumulation):
                batch = [self.choices.choice(prompts) for _ in range(config.batch_size)]
                backprop_steps.append(self._grad_steps())
                noise, initial_latents = self.noise, None
                if self.shard.world_size > 1:  # the whole batch's draws, this rank's rows (shards.py)
                    batch, noise = self.shard.take(batch), self.shard.noise(self.noise)
                    initial_latents = self.shard.take_rows(self.model.initial_latents(config.batch_size, self.noise))
                embeddings = self.model.encode_prompts(batch, unconditional=config.guidance_scale > 1.0)
                sampler = self.model if beta is None else PredictionDistance(self.model)
                trajectory = rollout(sampler, self.scheduler, embeddings, generator=noise, guidance_scale=config.guidance_scale,
                                     grad_steps=backprop_steps[-1], stop_input_gradient=config.truncation.stop_input_gradient,
                                     checkpointing=config.checkpointing, initial_latents=initial_latents)
                scores = self.score(self._decode(trajectory.latents), batch)
                loss = -scores.mean() / config.grad_accumulation
                if beta is not None:
                    distance = sampler.mean()
                    loss = loss + beta * distance / config.grad_accumulation
                    distances.append(distance.item())
                loss.backward()
                loss_total += loss.item()
                rewards.append(scores.detach())
        grad_norm = self.apply_gradients(self.parameters, config.max_grad_norm)
        details = {"backpropSteps": sum(map(len, backprop_steps)) / len(backprop_steps)}
        if distances:  # before this step's update: how far the LoRA it started from predicts from the base
            details["referenceDistance"] = sum(distances) / len(distances)
        return StepOutcome(loss=loss_total, grad_norm=grad_norm, rewards=torch.cat(rewards), details=details)

    def _decode(self, latents: torch.Tensor) -> torch.Tensor:
        """The frames the reward sees; with vae_checkpointing, the decoder's activations are recomputed in backward."""
        indices = self._frame_indices()
        if self.config.vae_checkpointing and torch.is_grad_enabled():
            return checkpoint(self.model.decode_frames, latents, indices, use_reentrant=False)
        return self.model.decode_frames(latents, indices)
