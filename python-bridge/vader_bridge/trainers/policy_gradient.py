"""What DDPO and GRPO share: PPO's clipped objective on stored stochastic DDIM chains.

A step samples micro-batches of videos with every state x_T..x_0 and each step's
log-probability kept (no graph), scores each video once, turns the rewards into advantages (how,
and how a step's videos are grouped, is what a subclass decides; GRPO also adds a KL penalty to
the reference), then runs
`inner_epochs` passes over the stored chains. Each pass re-scores a random subset of each chain's
denoising steps under the current LoRA and backpropagates the clipped surrogate
-min(A r, A clip(r, 1 - eps, 1 + eps)) with r = p_theta(x_{t-1} | x_t) / p_sampled(x_{t-1} | x_t),
one backward per denoising step so that memory stays that of a single step.

A micro-batch is re-scored exactly as it was sampled (same videos together, same embeddings), so
the first update of a step is on-policy with a ratio of exactly 1, as the reference
implementations check.
"""

from __future__ import annotations

import random
from abc import abstractmethod
from collections import defaultdict
from dataclasses import dataclass

import torch

from ..models.contract import PromptEmbeddings, VideoModel
from ..protocol import ConfigInvalid, Issue
from ..rewards import Reward
from ..sampling import Trajectory, denoising_step, rollout
from ..schedulers import build_scheduler
from .trainer import StepOutcome, Trainer, TrainerConfig


@dataclass(frozen=True)
class PolicyGradientConfig(TrainerConfig):
    """What DDPO and GRPO configs add (policyGradientFields in src/specs/trainers/policy-gradient-fields.ts)."""

    grad_accumulation: int
    inner_epochs: int
    timestep_fraction: float
    clip_range: float
    advantage_clip: float
    checkpointing: bool


@dataclass
class SampledBatch:
    """One micro-batch as sampled: what re-scoring its chains needs, its rewards and then its advantages."""

    prompts: list[str]
    embeddings: PromptEmbeddings
    trajectory: Trajectory
    rewards: torch.Tensor  # [B], one per video
    advantages: torch.Tensor | None = None  # [B], set by `assign_advantages`


@dataclass
class ClippedObjective:
    loss: torch.Tensor  # scalar, differentiable
    ratio: torch.Tensor  # [B], detached
    approx_kl: float  # 0.5 E[(log r)^2], as DDPO and Flow-GRPO log it
    clip_fraction: float  # the share of videos whose ratio left [1 - eps, 1 + eps]


def clipped_objective(log_prob: torch.Tensor, sampled_log_prob: torch.Tensor, advantages: torch.Tensor, clip_range: float) -> ClippedObjective:
    log_ratio = log_prob - sampled_log_prob
    ratio = torch.exp(log_ratio)
    unclipped = -advantages * ratio
    clipped = -advantages * ratio.clamp(1.0 - clip_range, 1.0 + clip_range)
    return ClippedObjective(
        loss=torch.maximum(unclipped, clipped).mean(),
        ratio=ratio.detach(),
        approx_kl=0.5 * log_ratio.detach().pow(2).mean().item(),
        clip_fraction=((ratio.detach() - 1.0).abs() > clip_range).float().mean().item(),
    )


class PolicyGradientTrainer(Trainer):
    """Subclasses plan the micro-batches of a step and assign advantages; `kl_coefficient` > 0 adds a
    KL penalty to the reference model (the adapter off)."""

    def __init__(self, model: VideoModel, reward: Reward, config: PolicyGradientConfig, where: tuple = ("config",)):
        super().__init__(model, reward, config)
        self.scheduler = build_scheduler(config.scheduler, model.noise_schedule_spec, where + ("scheduler",))
        if self.scheduler.eta <= 0:
            # zod refuses it too; its refinement has no JSON Schema form, so it is checked again here.
            raise ConfigInvalid([Issue(where + ("scheduler", "eta"), (
                f"must be greater than 0 for {self.algorithm.upper()} (got {self.scheduler.eta}): a deterministic DDIM step has no "
                "log-probability to take a policy gradient of; use eta 1 (DDPM-like) as the reference implementations do"))])
        self.parameters = self.train_adapter(config.adapter, config.lora, seed=config.seed)
        self.optimizer = torch.optim.AdamW(self.parameters, lr=config.lr, weight_decay=config.weight_decay)
        # Two streams, so that drawing prompts or timesteps never shifts the sampling noise and vice versa.
        self.choices = random.Random(config.seed)
        self.noise = torch.Generator().manual_seed(config.seed)

    @property
    def kl_coefficient(self) -> float:
        return 0.0

    @abstractmethod
    def plan_batches(self, prompts: list[str]) -> list[tuple[list[str], torch.Tensor | None]]:
        """The micro-batches of one step: each one's prompts and, optionally, its initial latents x_T."""

    @abstractmethod
    def assign_advantages(self, batches: list[SampledBatch]) -> None:
        """Sets each batch's `advantages` from the rewards of the whole step."""

    def train_step(self, prompts: list[str]) -> StepOutcome:
        config = self.config
        batches = [self._sample(batch_prompts, initial_latents) for batch_prompts, initial_latents in self.plan_batches(prompts)]
        self.assign_advantages(batches)
        terms: dict[str, list[float]] = defaultdict(list)
        grad_norms = []
        for _ in range(config.inner_epochs):
            order = self.choices.sample(batches, len(batches))  # a fresh order per pass, as DDPO shuffles
            for start in range(0, len(order), config.grad_accumulation):
                update = order[start:start + config.grad_accumulation]
                self.optimizer.zero_grad(set_to_none=True)
                for batch in update:
                    self._accumulate(batch, len(update), terms)
                grad_norms.append(self.apply_gradients(self.parameters, config.max_grad_norm))
        details = {name: sum(values) / len(values) for name, values in terms.items() if name != "loss"}
        return StepOutcome(loss=sum(terms["loss"]) / len(terms["loss"]), grad_norm=sum(grad_norms) / len(grad_norms),
                           rewards=torch.cat([batch.rewards for batch in batches]), details=details)

    def _sample(self, prompts: list[str], initial_latents: torch.Tensor | None) -> SampledBatch:
        guidance = self.config.guidance_scale
        with torch.no_grad():
            embeddings = self.model.encode_prompts(prompts, unconditional=guidance > 1.0)
            trajectory = rollout(self.model, self.scheduler, embeddings, generator=self.noise, guidance_scale=guidance,
                                 record_states=True, with_log_probs=True, initial_latents=initial_latents)
            rewards = self.score(self.model.decode_frames(trajectory.latents), prompts).detach()
        return SampledBatch(prompts, embeddings, trajectory, rewards)

    def _trained_step_indices(self, trajectory) -> list[int]:
        """A random subset of the chain's stochastic steps, `timestep_fraction` of the chain and at least
        one (DDPO, DanceGRPO). Deterministic steps (std 0) have no log-probability to train on, and steps the
        adapters' denoiser does not run (the frozen expert's of a two-expert Wan 2.2 A14B) no gradient."""
        timesteps = self.scheduler.timesteps()
        candidates = [index for index in trajectory.stochastic_steps if self.model.trains_at(timesteps[index])]
        if not candidates:
            raise ValueError("no denoising step of this chain both drew noise and ran the trained denoiser, so there is no "
                             "log-probability to train on; sample with eta > 0 (on a two-expert Wan model, with enough steps on "
                             "the trained expert's side of the boundary)")
        count = min(len(candidates), max(1, int(self.scheduler.steps * self.config.timestep_fraction)))
        return sorted(self.choices.sample(candidates, count))

    def _accumulate(self, batch: SampledBatch, batches_in_update: int, terms: dict[str, list[float]]) -> None:
        """Backpropagates the batch's share of the update's loss, one denoising step at a time."""
        config, trajectory = self.config, batch.trajectory
        advantages = batch.advantages.clamp(-config.advantage_clip, config.advantage_clip).to(self.model.device)
        timesteps, indices = self.scheduler.timesteps(), self._trained_step_indices(trajectory)
        for index in indices:
            with torch.enable_grad():
                step = denoising_step(self.model, self.scheduler, trajectory.states[index], timesteps[index], batch.embeddings,
                                      guidance_scale=config.guidance_scale, checkpointing=config.checkpointing,
                                      prev_sample=trajectory.states[index + 1], with_log_prob=True)
                objective = clipped_objective(step.log_prob, trajectory.log_probs[:, index], advantages, config.clip_range)
                loss = objective.loss
                if self.kl_coefficient > 0:
                    kl = self._kl_to_reference(batch, index, timesteps[index], step.mean, step.std)
                    loss = loss + self.kl_coefficient * kl
                    terms["klToReference"].append(kl.item())
                (loss / (batches_in_update * len(indices))).backward()
            terms["loss"].append(loss.item())
            terms["approxKl"].append(objective.approx_kl)
            terms["clipFraction"].append(objective.clip_fraction)

    def _kl_to_reference(self, batch: SampledBatch, index: int, timestep: torch.Tensor, mean: torch.Tensor, std: float) -> torch.Tensor:
        """KL(p_theta || p_ref) of one step: both Gaussians share std, so it is |mu_theta - mu_ref|^2 / (2 std^2)
        (Flow-GRPO's KL loss), averaged over dimensions like the log-probability and over the batch."""
        with torch.no_grad(), self.model.adapters_disabled():
            reference = denoising_step(self.model, self.scheduler, batch.trajectory.states[index], timestep, batch.embeddings,
                                       guidance_scale=self.config.guidance_scale, prev_sample=batch.trajectory.states[index + 1])
        return ((mean - reference.mean) ** 2).mean(dim=tuple(range(1, mean.dim()))).mean() / (2 * std**2)
