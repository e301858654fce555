"""Online Diffusion-DPO (Wallace et al. 2024, "Diffusion Model Alignment Using Direct Preference
Optimization"), with preferences made by the reward instead of people.

One `step` draws `prompts_per_step` prompts; for each it samples `samples_per_prompt` videos with
the current LoRA (no graph), scores each once, and pairs the best (winner) with the worst (loser).
Each pair is noised to one random t with one shared noise, and the loss is the paper code's

    -log sigmoid(-beta / 2 * ((|e_w - e_theta(w_t)|^2 - |e_l - e_theta(l_t)|^2)
                               - (|e_w - e_ref(w_t)|^2 - |e_l - e_ref(l_t)|^2)))

where the reference is the same model with its LoRA off (`model.adapters_disabled()`), and x_t, t
and the target e (noise, velocity or sample; the flow velocity for flow models) are the
scheduler's forward process (`add_noise`, `training_target`, `training_timestep`). While
the LoRA is still zero, model and reference agree and the loss is exactly log 2.

A pair whose reward gap is below `min_reward_gap` is a tie (a saturated reward scores every video
about the same): it is skipped rather than trained toward an arbitrary winner. A step whose pairs
are all ties takes no update.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..models.contract import VideoModel
from ..registry import register
from ..rewards import Reward
from ..sampling import rollout
from ..schedulers import build_scheduler
from .trainer import StepOutcome, Trainer, TrainerConfig


@dataclass
class PreferencePair:
    prompt: str
    winner: torch.Tensor  # x_0 latents [C, F, h, w] of the best-scored sample
    loser: torch.Tensor  # ... and of the worst
    reward_gap: float  # winner's reward minus loser's


@register("trainer", "dpo")
class DpoTrainer(Trainer):
    algorithm = "dpo"

    @dataclass(frozen=True)
    class Config(TrainerConfig):
        """Bounds and defaults: DpoTrainerConfig in src/specs/trainers/dpo-config.ts."""

        prompts_per_step: int
        samples_per_prompt: int
        beta: float
        min_reward_gap: float
        checkpointing: bool

    def __init__(self, model: VideoModel, reward: Reward, config: "DpoTrainer.Config", where: tuple = ("config",)):
        super().__init__(model, reward, config)
        # Samples candidates, and is the forward (noising) process for x_t and the training target.
        self.scheduler = build_scheduler(config.scheduler, model.noise_schedule_spec, where + ("scheduler",))
        self.parameters = self.train_adapter(config.adapter, config.lora, seed=config.seed)
        self.optimizer = torch.optim.AdamW(self.parameters, lr=config.lr, weight_decay=config.weight_decay)
        # Two streams, so that drawing prompts never shifts the noise and vice versa.
        self.choices = random.Random(config.seed)
        self.noise = torch.Generator().manual_seed(config.seed)

    def train_step(self, prompts: list[str]) -> StepOutcome:
        pairs, rewards = [], []
        for _ in range(self.config.prompts_per_step):
            pair, scores = self._ranked_pair(self.choices.choice(prompts))
            pairs.append(pair)
            rewards.append(scores)
        self.optimizer.zero_grad(set_to_none=True)
        trained = [pair for pair in pairs if pair.reward_gap >= self.config.min_reward_gap]
        losses, preferred = [], []
        for pair in trained:
            loss, margin = self._pair_loss(pair)
            (loss / len(trained)).backward()
            losses.append(loss.item())
            preferred.append(1.0 if margin > 0 else 0.5 if margin == 0 else 0.0)
        grad_norm = self.apply_gradients(self.parameters, self.config.max_grad_norm) if trained else 0.0
        return StepOutcome(loss=sum(losses) / len(losses) if trained else 0.0, grad_norm=grad_norm, rewards=torch.cat(rewards), details={
            # The share of trained pairs the model already ranks like the reward, relative to the reference (ties count half).
            "implicitAccuracy": sum(preferred) / len(preferred) if trained else 0.5,
            "rewardGap": sum(pair.reward_gap for pair in pairs) / len(pairs),
            # Pairs whose reward gap cleared min_reward_gap (the others were ties, skipped).
            "pairsTrained": float(len(trained)),
        })

    def _ranked_pair(self, prompt: str) -> tuple[PreferencePair, torch.Tensor]:
        """Samples the prompt's candidates, scores each once, and pairs the best with the worst."""
        config, candidates = self.config, [prompt] * self.config.samples_per_prompt
        with torch.no_grad():
            embeddings = self.model.encode_prompts(candidates, unconditional=config.guidance_scale > 1.0)
            latents = rollout(self.model, self.scheduler, embeddings, generator=self.noise, guidance_scale=config.guidance_scale).latents
            scores = self.score(self.model.decode_frames(latents), candidates).detach()
        order = torch.argsort(scores, stable=True)  # equal rewards still make a pair (first worst, last best)
        winner, loser = int(order[-1]), int(order[0])
        return PreferencePair(prompt, latents[winner], latents[loser], (scores[winner] - scores[loser]).item()), scores

    def _trained_timestep(self) -> torch.Tensor:
        """The scheduler's training timestep, redrawn until the adapters' denoiser runs there: on a two-expert Wan 2.2 A14B
        model, the trained expert's side of the boundary (its training distribution restricted to that side)."""
        for _ in range(1000):
            timestep = self.scheduler.training_timestep(self.noise)
            if self.model.trains_at(timestep):
                return timestep
        raise ValueError("1000 training timesteps in a row fell where the trained denoiser does not run; the model's expert "
                         "boundary leaves its expert almost no share of the noise levels")

    def _pair_loss(self, pair: PreferencePair) -> tuple[torch.Tensor, float]:
        """The DPO loss of one pair, and the margin inside its sigmoid (> 0: the model prefers the winner more than the reference does)."""
        device = self.model.device
        clean = torch.stack([pair.winner, pair.loser])
        timestep = self._trained_timestep()
        noise = torch.randn(clean.shape[1:], generator=self.noise, dtype=torch.float32).to(device, clean.dtype).expand_as(clean)
        noisy = self.scheduler.add_noise(clean, noise, timestep)
        target = self.scheduler.training_target(clean, noise, timestep)
        embeddings = self.model.encode_prompts([pair.prompt] * 2)
        timestep = timestep.to(device)
        with torch.enable_grad():
            errors = self._errors(self.model.predict_noise(noisy, timestep, embeddings, checkpointing=self.config.checkpointing), target)
        with torch.no_grad(), self.model.adapters_disabled():
            reference = self._errors(self.model.predict_noise(noisy, timestep, embeddings), target)
        margin = -0.5 * self.config.beta * ((errors[0] - errors[1]) - (reference[0] - reference[1]))
        return -F.logsigmoid(margin), margin.item()

    @staticmethod
    def _errors(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean squared error per video [2]."""
        return (prediction - target).pow(2).mean(dim=tuple(range(1, prediction.dim())))
