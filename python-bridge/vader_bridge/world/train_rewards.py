"""Trains the digit world's reward classifiers and its judge on real MNIST digits.

    python -m vader_bridge.world.train_rewards --out ../world        (npm run world:rewards)

Writes `rewards/digit/` (DigitNet ensemble: rewards `digit` and `removal`), `rewards/motion/`
(MotionNet ensemble: reward `motion`) and `judge/digit/` (JudgeNet: evaluation only), each a
`model.safetensors` with a `config.json` that records its held-out accuracy on test digits.

The rewards are made hard to hack: a "no digit" / "no motion" class trained on junk frames,
artifact corruptions that keep the label, and fast adversarial training (one signed-gradient
step from a random start), which makes a classifier's input gradient point at real strokes
rather than at texture. The judge gets none of this and a different architecture and seed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from .artifacts import corrupt, junk, place
from .classifiers import (NO_DIGIT, NO_MOTION, DigitNet, Ensemble, JudgeNet, MotionNet, grey, save_ensemble)
from .clips import DIRECTIONS, FRAMES, glyphs, render, sample_clips
from .digits import DigitImages, load_digits


def digit_batch(split: DigitImages, glyph_cache, count: int, generator, *, junk_fraction: float, corrupted: bool):
    """Frames [count, 32, 32] with labels: placed digits (label 0-9) and junk (label NO_DIGIT)."""
    junk_count = int(count * junk_fraction)
    picks = torch.randint(0, len(split.labels), (count - junk_count,), generator=generator)
    frames = place(glyph_cache[picks], generator)
    if corrupted:
        frames = corrupt(frames, generator)
    labels = split.labels[picks]
    if junk_count:
        frames = torch.cat([frames, junk(junk_count, generator)])
        labels = torch.cat([labels, torch.full((junk_count,), NO_DIGIT)])
    return frames, labels


def motion_batch(split: DigitImages, glyph_cache, count: int, generator, *, still_fraction: float, corrupted: bool):
    """Clips [count, 8, 32, 32]: moving digits (label = direction), and still, jittering or junk
    clips (label NO_MOTION)."""
    still_count = int(count * still_fraction)
    clips = sample_clips(split, count - still_count, generator, glyph_cache)
    videos, labels = grey((clips.videos + 1) / 2), clips.directions
    if still_count:
        picks = torch.randint(0, len(split.labels), (still_count,), generator=generator)
        still = []
        for index, pick in enumerate(picks.tolist()):
            kind = index % 3
            if kind == 0:  # a digit that does not move
                still.append(place(glyph_cache[pick:pick + 1], generator).expand(FRAMES, -1, -1))
            elif kind == 1:  # a digit jumping to random places
                still.append(place(glyph_cache[pick:pick + 1].expand(FRAMES, -1, -1), generator))
            else:  # no digit at all
                still.append(junk(1, generator).expand(FRAMES, -1, -1))
        videos = torch.cat([videos, torch.stack(still)])
        labels = torch.cat([labels, torch.full((still_count,), NO_MOTION)])
    if corrupted:
        videos = corrupt(videos, generator)
    return videos, labels


def adversarial(model, inputs, labels, epsilon: float, generator):
    """Fast adversarial training's example: a random start in the epsilon box, one signed step."""
    start = (torch.rand(inputs.shape, generator=generator) * 2 - 1) * epsilon
    perturbed = (inputs + start).clamp(0, 1).requires_grad_(True)
    loss = F.cross_entropy(model(perturbed), labels)
    (gradient,) = torch.autograd.grad(loss, perturbed)
    step = (perturbed + 1.25 * epsilon * gradient.sign()).detach()
    return torch.min(torch.max(step, inputs - epsilon), inputs + epsilon).clamp(0, 1)


def train_member(model, batches, *, steps: int, epsilon: float, seed: int, log, name: str):
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3, total_steps=steps)
    started = time.time()
    for step in range(1, steps + 1):
        inputs, labels = batches(generator)
        model.train()
        if epsilon > 0:
            # Half clean, half adversarial (shuffled first: batches list junk last), so accuracy on
            # clean frames stays high and junk is seen both ways.
            order = torch.randperm(len(labels), generator=generator)
            inputs, labels = inputs[order], labels[order]
            half = len(labels) // 2
            inputs = torch.cat([inputs[:half], adversarial(model, inputs[half:], labels[half:], epsilon, generator)])
        loss = F.cross_entropy(model(inputs), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 200 == 0 or step == steps:
            log(f"{name}: step {step}/{steps} loss {loss.item():.4f} ({(time.time() - started) / step:.3f} s/step)")
    return model.eval()


@torch.no_grad()
def accuracy(predict, batches, rounds: int = 8) -> float:
    generator = torch.Generator().manual_seed(777)
    right = total = 0
    for _ in range(rounds):
        inputs, labels = batches(generator)
        right += int((predict(inputs).argmax(dim=-1) == labels).sum())
        total += len(labels)
    return right / total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="world folder (writes rewards/ and judge/ in it)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=1500, help="optimizer steps per classifier")
    parser.add_argument("--members", type=int, default=2, help="ensemble members per reward")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--epsilon", type=float, default=0.08, help="adversarial training radius (pixels in [0, 1])")
    parser.add_argument("--parts", default="digit,motion,judge", help="which classifiers to (re)train, comma-separated")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    log_path = args.out / "rewards.log"
    args.out.mkdir(parents=True, exist_ok=True)
    began = time.time()

    def log(text: str) -> None:
        line = f"[{time.time() - began:6.0f}s] {text}"
        print(line, flush=True)
        with open(log_path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    log(f"train_rewards: {vars(args)}")
    train, test = load_digits("train"), load_digits("test")
    train_glyphs, test_glyphs = glyphs(train.images), glyphs(test.images)

    def digit_train(generator):
        return digit_batch(train, train_glyphs, args.batch, generator, junk_fraction=0.15, corrupted=True)

    def digit_test(generator):
        return digit_batch(test, test_glyphs, 256, generator, junk_fraction=0.0, corrupted=False)

    def junk_test(generator):
        return digit_batch(test, test_glyphs, 256, generator, junk_fraction=1.0, corrupted=False)

    def motion_train(generator):
        return motion_batch(train, train_glyphs, args.batch, generator, still_fraction=0.15, corrupted=True)

    def motion_test(generator):
        return motion_batch(test, test_glyphs, 256, generator, still_fraction=0.0, corrupted=False)

    parts = set(args.parts.split(","))
    if "digit" in parts:
        train_digit_reward(args, log, digit_train, digit_test, junk_test)
    if "motion" in parts:
        train_motion_reward(args, log, motion_train, motion_test)
    if "judge" in parts:
        train_judge(args, log, train, train_glyphs, digit_test)
    log(f"train_rewards: done in {time.time() - began:.0f} s")


def train_digit_reward(args, log, digit_train, digit_test, junk_test) -> None:
    members = [train_member(DigitNet(), digit_train, steps=args.steps, epsilon=args.epsilon,
                            seed=args.seed + 10 + index, log=log, name=f"digit member {index}")
               for index in range(args.members)]
    digit = Ensemble(members).eval()
    figures = {"test_digit_accuracy": accuracy(digit, digit_test), "test_junk_rejected": accuracy(digit, junk_test)}
    log(f"digit reward: held-out accuracy {figures}")
    save_ensemble(digit, args.out / "rewards" / "digit", {
        "input": "grey frame [N, 32, 32] in [0, 1]", "classes": [str(d) for d in range(10)] + ["no digit"],
        "adversarial_epsilon": args.epsilon, "steps": args.steps, "seed": args.seed, **figures})


def train_motion_reward(args, log, motion_train, motion_test) -> None:
    members = [train_member(MotionNet(), motion_train, steps=args.steps, epsilon=args.epsilon,
                            seed=args.seed + 20 + index, log=log, name=f"motion member {index}")
               for index in range(args.members)]
    motion = Ensemble(members).eval()
    figures = {"test_direction_accuracy": accuracy(motion, motion_test)}
    log(f"motion reward: held-out accuracy {figures}")
    save_ensemble(motion, args.out / "rewards" / "motion", {
        "input": "grey clip [N, 8, 32, 32] in [0, 1]", "classes": list(DIRECTIONS) + ["no motion"],
        "adversarial_epsilon": args.epsilon, "steps": args.steps, "seed": args.seed, **figures})


def train_judge(args, log, train, train_glyphs, digit_test) -> None:
    def judge_train(generator):
        frames, labels = digit_batch(train, train_glyphs, args.batch, generator, junk_fraction=0.0, corrupted=False)
        return (frames + torch.randn(frames.shape, generator=generator) * 0.05).clamp(0, 1), labels

    judge = Ensemble([train_member(JudgeNet(), judge_train, steps=args.steps, epsilon=0.0,
                                   seed=args.seed + 1000, log=log, name="judge")]).eval()
    figures = {"test_digit_accuracy": accuracy(judge, digit_test)}
    log(f"judge: held-out accuracy {figures}")
    save_ensemble(judge, args.out / "judge" / "digit", {
        "input": "grey frame [N, 32, 32] in [0, 1]", "classes": [str(d) for d in range(10)],
        "steps": args.steps, "seed": args.seed + 1000, **figures})


if __name__ == "__main__":
    main()
