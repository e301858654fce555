"""VADER's guard against drifting from the base: the distance of the LoRA's predictions from the reference's.

At each denoising step the gradient goes through, the denoiser's prediction with the LoRA is
compared with the reference's, the same model with its adapters off, on the same input x_t (the
LoRA's own chain, as Flow-GRPO scores its policy's states). Both steps are Gaussians with the same
std whose means differ by a per-step constant times the predictions' difference, so their KL
divergence is proportional to |prediction - reference|^2: the mean of that square over the
prediction's elements is the penalty, and `referencePenalty` (beta) weighs it in VADER's loss.

`PredictionDistance` wraps the model for one rollout: the sampling loop calls `predict_noise` on it
as on any model, and every call made with graph (a step the gradient goes through) also runs the
reference under no_grad and keeps the difference. Calls without graph (every other step) pass
through untouched, so the rollout and its random draws are exactly what they are without it.
"""

from __future__ import annotations

from typing import Any

import torch

from ..models.contract import PromptEmbeddings, VideoModel


class PredictionDistance:
    """A model for one rollout that also measures the LoRA's drift at the steps the gradient goes through."""

    def __init__(self, model: VideoModel):
        self._model = model
        self.distances: list[torch.Tensor] = []  # one differentiable scalar per step the gradient goes through

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)  # the rest of the model contract, unchanged

    def predict_noise(self, latents: torch.Tensor, timestep: torch.Tensor, embeddings: PromptEmbeddings, *,
                      guidance_scale: float = 1.0, checkpointing: bool = False) -> torch.Tensor:
        prediction = self._model.predict_noise(latents, timestep, embeddings, guidance_scale=guidance_scale, checkpointing=checkpointing)
        if torch.is_grad_enabled() and prediction.requires_grad:
            with torch.no_grad(), self._model.adapters_disabled():
                reference = self._model.predict_noise(latents.detach(), timestep, embeddings, guidance_scale=guidance_scale)
            self.distances.append((prediction.float() - reference.float()).pow(2).mean())
        return prediction

    def mean(self) -> torch.Tensor:
        """The mean squared difference over the steps the gradient went through (0 when there were none)."""
        if not self.distances:
            return torch.zeros((), device=self._model.device)
        return torch.stack(self.distances).mean()
