"""Builders shared by the tests: models, schedulers, rewards and trainers from wire-form configs,
with the zod-generated defaults filled in exactly as the bridge fills them."""

from __future__ import annotations

from typing import Any

import torch

from vader_bridge.device import resolve_placement
from vader_bridge.models import AdapterSettings, TextToVideoModel, VideoModel, create_model
from vader_bridge.rewards import build_reward
from vader_bridge.schedulers import build_scheduler
from vader_bridge.trainers import Trainer, VaderTrainer, create_trainer

QUICK_DDIM = {"name": "ddim", "steps": 4, "eta": 1.0}
BRIGHTNESS = {"kind": "named", "name": "brightness", "options": {}}

# The baselines at their smallest: two denoising steps, two videos a step, no guidance (one
# denoiser call per step), and a learning rate that moves the tiny model.
_TWO_STEPS = {"steps": 2, "eta": 1.0}  # the model's own scheduler: DDIM, or flow-match on Wan
QUICK_BASELINES: dict[str, dict[str, Any]] = {
    "ddpo": {"scheduler": _TWO_STEPS, "guidanceScale": 1, "batchSize": 2, "batchesPerStep": 1, "lr": 1e-2},
    "dpo": {"scheduler": _TWO_STEPS, "guidanceScale": 1, "promptsPerStep": 1, "samplesPerPrompt": 2, "lr": 1e-2},
    "grpo": {"scheduler": _TWO_STEPS, "guidanceScale": 1, "promptsPerStep": 1, "groupSize": 2, "lr": 1e-2},
}


def tiny_model(device: str = "auto", precision: str = "auto", family: str = "text-to-video", **options: Any) -> VideoModel:
    """A tiny model of `family`; `device` "auto" means CUDA when there is one, so these tests run there too."""
    return create_model({"kind": "tiny", "family": family, "options": {"seed": 0, **options}}, resolve_placement(device, precision))


def scheduler(model: VideoModel, steps: int = 4, eta: float = 1.0):
    """The model's own scheduler (DDIM on a diffusion model, flow-match on Wan)."""
    return build_scheduler({"steps": steps, "eta": eta}, model.noise_schedule_spec)


def add_adapter(model: TextToVideoModel, name: str = "default", *, rank: int = 4, alpha: float | None = None, seed: int = 0) -> None:
    model.add_adapter(name, AdapterSettings(rank=rank, alpha=alpha, target_modules=["to_q", "to_k", "to_v", "to_out.0"]), seed=seed)


def make_trainer(algorithm: str, model: TextToVideoModel, reward: dict = BRIGHTNESS, **config: Any) -> Trainer:
    """A trainer of `algorithm` from wire-form config (camelCase), every other field at its zod default."""
    return create_trainer(algorithm, model, build_reward(reward), config)


def quick_baseline(algorithm: str, model: TextToVideoModel, **overrides: Any) -> Trainer:
    """A DDPO, DPO or GRPO trainer at QUICK_BASELINES' settings, with overrides (wire names)."""
    return make_trainer(algorithm, model, **{**QUICK_BASELINES[algorithm], **overrides})


def vader_trainer(model: TextToVideoModel, reward: dict = BRIGHTNESS, **config: Any) -> VaderTrainer:
    """A VADER trainer from wire-form config (camelCase), every other field at its zod default."""
    return make_trainer("vader", model, reward, **config)


def perturb_adapter(model: TextToVideoModel, seed: int, name: str | None = None) -> None:
    """Stand-in for training: visible, reproducible LoRA weights."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.adapter_parameters(name):
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.3)
