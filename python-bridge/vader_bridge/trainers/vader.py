"""VADER (Prabhudesai et al. 2024, Algorithm 1): reward gradients through the last K denoising steps.

One `step` = `grad_accumulation` micro-batches, each: sample a video with the current LoRA,
keeping graph only through the last K steps; decode a few frames; score them with a
differentiable reward; backpropagate -reward. Then clip and take one AdamW step on LoRA weights.
"""

from __future__ import annotations

import math
import random
import time
from typing import Any

import torch

from ..models.lora_adapter import DEFAULT_TARGET_MODULES
from ..registry import register
from ..rewards import Reward, build_reward
from ..schedulers import build_scheduler

TRUNCATION_MODES = ("last", "rand")
DECODE_FRAME_MODES = ("random", "all", "indices")


def _whole_number(value: Any, name: str, *, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        limit = f"from {minimum} to {maximum}" if maximum is not None else f">= {minimum}"
        raise ValueError(f"{name} must be {limit}, got {value}")
    return int(value)


def _finite_number(value: Any, name: str, *, minimum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < minimum:
        raise ValueError(f"{name} must be a finite number >= {minimum}, got {value!r}")
    return float(value)


@register("trainer", "vader")
class VaderTrainer:
    def __init__(
        self,
        model: Any,
        reward: Reward | dict,
        *,
        scheduler: dict,
        truncation: dict = {"mode": "last", "k": 1},
        lora: dict = {"rank": 8, "alpha": None, "target_modules": list(DEFAULT_TARGET_MODULES)},
        lr: float = 2e-4,  # the paper's; the tiny demo model wants more (see src/cli/train-job.ts)
        weight_decay: float = 0.0,
        max_grad_norm: float | None = 1.0,
        grad_accumulation: int = 1,
        batch_size: int = 1,
        guidance_scale: float = 1.0,
        decode_frames: dict = {"mode": "random", "count": 1},
        seed: int = 0,
        checkpointing: bool = True,
    ):
        self.model = model
        self.reward = build_reward(reward) if isinstance(reward, dict) else reward
        self.schedule = build_scheduler(scheduler, model.scheduler_config)
        self.truncation_mode, self.truncation_k = self._read_truncation(truncation, self.schedule.steps)
        self.decode_mode, self.decode_count, self.decode_indices = self._read_decode_frames(decode_frames, model.frames)
        self.lr = _finite_number(lr, "lr", minimum=0.0)
        self.weight_decay = _finite_number(weight_decay, "weight_decay", minimum=0.0)
        self.max_grad_norm = None if max_grad_norm is None else _finite_number(max_grad_norm, "max_grad_norm", minimum=0.0)
        self.grad_accumulation = _whole_number(grad_accumulation, "grad_accumulation", minimum=1)
        self.batch_size = _whole_number(batch_size, "batch_size", minimum=1)
        self.guidance_scale = _finite_number(guidance_scale, "guidance_scale", minimum=0.0)
        self.seed = _whole_number(seed, "seed", minimum=0)
        self.checkpointing = bool(checkpointing)

        # The `lora` settings apply only to a model without an adapter; an existing one (for
        # example loaded with load_lora to continue a run) is trained as it is.
        if model.info()["lora"] is None:
            unknown = sorted(set(lora) - {"rank", "alpha", "target_modules"})
            if unknown:
                raise ValueError(f"lora has unknown field(s) {', '.join(unknown)}; accepted: alpha, rank, target_modules")
            model.add_lora(
                rank=lora.get("rank", 8),
                alpha=lora.get("alpha"),
                target_modules=list(lora.get("target_modules", DEFAULT_TARGET_MODULES)),
                seed=self.seed,
            )
        self.parameters = model.lora_parameters()
        self.optimizer = torch.optim.AdamW(self.parameters, lr=self.lr, weight_decay=self.weight_decay)

        # Two streams, so that drawing prompts or K never shifts the sampling noise and vice versa.
        self.choices = random.Random(self.seed)
        self.noise = torch.Generator().manual_seed(self.seed)
        self.steps_done = 0

    # ---- settings ------------------------------------------------------------------------------

    @staticmethod
    def _read_truncation(truncation: dict, steps: int) -> tuple[str, int]:
        if not isinstance(truncation, dict) or truncation.get("mode") not in TRUNCATION_MODES:
            raise ValueError(
                f"truncation.mode must be one of {', '.join(TRUNCATION_MODES)} "
                f"('last': backprop through the final k steps; 'rand': through a K drawn from 1..k each step), "
                f"got {truncation!r}"
            )
        k = _whole_number(truncation.get("k", 1), "truncation.k", minimum=1, maximum=steps)
        return truncation["mode"], k

    @staticmethod
    def _read_decode_frames(decode_frames: dict, frames: int) -> tuple[str, int, list[int] | None]:
        mode = decode_frames.get("mode") if isinstance(decode_frames, dict) else None
        if mode not in DECODE_FRAME_MODES:
            raise ValueError(f"decode_frames.mode must be one of {', '.join(DECODE_FRAME_MODES)}, got {decode_frames!r}")
        if mode == "random":
            return mode, _whole_number(decode_frames.get("count", 1), "decode_frames.count", minimum=1, maximum=frames), None
        if mode == "all":
            return mode, frames, None
        indices = decode_frames.get("indices")
        if not isinstance(indices, list) or not indices:
            raise ValueError(f"decode_frames.indices must be a non-empty list of frame numbers, got {indices!r}")
        checked = [_whole_number(index, "decode_frames.indices[]", minimum=0, maximum=frames - 1) for index in indices]
        return mode, len(checked), checked

    def settings(self) -> dict:
        """The resolved settings as plain JSON, for run records."""
        return {
            "scheduler": self.schedule.describe(),
            "truncation": {"mode": self.truncation_mode, "k": self.truncation_k},
            "lora": self.model.info()["lora"],
            "lr": self.lr,
            "weight_decay": self.weight_decay,
            "max_grad_norm": self.max_grad_norm,
            "grad_accumulation": self.grad_accumulation,
            "batch_size": self.batch_size,
            "guidance_scale": self.guidance_scale,
            "decode_frames": {"mode": self.decode_mode, "count": self.decode_count, "indices": self.decode_indices},
            "seed": self.seed,
            "checkpointing": self.checkpointing,
            "reward": self.reward.spec(),
        }

    # ---- training ------------------------------------------------------------------------------

    def _grad_steps(self) -> int:
        if self.truncation_mode == "last":
            return self.truncation_k
        return self.choices.randint(1, self.truncation_k)

    def _frame_indices(self) -> list[int] | None:
        if self.decode_mode == "all":
            return None
        if self.decode_mode == "indices":
            return list(self.decode_indices)
        return sorted(self.choices.sample(range(self.model.frames), self.decode_count))

    def step(self, prompts: list[str]) -> dict:
        if not isinstance(prompts, (list, tuple)) or not prompts or not all(isinstance(p, str) for p in prompts):
            raise ValueError(f"step needs a non-empty list of prompt strings, got {prompts!r}")
        started = time.perf_counter()
        self.optimizer.zero_grad(set_to_none=True)
        rewards: list[torch.Tensor] = []
        loss_total = 0.0
        with torch.enable_grad():
            for _ in range(self.grad_accumulation):
                batch = [self.choices.choice(prompts) for _ in range(self.batch_size)]
                latents = self.model.rollout(
                    batch,
                    scheduler=self.schedule,
                    generator=self.noise,
                    guidance_scale=self.guidance_scale,
                    grad_last_steps=self._grad_steps(),
                    checkpointing=self.checkpointing,
                )
                frames = self.model.decode(latents, self._frame_indices())
                scores = self.reward(frames, batch)
                loss = -scores.mean() / self.grad_accumulation
                if not torch.isfinite(loss):
                    raise FloatingPointError(
                        f"the reward is not finite ({scores.detach().tolist()}); check the reward spec and lr"
                    )
                loss.backward()
                loss_total += loss.item()
                rewards.append(scores.detach())

        # max_grad_norm None or 0 means no clipping; the norm is still measured and reported.
        clip_to = self.max_grad_norm if self.max_grad_norm else float("inf")
        grad_norm = torch.nn.utils.clip_grad_norm_(self.parameters, clip_to).item()
        if not math.isfinite(grad_norm):
            self.optimizer.zero_grad(set_to_none=True)
            raise FloatingPointError(f"the LoRA gradient norm is {grad_norm}; the step was not taken (try a lower lr)")
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.steps_done += 1

        all_rewards = torch.cat(rewards)
        return {
            "step": self.steps_done,
            "reward_mean": all_rewards.mean().item(),
            "reward_std": all_rewards.std(unbiased=False).item(),
            "loss": loss_total,
            "grad_norm": grad_norm,
            "seconds": time.perf_counter() - started,
            "lr": self.optimizer.param_groups[0]["lr"],
        }
