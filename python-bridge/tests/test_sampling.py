"""The shared sampling loop as the policy-gradient trainers will use it: a stored chain re-scored
under the same weights gives the same log-probabilities (a ratio of exactly 1 on the first
on-policy pass), the log-probability's gradient reaches the LoRA, and "adapters off" is the
reference model."""

from __future__ import annotations

import torch

from support import add_adapter, perturb_adapter, scheduler, tiny_model
from vader_bridge.sampling import denoising_step, rollout


def stored_chain(model, steps):
    with torch.no_grad():
        embeddings = model.encode_prompts(["a dog", "a cat"])
        trajectory = rollout(model, steps, embeddings, generator=torch.Generator().manual_seed(0), record_states=True, with_log_probs=True)
    return embeddings, trajectory


def rescored(model, steps, embeddings, trajectory) -> torch.Tensor:
    """log p(x_{t-1} | x_t) of every stored step under the model's current weights, [B, steps]."""
    return torch.stack([
        denoising_step(model, steps, trajectory.states[index], timestep, embeddings, prev_sample=trajectory.states[index + 1],
                       with_log_prob=True).log_prob
        for index, timestep in enumerate(steps.timesteps())
    ], dim=1)


def test_rescoring_a_stored_chain_under_the_same_weights_gives_a_ratio_of_one():
    model = tiny_model()
    add_adapter(model, rank=2)
    perturb_adapter(model, seed=0)
    steps = scheduler(model, 4)
    embeddings, trajectory = stored_chain(model, steps)
    with torch.no_grad():
        again = rescored(model, steps, embeddings, trajectory)
    assert torch.allclose(torch.exp(again - trajectory.log_probs), torch.ones_like(again), atol=1e-6)


def test_the_log_probability_gradient_reaches_the_active_adapter_only():
    model = tiny_model()
    add_adapter(model, "policy", rank=2)
    perturb_adapter(model, seed=0, name="policy")
    steps = scheduler(model, 2)
    embeddings, trajectory = stored_chain(model, steps)
    rescored(model, steps, embeddings, trajectory).sum().backward()
    gradients = [parameter.grad for parameter in model.adapter_parameters("policy")]
    assert all(gradient is not None and torch.isfinite(gradient).all() for gradient in gradients)
    assert any(gradient.abs().sum() > 0 for gradient in gradients)
    assert all(parameter.grad is None for part in model.parts().values() for parameter in part.parameters()
               if not parameter.requires_grad)


def test_adapters_off_is_the_reference_model():
    model = tiny_model()
    steps = scheduler(model, 2)
    embeddings, base_chain = stored_chain(model, steps)
    add_adapter(model, rank=2)
    perturb_adapter(model, seed=0)
    with torch.no_grad():
        tuned = rescored(model, steps, embeddings, base_chain)
        with model.adapters_disabled():
            reference = rescored(model, steps, embeddings, base_chain)
    assert torch.allclose(reference, base_chain.log_probs, atol=1e-6)
    assert not torch.allclose(tuned, reference, atol=1e-6)


def test_a_final_step_onto_alpha_one_is_deterministic_and_policy_gradients_skip_it():
    """set_alpha_to_one=True (the digit world's schedule) makes the last DDIM step land on alpha = 1
    with std 0 even at eta 1: it has no log-probability, so it is not a step to train on."""
    from support import quick_baseline

    model = tiny_model()
    model.noise_schedule = {**model.noise_schedule, "set_alpha_to_one": True}
    steps = scheduler(model, 4)
    _, trajectory = stored_chain(model, steps)
    assert trajectory.stochastic_steps == [0, 1, 2]
    assert torch.equal(trajectory.log_probs[:, 3], torch.zeros(2))
    trainer = quick_baseline("ddpo", model, timestepFraction=1.0)
    outcome = trainer.train_step(["a dog", "a cat"])
    assert torch.isfinite(torch.tensor(outcome.loss))
