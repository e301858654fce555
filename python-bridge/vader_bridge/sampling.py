"""The one sampling loop, shared by `model.sample` and every trainer.

diffusers' pipeline `__call__` is no_grad, so the rollout is our own loop over the scheduler's
timesteps. Truncated backprop lives here, outside the model. VADER's stop_grad for t > K: the
first steps - K denoiser calls run without graph, the last K with it; x_T does not depend on the
weights, so the gradient reaches them only through those last K predictions. Any other set of
steps (VideoX-Fun's uniform, random or listed steps) keeps the graph from the first chosen step on,
but detaches the prediction at the steps in between, so that only the chosen steps hold a
denoiser's activations and the gradient passes the others along their linear skip path
(x_t -> x_{t-1}). `stop_input_gradient` also detaches the latents the denoiser reads at the chosen
steps (DRTune), so no gradient flows back through the denoiser's input.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .models.contract import PromptEmbeddings, VideoModel
from .schedulers import NoiseScheduler, SchedulerStep


@dataclass
class Trajectory:
    """What a rollout produced: the final latents, and on request the chain and its log-probabilities."""

    latents: torch.Tensor  # x_0 latents [B, C, F, h, w]
    timesteps: list[float]  # integers for diffusion schedules, sigma x training length for flow matching
    states: list[torch.Tensor] = field(default_factory=list)  # x_T ... x_0, detached (record_states=True)
    log_probs: torch.Tensor | None = None  # [B, steps]: log p(x_{t-1} | x_t) of each step taken (with_log_probs=True)
    # Indices of the steps that drew noise (with_log_probs=True): only they have a log-probability; a
    # deterministic step (std 0, e.g. the last one of a schedule with set_alpha_to_one) holds 0 in log_probs.
    stochastic_steps: list[int] = field(default_factory=list)


def denoising_step(
    model: VideoModel,
    scheduler: NoiseScheduler,
    latents: torch.Tensor,
    timestep: torch.Tensor,
    embeddings: PromptEmbeddings,
    *,
    guidance_scale: float = 1.0,
    checkpointing: bool = False,
    generator: torch.Generator | None = None,
    prev_sample: torch.Tensor | None = None,
    with_log_prob: bool = False,
    detach_prediction: bool = False,
    detach_input: bool = False,
) -> SchedulerStep:
    """One step x_t -> x_{t-1}: the model's (guided) prediction, then the scheduler's update.

    With `prev_sample` (a stored step of an earlier rollout) nothing is drawn: the result scores
    that sample under the current model, as policy-gradient trainers need. `detach_prediction`
    runs the model without graph (the step stays differentiable in x_t through the update itself);
    `detach_input` feeds the model a detached x_t.
    """
    model_input = scheduler.scale_model_input(latents.detach() if detach_input else latents, timestep)
    with torch.set_grad_enabled(torch.is_grad_enabled() and not detach_prediction):
        prediction = model.predict_noise(model_input, timestep, embeddings, guidance_scale=guidance_scale, checkpointing=checkpointing)
    return scheduler.step(prediction, timestep, latents, generator=generator, prev_sample=prev_sample, with_log_prob=with_log_prob)


def rollout(
    model: VideoModel,
    scheduler: NoiseScheduler,
    embeddings: PromptEmbeddings,
    *,
    generator: torch.Generator,
    guidance_scale: float = 1.0,
    grad_last_steps: int = 0,
    grad_steps: list[int] | None = None,
    stop_input_gradient: bool = False,
    checkpointing: bool = False,
    record_states: bool = False,
    with_log_probs: bool = False,
    initial_latents: torch.Tensor | None = None,
) -> Trajectory:
    """Sample latents, with the denoiser's graph kept at the last `grad_last_steps` steps, or at the
    steps listed in `grad_steps` (indices into the chain, 0 the noisiest), when given."""
    steps = scheduler.steps
    if isinstance(grad_last_steps, bool) or not isinstance(grad_last_steps, int) or not 0 <= grad_last_steps <= steps:
        raise ValueError(f"grad_last_steps must be a whole number from 0 to the scheduler's steps ({steps}), got {grad_last_steps!r}")
    if grad_steps is not None and not all(isinstance(index, int) and 0 <= index < steps for index in grad_steps):
        raise ValueError(f"grad_steps must list step indices from 0 to {steps - 1}, got {grad_steps!r}")
    chosen = set(range(steps - grad_last_steps, steps)) if grad_steps is None else set(grad_steps)
    first_tracked = min(chosen, default=steps)
    latents = initial_latents if initial_latents is not None else model.initial_latents(len(embeddings), generator)
    latents = latents * scheduler.init_noise_sigma
    timesteps = scheduler.timesteps()
    states = [latents.detach()] if record_states else []
    log_probs, stochastic_steps = [], []
    for index, timestep in enumerate(timesteps):
        with torch.set_grad_enabled(torch.is_grad_enabled() and index >= first_tracked):
            step = denoising_step(model, scheduler, latents, timestep, embeddings, guidance_scale=guidance_scale,
                                  checkpointing=checkpointing, generator=generator, with_log_prob=with_log_probs,
                                  detach_prediction=index not in chosen, detach_input=stop_input_gradient and index in chosen)
        latents = step.prev_sample
        if record_states:
            states.append(latents.detach())
        if with_log_probs:
            if step.log_prob is None:
                log_probs.append(torch.zeros(len(latents), device=latents.device))
            else:
                log_probs.append(step.log_prob)
                stochastic_steps.append(index)
    return Trajectory(
        latents=latents,
        timesteps=[timestep.item() for timestep in timesteps],
        states=states,
        log_probs=torch.stack(log_probs, dim=1) if with_log_probs else None,
        stochastic_steps=stochastic_steps,
    )


def sample_videos(
    model: VideoModel, scheduler: NoiseScheduler, prompts: list[str], *, seed: int, guidance_scale: float = 1.0
) -> torch.Tensor:
    """Videos for display: uint8 [B, F, H, W, 3] on the CPU, no graph."""
    generator = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        embeddings = model.encode_prompts(prompts, unconditional=guidance_scale > 1.0)
        trajectory = rollout(model, scheduler, embeddings, generator=generator, guidance_scale=guidance_scale)
        frames = model.decode_frames(trajectory.latents)
    return (frames * 255).round().to(torch.uint8).permute(0, 1, 3, 4, 2).contiguous().cpu()
