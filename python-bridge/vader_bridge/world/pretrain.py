"""Pretrains the digit world's base text-to-video model and writes it in ModelScope's layout.

    python -m vader_bridge.world.pretrain --out ../world/base        (npm run world:pretrain)

Stages, each resumable from the work folder: (1) the VAE on single frames, (2) the latents of a
fixed set of training clips, (3) the UNet and text encoder on those latents (v-prediction,
caption dropout for classifier-free guidance, half of each batch at t >= 500 where the direction of
motion is decided, EMA weights), (4) export of the EMA weights with
`save_pretrained` beside `model_index.json`. Seeded; one torch thread by default so that it can
run in the background of a 2-core machine. Every figure goes to `pretrain.log` in --out.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from diffusers import DDPMScheduler
from diffusers.optimization import get_cosine_schedule_with_warmup
from diffusers.training_utils import EMAModel

from ..models.tokenizer import tokenize
from .architecture import NOISE_SCHEDULE, world_scheduler, world_text_encoder, world_tokenizer, world_unet, world_vae
from .clips import CANVAS, DIRECTIONS, FRAMES, all_captions, caption, glyphs, parse_caption, sample_clips
from .digits import load_digits
from .preview import save_video_grid

CAPTION_DROPOUT = 0.1
MODEL_INDEX = {
    "_class_name": "TextToVideoSDPipeline",
    "_diffusers_version": "0.42.1",
    "scheduler": ["diffusers", "DDIMScheduler"],
    "text_encoder": ["transformers", "CLIPTextModel"],
    "tokenizer": ["transformers", "PreTrainedTokenizerFast"],
    "unet": ["diffusers", "UNet3DConditionModel"],
    "vae": ["diffusers", "AutoencoderKL"],
}


class Log:
    def __init__(self, path: Path):
        self.path, self.start = path, time.time()
        path.parent.mkdir(parents=True, exist_ok=True)

    def __call__(self, text: str) -> None:
        line = f"[{time.time() - self.start:7.0f}s] {text}"
        print(line, flush=True)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")


def seed_everything(seed: int) -> torch.Generator:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


# ---- stage 1: the VAE --------------------------------------------------------------------------

def train_vae(args, work: Path, log: Log):
    path = work / "vae"
    if (path / "config.json").is_file():
        log(f"vae: reusing {path}")
        from diffusers import AutoencoderKL
        return AutoencoderKL.from_pretrained(path)
    generator = seed_everything(args.seed)
    digits = load_digits("train")
    glyph_cache = glyphs(digits.images)
    vae = world_vae()
    optimizer = torch.optim.AdamW(vae.parameters(), lr=1e-3)
    started = time.time()
    for step in range(1, args.vae_steps + 1):
        clips = sample_clips(digits, args.vae_batch // FRAMES or 1, generator, glyph_cache)
        frames = clips.videos.flatten(0, 1)
        posterior = vae.encode(frames).latent_dist
        reconstruction = vae.decode(posterior.sample(generator=generator)).sample
        reconstruction_loss = F.mse_loss(reconstruction, frames)
        loss = reconstruction_loss + args.vae_kl * posterior.kl().mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step % 50 == 0 or step == args.vae_steps:
            log(f"vae step {step}/{args.vae_steps} mse {reconstruction_loss.item():.5f} "
                f"({(time.time() - started) / step:.2f} s/step)")
    vae.eval()
    with torch.no_grad():
        clips = sample_clips(digits, 64, generator, glyph_cache)
        latents = vae.encode(clips.videos.flatten(0, 1)).latent_dist.mean
        scaling = float(1.0 / latents.std())
        test = load_digits("test")
        held_out = sample_clips(test, 32, generator).videos.flatten(0, 1)
        test_mse = F.mse_loss(vae.decode(vae.encode(held_out).latent_dist.mean).sample, held_out).item()
    vae.register_to_config(scaling_factor=scaling)
    log(f"vae: scaling_factor {scaling:.4f}, reconstruction mse on test digits {test_mse:.5f}")
    vae.save_pretrained(path)
    return vae


# ---- stage 2: latents of the training clips ----------------------------------------------------

def encode_clips(args, vae, work: Path, log: Log):
    path = work / "latents.pt"
    if path.is_file():
        log(f"latents: reusing {path}")
        return torch.load(path, weights_only=True)
    generator = torch.Generator().manual_seed(args.seed + 1)
    digits = load_digits("train")
    glyph_cache = glyphs(digits.images)
    chunks, captions = [], []
    started = time.time()
    with torch.no_grad():
        for first in range(0, args.clips, 64):
            clips = sample_clips(digits, min(64, args.clips - first), generator, glyph_cache)
            frames = clips.videos.flatten(0, 1)
            latents = vae.encode(frames).latent_dist.mean * vae.config.scaling_factor
            # [B*F, C, h, w] -> [B, C, F, h, w], the layout UNet3D takes
            latents = latents.reshape(len(clips.captions), FRAMES, *latents.shape[1:]).permute(0, 2, 1, 3, 4)
            chunks.append(latents.contiguous())
            captions.extend(clips.captions)
    data = {"latents": torch.cat(chunks), "captions": captions}
    torch.save(data, path)
    log(f"latents: {len(captions)} clips encoded in {time.time() - started:.0f} s, "
        f"shape {tuple(data['latents'].shape)}")
    return data


# ---- stage 3: UNet and text encoder ------------------------------------------------------------

def text_conditioning(text_encoder, tokenizer, captions: list[str]):
    output = text_encoder(tokenize(tokenizer, captions))
    return output.last_hidden_state, output.pooler_output


def train_denoiser(args, vae, data, work: Path, out: Path, log: Log):
    generator = seed_everything(args.seed + 2)
    tokenizer = world_tokenizer()
    unet, text_encoder = world_unet(), world_text_encoder(tokenizer)
    parameters = list(unet.parameters()) + list(text_encoder.parameters())
    optimizer = torch.optim.AdamW(parameters, lr=args.lr, weight_decay=1e-2)
    schedule = get_cosine_schedule_with_warmup(optimizer, min(200, args.unet_steps // 10 + 1), args.unet_steps)
    ema = EMAModel(parameters, decay=0.999, use_ema_warmup=True)
    noise_schedule = DDPMScheduler(**{key: value for key, value in NOISE_SCHEDULE.items()
                                      if key not in ("set_alpha_to_one", "steps_offset")})
    checkpoint_path = work / "denoiser-checkpoint.pt"
    step = 0
    if checkpoint_path.is_file():
        state = torch.load(checkpoint_path, weights_only=True)
        unet.load_state_dict(state["unet"])
        text_encoder.load_state_dict(state["text_encoder"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        ema.load_state_dict(state["ema"])
        generator.set_state(state["generator"])
        step = state["step"]
        log(f"denoiser: resumed at step {step}")
    latents, captions = data["latents"], data["captions"]
    validation = validation_batch(latents, captions)
    started, steps_this_run = time.time(), 0
    deadline = started + args.minutes * 60 if args.minutes else math.inf
    unet.train()
    text_encoder.train()
    while step < args.unet_steps and time.time() < deadline:
        picks = torch.randint(0, len(captions), (args.batch,), generator=generator)
        clean = latents[picks]
        batch_captions = ["" if float(torch.rand(1, generator=generator)) < CAPTION_DROPOUT else captions[i]
                          for i in picks.tolist()]
        timesteps = training_timesteps(args.batch, args.high_noise_share, generator)
        loss = v_loss(unet, text_encoder, tokenizer, noise_schedule, clean, batch_captions, generator, timesteps)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        schedule.step()
        ema.step(parameters)
        step += 1
        steps_this_run += 1
        if step % 50 == 0:
            log(f"denoiser step {step}/{args.unet_steps} loss {loss.item():.4f} grad {grad_norm:.3f} "
                f"lr {schedule.get_last_lr()[0]:.2e} ({(time.time() - started) / steps_this_run:.2f} s/step)")
        if step % args.checkpoint_every == 0 or step == args.unet_steps:
            torch.save({"unet": unet.state_dict(), "text_encoder": text_encoder.state_dict(),
                        "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
                        "ema": ema.state_dict(), "generator": generator.get_state(), "step": step},
                       checkpoint_path)
            report_conditioning(unet, text_encoder, tokenizer, noise_schedule, ema, parameters, validation, step, log)
            if step % (args.checkpoint_every * 2) == 0 or step == args.unet_steps:
                preview(unet, text_encoder, tokenizer, vae, ema, parameters, work / f"preview-{step:05d}.png")
    # The EMA weights are the model.
    ema.copy_to(parameters)
    unet.eval()
    text_encoder.eval()
    return unet, text_encoder, tokenizer, step


def training_timesteps(count: int, high_noise_share: float, generator) -> torch.Tensor:
    """Uniform timesteps, except that a share of the batch is drawn from t >= 500: the noise levels at
    which the layout of all frames, and so the direction of motion, is decided (measured: at t < 500
    the loss barely depends on the caption)."""
    timesteps = torch.randint(0, NOISE_SCHEDULE["num_train_timesteps"], (count,), generator=generator)
    high = torch.rand(count, generator=generator) < high_noise_share
    timesteps[high] = torch.randint(500, NOISE_SCHEDULE["num_train_timesteps"], (int(high.sum()),), generator=generator)
    return timesteps


def v_loss(unet, text_encoder, tokenizer, noise_schedule, clean, captions, generator, timesteps):
    hidden, pooled = text_conditioning(text_encoder, tokenizer, captions)
    noise = torch.randn(clean.shape, generator=generator)
    noisy = noise_schedule.add_noise(clean, noise, timesteps)
    target = noise_schedule.get_velocity(clean, noise, timesteps)
    prediction = unet(noisy, timesteps, encoder_hidden_states=hidden, timestep_cond=pooled).sample
    return F.mse_loss(prediction, target)


def validation_batch(latents, captions, count: int = 64):
    generator = torch.Generator().manual_seed(1234)
    picks = torch.randint(0, len(captions), (count,), generator=generator)
    shuffled = picks[torch.randperm(count, generator=generator)]
    right = [captions[i] for i in picks.tolist()]
    return {"clean": latents[picks], "captions": right, "wrong": [captions[i] for i in shuffled.tolist()],
            "turned": [turned(text) for text in right]}


def turned(text: str) -> str:
    """The same digit, the next direction: the caption that tells whether direction is used at all."""
    digit, direction = parse_caption(text)
    return caption(digit, DIRECTIONS[(DIRECTIONS.index(direction) + 1) % len(DIRECTIONS)])


def report_conditioning(unet, text_encoder, tokenizer, noise_schedule, ema, parameters, validation, step, log):
    """v-loss at high noise (t >= 500) with the right caption, a shuffled one, the right digit with
    another direction, and none, EMA weights: a model that follows its captions has clearly lower
    loss with the right one, and one that follows their direction lower than with the turned one."""
    ema.store(parameters)
    ema.copy_to(parameters)
    unet.eval()
    text_encoder.eval()
    losses = {}
    with torch.no_grad():
        count = len(validation["captions"])
        timesteps = torch.linspace(500, 999, count).long()
        for name, captions in (("right", validation["captions"]), ("shuffled", validation["wrong"]),
                               ("turned", validation["turned"]), ("none", [""] * count)):
            losses[name] = v_loss(unet, text_encoder, tokenizer, noise_schedule, validation["clean"], captions,
                                  torch.Generator().manual_seed(99), timesteps).item()
    ema.restore(parameters)
    unet.train()
    text_encoder.train()
    log(f"conditioning at step {step} (EMA, t>=500): v-loss right caption {losses['right']:.4f}, "
        f"shuffled {losses['shuffled']:.4f}, other direction {losses['turned']:.4f}, none {losses['none']:.4f}")


def preview(unet, text_encoder, tokenizer, vae, ema, parameters, path: Path):
    ema.store(parameters)
    ema.copy_to(parameters)
    unet.eval()
    text_encoder.eval()
    captions = [f"digit {digit} moving {direction}"
                for digit, direction in zip(range(8), ("left", "right", "up", "down") * 2)]
    with torch.no_grad():
        hidden, pooled = text_conditioning(text_encoder, tokenizer, captions)
        empty_hidden, empty_pooled = text_conditioning(text_encoder, tokenizer, [""] * len(captions))
        latents = guided_ddim(unet, world_scheduler(), (hidden, pooled), (empty_hidden, empty_pooled),
                                       steps=20, guidance_scale=3.0, generator=torch.Generator().manual_seed(0))
        frames = decode_latents(vae, latents)
    save_video_grid(frames, path, captions)
    ema.restore(parameters)
    unet.train()
    text_encoder.train()


def guided_ddim(unet, scheduler, conditional, unconditional, *, steps, guidance_scale, generator):
    """A plain no-grad DDIM loop with classifier-free guidance, for previews during pretraining only
    (the bridge's own sampling loop serves everything else)."""
    hidden = torch.cat([unconditional[0], conditional[0]])
    pooled = torch.cat([unconditional[1], conditional[1]])
    batch = len(conditional[0])
    latents = torch.randn([batch, unet.config.in_channels, FRAMES, 8, 8], generator=generator)
    scheduler.set_timesteps(steps)
    for timestep in scheduler.timesteps:
        prediction = unet(torch.cat([latents, latents]), timestep, encoder_hidden_states=hidden,
                          timestep_cond=pooled).sample
        unguided, guided = prediction.chunk(2)
        latents = scheduler.step(unguided + guidance_scale * (guided - unguided), timestep, latents).prev_sample
    return latents


def decode_latents(vae, latents: torch.Tensor) -> torch.Tensor:
    """[B, C, F, h, w] -> frames [B, F, 3, H, W] in [0, 1]."""
    batch, channels, frames = latents.shape[:3]
    flat = latents.permute(0, 2, 1, 3, 4).reshape(batch * frames, channels, *latents.shape[3:])
    images = vae.decode(flat / vae.config.scaling_factor).sample
    return (images / 2 + 0.5).clamp(0, 1).reshape(batch, frames, *images.shape[1:])


# ---- stage 4: export ---------------------------------------------------------------------------

def export(out: Path, unet, vae, text_encoder, tokenizer) -> None:
    out.mkdir(parents=True, exist_ok=True)
    unet.save_pretrained(out / "unet")
    vae.save_pretrained(out / "vae")
    text_encoder.save_pretrained(out / "text_encoder")
    tokenizer.save_pretrained(out / "tokenizer")
    world_scheduler().save_pretrained(out / "scheduler")
    (out / "model_index.json").write_text(json.dumps(MODEL_INDEX, indent=2) + "\n")
    description = {"family": "text-to-video", "frames": FRAMES, "height": CANVAS, "width": CANVAS}
    (out / "vader_model.json").write_text(json.dumps(description, indent=2) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="model folder to write (ModelScope layout)")
    parser.add_argument("--work", type=Path, default=None, help="checkpoints and previews (default: OUT/../.pretrain-work)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--vae-steps", type=int, default=1000)
    parser.add_argument("--vae-batch", type=int, default=32, help="frames per VAE step")
    parser.add_argument("--vae-kl", type=float, default=1e-4)
    parser.add_argument("--clips", type=int, default=12000, help="training clips encoded to latents")
    parser.add_argument("--unet-steps", type=int, default=3300)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--high-noise-share", type=float, default=0.5,
                        help="share of each denoiser batch with t drawn from [500, 1000)")
    parser.add_argument("--checkpoint-every", type=int, default=250)
    parser.add_argument("--minutes", type=float, default=0, help="stop (and export) after this long; 0: no limit")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    work = args.work or args.out.parent / ".pretrain-work"
    work.mkdir(parents=True, exist_ok=True)
    log = Log(args.out / "pretrain.log")
    log(f"pretrain: {vars(args)}; torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
        f"{os.cpu_count()} cores")
    vae = train_vae(args, work, log)
    vae.eval()
    vae.requires_grad_(False)
    data = encode_clips(args, vae, work, log)
    unet, text_encoder, tokenizer, steps = train_denoiser(args, vae, data, work, args.out, log)
    export(args.out, unet, vae, text_encoder, tokenizer)
    log(f"pretrain: exported {steps} denoiser steps to {args.out}; "
        f"captions known: {len(all_captions())}")


if __name__ == "__main__":
    main()
