"""GRPO on the stochastic DDIM chain, after Flow-GRPO (Liu et al. 2025, yifan123/flow_grpo) and
DanceGRPO (Xue et al. 2025, XueZeyue/DanceGRPO).

One `step` samples `prompts_per_step` groups: `group_size` videos of one prompt, which by default
start from the same x_T (DanceGRPO's shared initial noise) and part ways through the chain's
noise. Advantages are group-relative: (reward - group mean) / (group std + 1e-4), zero-mean within
each group. Each group is one micro-batch of clipped PPO updates on a random `timestep_fraction`
of the denoising steps, with an optional KL penalty to the reference model (the adapter off),
|mu_theta - mu_ref|^2 / (2 sigma^2) per step as in Flow-GRPO (policy_gradient.py).
What came from which is in docs/trainers.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..registry import register
from .advantages import group_advantages
from .policy_gradient import PolicyGradientConfig, PolicyGradientTrainer, SampledBatch


@register("trainer", "grpo")
class GrpoTrainer(PolicyGradientTrainer):
    algorithm = "grpo"

    @dataclass(frozen=True)
    class Config(PolicyGradientConfig):
        """Bounds and defaults: GrpoTrainerConfig in src/specs/trainers/grpo-config.ts."""

        prompts_per_step: int
        group_size: int
        shared_initial_noise: bool
        kl_coefficient: float

    @property
    def kl_coefficient(self) -> float:
        return self.config.kl_coefficient

    def plan_batches(self, prompts: list[str]) -> list[tuple[list[str], torch.Tensor | None]]:
        config, groups = self.config, []
        for _ in range(config.prompts_per_step):
            prompt = self.choices.choice(prompts)
            shared = self.model.initial_latents(1, self.noise).repeat_interleave(config.group_size, dim=0) if config.shared_initial_noise else None
            groups.append(([prompt] * config.group_size, shared))
        return groups

    def assign_advantages(self, batches: list[SampledBatch]) -> None:
        for group in batches:
            group.advantages = group_advantages(group.rewards[None])[0]
