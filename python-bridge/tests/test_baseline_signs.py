"""The baselines train toward the reward, not away from it.

A sign error in DDPO, GRPO or Diffusion-DPO crashes nothing: a flipped PPO surrogate (-A r), a
flipped advantage (reward - mean), a swapped winner and loser, or a flipped DPO margin still
gives finite losses, moving LoRA weights and on-policy ratios of exactly 1, so every other test
passes while training quietly minimises the reward. These tests pin the direction:

- One update, in isolation. DDPO and GRPO: the chain of a video with a positive advantage gains
  log-likelihood, one with a negative advantage loses it, and with the step's real advantages the
  better video's chain gains on the worse one's. GRPO's KL penalty pulls the LoRA toward the
  reference. Diffusion-DPO: the pair's winner really has the higher reward, and the model's
  implicit preference for it over the loser, relative to the reference, rises.
  Each is measured here, from the scheduler's Gaussian mean or the denoiser's error, not with
  the trainer's own log-probability or margin, so a sign flipped inside those is caught as well.
- A short run (DDPO, GRPO). A few steps raise the mean reward of videos sampled from fixed seeds.
  Diffusion-DPO has none: on the random-weight tiny model its denoising error has nothing to do
  with what the sampler draws, so a few steps move the reward by noise only (measured over five
  seeds, 8 steps of 4 pairs: from -3.8e-3 to +3.0e-3; fresh pairs' implicit preference did not
  rise either). Its direction is pinned by the one-update tests.
- Diffusion-DPO's minRewardGap: a pair whose reward gap is below it is a tie and takes no update.

The model is the smallest tiny one (one 8x8 frame: 64 latent dimensions), so that a step is cheap
and a handful of videos carry a usable gradient.
"""

from __future__ import annotations

import pytest
import torch

from support import add_adapter, perturb_adapter, quick_baseline, tiny_model
from vader_bridge.models import TextToVideoModel
from vader_bridge.sampling import denoising_step, rollout
from vader_bridge.trainers import Trainer
from vader_bridge.trainers.ddpo import DdpoTrainer
from vader_bridge.trainers.dpo import DpoTrainer
from vader_bridge.trainers.policy_gradient import PolicyGradientTrainer, SampledBatch

POLICY_GRADIENT = ["ddpo", "grpo"]
PROMPT = "a dog"


def smallest_model() -> TextToVideoModel:
    return tiny_model(frames=1, height=8, width=8)


# ---- measurements, independent of the trainers' own log-probabilities and margins ---------------


def chain_log_likelihood(trainer: PolicyGradientTrainer, batch: SampledBatch) -> torch.Tensor:
    """Per video [B]: the mean over the chain's stochastic steps of log N(x_{t-1}; mu_theta(x_t), std^2),
    up to a constant, from the scheduler's mean under the current LoRA."""
    total = torch.zeros(len(batch.prompts))
    for previous, tuned, _ in stochastic_steps(trainer, batch):
        squared_distance = (previous - tuned.mean).pow(2).flatten(1).mean(dim=1)
        total += (-squared_distance / (2 * tuned.std**2)).cpu()
    return total / len(batch.trajectory.stochastic_steps)


def kl_to_reference(trainer: PolicyGradientTrainer, batch: SampledBatch) -> torch.Tensor:
    """Per video [B]: the mean over the chain's stochastic steps of |mu_theta - mu_ref|^2 / (2 std^2),
    the KL to the LoRA-off model that GRPO penalises."""
    total = torch.zeros(len(batch.prompts))
    for _, tuned, reference in stochastic_steps(trainer, batch, with_reference=True):
        total += ((tuned.mean - reference.mean).pow(2).flatten(1).mean(dim=1) / (2 * tuned.std**2)).cpu()
    return total / len(batch.trajectory.stochastic_steps)


def stochastic_steps(trainer: PolicyGradientTrainer, batch: SampledBatch, with_reference: bool = False):
    """For each stochastic step of the batch's stored chain: x_{t-1} as sampled, the step under the
    current LoRA and, on request, under the reference (no graph)."""
    trajectory, timesteps, model = batch.trajectory, trainer.scheduler.timesteps(), trainer.model
    for index in trajectory.stochastic_steps:
        arguments = (model, trainer.scheduler, trajectory.states[index], timesteps[index], batch.embeddings)
        keywords = {"guidance_scale": trainer.config.guidance_scale, "prev_sample": trajectory.states[index + 1]}
        with torch.no_grad():
            tuned = denoising_step(*arguments, **keywords)
            reference = None
            if with_reference:
                with model.adapters_disabled():
                    reference = denoising_step(*arguments, **keywords)
        yield trajectory.states[index + 1], tuned, reference


def implicit_preference(trainer: Trainer, clean: torch.Tensor, noise: torch.Tensor, timestep: torch.Tensor, noisy: torch.Tensor) -> float:
    """How much more the LoRA lowers the denoising error of the winner (clean[0]) than of the loser
    (clean[1]), relative to the reference: (ref_w - ref_l) - (model_w - model_l). Positive: the
    model prefers the winner more than the reference does. The DPO loss is -log sigmoid(beta / 2 * this)."""
    model = trainer.model
    target = trainer.scheduler.training_target(clean, noise, timestep)
    embeddings = model.encode_prompts([PROMPT] * 2)

    def errors() -> torch.Tensor:
        prediction = model.predict_noise(noisy, timestep, embeddings)
        return (prediction - target).pow(2).flatten(1).mean(dim=1)

    with torch.no_grad():
        tuned = errors()
        with model.adapters_disabled():
            reference = errors()
    return ((reference[0] - reference[1]) - (tuned[0] - tuned[1])).item()


def fixed_seed_reward(trainer: Trainer, videos: int = 32, seed: int = 1234) -> float:
    """The mean reward of `videos` sampled with the trainer's scheduler from one fixed seed (x_T and the chain's noise)."""
    generator = torch.Generator().manual_seed(seed)
    prompts = [PROMPT] * videos
    with torch.no_grad():
        embeddings = trainer.model.encode_prompts(prompts)
        latents = rollout(trainer.model, trainer.scheduler, embeddings, generator=generator).latents
        return trainer.score(trainer.model.decode_frames(latents), prompts).mean().item()


# ---- DDPO and GRPO: one update ------------------------------------------------------------------


class OneUpdateRecorder:
    """Wraps a policy-gradient trainer's `assign_advantages`: keeps the step's micro-batches and
    `measure` of each (per video) before the update; `fixed_advantage` replaces the real advantages."""

    def __init__(self, trainer: PolicyGradientTrainer, measure=chain_log_likelihood, fixed_advantage: float | None = None):
        self.trainer, self.measure = trainer, measure
        self.batches: list[SampledBatch] = []
        self.before: list[torch.Tensor] = []
        assign = trainer.assign_advantages

        def recording(batches: list[SampledBatch]) -> None:
            assign(batches)
            for batch in batches:
                if fixed_advantage is not None:
                    batch.advantages = torch.full_like(batch.advantages, fixed_advantage)
                self.batches.append(batch)
                self.before.append(measure(trainer, batch))

        trainer.assign_advantages = recording

    def change(self) -> torch.Tensor:
        """Each recorded video's `measure` now minus before the update."""
        return torch.cat([self.measure(self.trainer, batch) for batch in self.batches]) - torch.cat(self.before)


def one_update_trainer(algorithm: str, model: TextToVideoModel | None = None, **overrides) -> PolicyGradientTrainer:
    """One micro-batch of 4 videos, every denoising step re-scored, one pass: exactly one optimizer update.

    The 2-step chain's standard deviations are small (about 0.04 and 0.02), so its log-likelihood is
    steep in the LoRA: lr 1e-4 already moves it by about 1e-2 and stays where a step's effect is
    first-order; from about 1e-3 the update overshoots and every chain loses likelihood, whatever its advantage."""
    size = {"batchSize": 4} if algorithm == "ddpo" else {"groupSize": 4, "promptsPerStep": 1}
    settings = {"timestepFraction": 1.0, "innerEpochs": 1, "lr": 1e-4, **size, **overrides}
    return quick_baseline(algorithm, model or smallest_model(), **settings)


@pytest.mark.parametrize("advantage", [1.0, -1.0])
@pytest.mark.parametrize("algorithm", POLICY_GRADIENT)
def test_one_update_moves_each_chains_likelihood_with_the_sign_of_its_advantage(algorithm, advantage):
    trainer = one_update_trainer(algorithm)
    recorder = OneUpdateRecorder(trainer, fixed_advantage=advantage)
    trainer.step([PROMPT])
    change = recorder.change()
    assert (torch.sign(change) == advantage).all(), change


@pytest.mark.parametrize("algorithm", POLICY_GRADIENT)
def test_one_update_favours_the_better_videos_chain_over_the_worse_ones(algorithm):
    trainer = one_update_trainer(algorithm)
    recorder = OneUpdateRecorder(trainer)  # the step's own advantages, from its own rewards
    trainer.step([PROMPT])
    (batch,) = recorder.batches
    change = recorder.change()
    best, worst = int(batch.rewards.argmax()), int(batch.rewards.argmin())
    assert batch.advantages[best] > 0 > batch.advantages[worst], (batch.rewards, batch.advantages)
    assert change[best] > change[worst], (batch.rewards, change)


def test_grpo_kl_penalty_pulls_the_lora_toward_the_reference():
    model = smallest_model()
    add_adapter(model)
    perturb_adapter(model, seed=1)  # away from the reference, so that the penalty has a gradient
    trainer = one_update_trainer("grpo", model, klCoefficient=1.0)
    recorder = OneUpdateRecorder(trainer, measure=kl_to_reference, fixed_advantage=0.0)  # only the penalty trains
    trainer.step([PROMPT])
    change = recorder.change()
    assert (change < 0).all(), change


# ---- Diffusion-DPO: one update ------------------------------------------------------------------


class PairLossRecorder:
    """Wraps a DPO trainer's forward process (its scheduler's add_noise): keeps what each pair was noised with (winner first) and
    the model's implicit preference for the winner just before the update."""

    def __init__(self, trainer: DpoTrainer):
        self.trainer = trainer
        self.noised: list[tuple[torch.Tensor, ...]] = []
        self.preference_before: list[float] = []
        add_noise = trainer.scheduler.add_noise

        def recording(clean, noise, timestep):
            noisy = add_noise(clean, noise, timestep)
            self.noised.append((clean, noise, timestep, noisy))
            self.preference_before.append(implicit_preference(trainer, clean, noise, timestep, noisy))
            return noisy

        trainer.scheduler.add_noise = recording

    def preference_now(self) -> list[float]:
        return [implicit_preference(self.trainer, *noised) for noised in self.noised]


def test_dpo_pairs_the_better_rewarded_video_as_the_winner():
    trainer = quick_baseline("dpo", smallest_model(), samplesPerPrompt=4, minRewardGap=0)
    recorder = PairLossRecorder(trainer)
    trainer.step([PROMPT])
    ((clean, *_),) = recorder.noised
    winner_reward, loser_reward = trainer.score(trainer.model.decode_frames(clean), [PROMPT] * 2).tolist()
    assert winner_reward > loser_reward


def test_dpo_one_update_raises_the_implicit_preference_for_the_winner():
    trainer = quick_baseline("dpo", smallest_model(), promptsPerStep=2, minRewardGap=0)
    recorder = PairLossRecorder(trainer)
    metrics = trainer.step([PROMPT])
    assert metrics["details"]["pairsTrained"] == 2
    after = recorder.preference_now()
    assert all(now > before for now, before in zip(after, recorder.preference_before)), (recorder.preference_before, after)


# ---- Diffusion-DPO: ties are skipped ------------------------------------------------------------


class ScriptedReward:
    """Scores the videos of each call with the next row of `scores`, whatever they show."""

    def __init__(self, *scores: list[float]):
        self.scores = list(scores)

    def place(self, device):
        return self

    def __call__(self, frames, prompts):
        return torch.tensor(self.scores.pop(0), device=frames.device)

    def evaluate(self, frames, prompts):
        """As Reward.evaluate: the scores, and no named terms of its own."""
        return self(frames, prompts), []


@pytest.mark.parametrize(("reward_gap", "pairs_trained"), [(0.0, 0), (5e-4, 0), (2e-3, 1)])
def test_dpo_skips_a_pair_whose_reward_gap_is_below_min_reward_gap(reward_gap, pairs_trained):
    model = smallest_model()
    trainer = quick_baseline("dpo", model)  # minRewardGap at its default, 1e-3
    assert trainer.config.min_reward_gap == 1e-3
    trainer.reward = ScriptedReward([0.5, 0.5 + reward_gap])
    lora_before = model.adapter_state_dict("default")
    metrics = trainer.step([PROMPT])
    assert metrics["details"]["pairsTrained"] == pairs_trained
    assert metrics["details"]["rewardGap"] == pytest.approx(reward_gap, abs=1e-7)
    lora_after = model.adapter_state_dict("default")
    changed = any(not torch.equal(lora_before[key], lora_after[key]) for key in lora_before)
    assert changed == bool(pairs_trained)
    if not pairs_trained:
        assert metrics["loss"] == 0.0 and metrics["gradNorm"] == 0.0


def test_dpo_trains_only_the_pairs_above_min_reward_gap():
    trainer = quick_baseline("dpo", smallest_model(), promptsPerStep=2, minRewardGap=0.01)
    trainer.reward = ScriptedReward([0.5, 0.505], [0.3, 0.6])  # a tie, then a clear preference
    metrics = trainer.step([PROMPT])
    assert metrics["details"]["pairsTrained"] == 1
    assert metrics["details"]["implicitAccuracy"] == 0.5  # the one trained pair, at a zero LoRA: a tie


# ---- a short run raises the reward --------------------------------------------------------------


def share_initial_noise(trainer: DdpoTrainer) -> None:
    """Starts every micro-batch's videos from one x_T, as GRPO does by default.

    On a 2-step chain x_0 is nearly fixed by x_T, which the policy does not sample: with independent
    starts the reward's spread is mostly x_T's and a test-sized batch's gradient mostly noise. From
    one start, the spread left is the chain's own noise, which is what the policy gradient moves.
    Advantages and loss stay DDPO's own."""
    plan_batches = trainer.plan_batches

    def sharing(prompts: list[str]):
        return [(batch_prompts, trainer.model.initial_latents(1, trainer.noise).repeat_interleave(len(batch_prompts), dim=0))
                for batch_prompts, _ in plan_batches(prompts)]

    trainer.plan_batches = sharing


# Measured over trainer seeds 0-4 (the test uses seed 0): after 8 steps the fixed-seed reward rose by
# 10.9e-3 to 16.2e-3 (DDPO) and 6.6e-3 to 13.4e-3 (GRPO); the reward's spread over the 32 videos is 0.012.
SHORT_RUNS = {"ddpo": {"batchSize": 16}, "grpo": {"groupSize": 16, "promptsPerStep": 1}}
SHORT_RUN_STEPS = 8
SHORT_RUN_MIN_RISE = 3e-3


@pytest.mark.parametrize("algorithm", POLICY_GRADIENT)
def test_a_short_run_raises_the_reward_on_fixed_seeds(algorithm):
    trainer = quick_baseline(algorithm, smallest_model(), **SHORT_RUNS[algorithm])
    if algorithm == "ddpo":
        share_initial_noise(trainer)
    before = fixed_seed_reward(trainer)
    for _ in range(SHORT_RUN_STEPS):
        trainer.step([PROMPT])
    after = fixed_seed_reward(trainer)
    assert after - before > SHORT_RUN_MIN_RISE, (before, after)
