"""DDPO (Black et al. 2023, "Training Diffusion Models with Reinforcement Learning"), the PPO variant.

One `step` = one DDPO epoch: `batches_per_step` micro-batches of `batch_size` videos, each video
with a prompt drawn at random; advantages from per-prompt reward statistics (each prompt's last
`buffer_size` rewards, used once there are `min_count`; the step's statistics until then); then
`inner_epochs` passes of clipped PPO updates, one optimizer step per `grad_accumulation`
micro-batches (policy_gradient.py). Defaults follow kvablack/ddpo-pytorch `config/base.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ..models.contract import VideoModel
from ..protocol import ConfigInvalid, Issue
from ..registry import register
from ..rewards import Reward
from .advantages import PerPromptStatTracker, batch_advantages
from .policy_gradient import PolicyGradientConfig, PolicyGradientTrainer, SampledBatch


@dataclass(frozen=True)
class PerPromptStats:
    buffer_size: int
    min_count: int


@register("trainer", "ddpo")
class DdpoTrainer(PolicyGradientTrainer):
    algorithm = "ddpo"

    @dataclass(frozen=True)
    class Config(PolicyGradientConfig):
        """Bounds and defaults: DdpoTrainerConfig in src/specs/trainers/ddpo-config.ts."""

        batch_size: int
        batches_per_step: int
        per_prompt_stats: PerPromptStats | None = None  # None: the batch's mean and std

    def __init__(self, model: VideoModel, reward: Reward, config: "DdpoTrainer.Config", where: tuple = ("config",)):
        super().__init__(model, reward, config, where)
        stats = config.per_prompt_stats
        if stats and stats.min_count > stats.buffer_size:
            # zod refuses it too; its refinement has no JSON Schema form, so it is checked again here.
            raise ConfigInvalid([Issue(where + ("perPromptStats", "minCount"), (
                f"must be at most bufferSize (got {stats.min_count} > {stats.buffer_size}): the buffer would never hold "
                "enough rewards to be used; lower minCount or raise bufferSize"))])
        self.stat_tracker = PerPromptStatTracker(stats.buffer_size, stats.min_count) if stats else None

    def own_state(self) -> dict[str, Any]:
        return {"promptHistory": self.stat_tracker.history_lists() if self.stat_tracker else {}}

    def load_own_state(self, state: dict[str, Any]) -> None:
        if self.stat_tracker:
            self.stat_tracker.restore_history(state["promptHistory"])

    def plan_batches(self, prompts: list[str]) -> list[tuple[list[str], torch.Tensor | None]]:
        config = self.config
        return [([self.choices.choice(prompts) for _ in range(config.batch_size)], None) for _ in range(config.batches_per_step)]

    def assign_advantages(self, batches: list[SampledBatch]) -> None:
        prompts = [prompt for batch in batches for prompt in batch.prompts]
        rewards = torch.cat([batch.rewards for batch in batches])
        advantages = self.stat_tracker.advantages(prompts, rewards) if self.stat_tracker else batch_advantages(rewards)
        for batch, share in zip(batches, advantages.split([len(batch.prompts) for batch in batches])):
            batch.advantages = share
