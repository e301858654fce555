"""Moving-MNIST clips: one real digit moving left, right, up or down, bouncing at the borders.

A clip is 8 frames of 32x32 grey pixels (stored as RGB, as video models expect), values in
[-1, 1], with a caption such as "digit 7 moving left". The digit is scaled from 28 to 16 pixels
and moves 2 pixels a frame. Start positions are restricted so that at least five of the seven
moves go the captioned way before any bounce: a bounce right at the start would make the caption
a lie (a prototype measured that).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .digits import DigitImages

FRAMES = 8
CANVAS = 32
GLYPH = 16
SPEED = 2
MOVES_BEFORE_BOUNCE = 5
DIRECTIONS = ("left", "right", "up", "down")
# (dx, dy) per frame in pixels; image rows grow downwards, so "up" is negative y.
DIRECTION_STEPS = {"left": (-SPEED, 0), "right": (SPEED, 0), "up": (0, -SPEED), "down": (0, SPEED)}
_LAST_POSITION = CANVAS - GLYPH


def caption(digit: int, direction: str) -> str:
    return f"digit {digit} moving {direction}"


def parse_caption(text: str) -> tuple[int, str]:
    """The (digit, direction) a world caption names; raises ValueError for any other text."""
    words = text.strip().lower().split()
    if len(words) != 4 or words[0] != "digit" or words[2] != "moving" or not words[1].isdigit() \
            or int(words[1]) > 9 or words[3] not in DIRECTIONS:
        raise ValueError(f"{text!r} is not a digit-world caption: expected 'digit D moving left|right|up|down'")
    return int(words[1]), words[3]


def all_captions() -> list[str]:
    return [caption(digit, direction) for digit in range(10) for direction in DIRECTIONS]


def test_prompts() -> list[str]:
    """Ten captions held out from fine-tuning (never from pretraining): digit d moving DIRECTIONS[d % 4]."""
    return [caption(digit, DIRECTIONS[digit % 4]) for digit in range(10)]


def train_prompts() -> list[str]:
    held_out = set(test_prompts())
    return [text for text in all_captions() if text not in held_out]


def glyphs(images: torch.Tensor) -> torch.Tensor:
    """[N, 28, 28] -> [N, 16, 16], antialiased."""
    return F.interpolate(images[:, None], size=(GLYPH, GLYPH), mode="bilinear", antialias=True)[:, 0].clamp(0, 1)


def _path(start: int, step: int) -> list[int]:
    """Positions along one axis for FRAMES frames, reflecting at 0 and the last position."""
    positions, position, velocity = [], start, step
    for _ in range(FRAMES):
        positions.append(position)
        if not 0 <= position + velocity <= _LAST_POSITION:
            velocity = -velocity
        position += velocity
    return positions


def _start(step: int, generator: torch.Generator) -> int:
    """A start position from which the first MOVES_BEFORE_BOUNCE moves go the way of `step`."""
    room = MOVES_BEFORE_BOUNCE * abs(step)
    low, high = (room, _LAST_POSITION) if step < 0 else (0, _LAST_POSITION - room)
    if step == 0:
        low, high = 0, _LAST_POSITION
    return int(torch.randint(low, high + 1, (1,), generator=generator))


def render(glyph: torch.Tensor, direction: str, generator: torch.Generator) -> torch.Tensor:
    """One clip [FRAMES, 3, CANVAS, CANVAS] in [-1, 1] from a glyph [16, 16] in [0, 1]."""
    dx, dy = DIRECTION_STEPS[direction]
    xs, ys = _path(_start(dx, generator), dx), _path(_start(dy, generator), dy)
    frames = torch.zeros(FRAMES, CANVAS, CANVAS)
    for index, (x, y) in enumerate(zip(xs, ys)):
        frames[index, y:y + GLYPH, x:x + GLYPH] = glyph
    return (frames * 2 - 1)[:, None].expand(FRAMES, 3, CANVAS, CANVAS).contiguous()


@dataclass(frozen=True)
class ClipBatch:
    videos: torch.Tensor  # [B, FRAMES, 3, 32, 32] in [-1, 1]
    digits: torch.Tensor  # [B]
    directions: torch.Tensor  # [B], index into DIRECTIONS
    captions: list[str]


def sample_clips(digits: DigitImages, count: int, generator: torch.Generator,
                 glyph_cache: torch.Tensor | None = None) -> ClipBatch:
    """`count` random clips: a random digit image of the split, a random direction, a random start."""
    all_glyphs = glyph_cache if glyph_cache is not None else glyphs(digits.images)
    picks = torch.randint(0, len(digits.labels), (count,), generator=generator)
    direction_ids = torch.randint(0, len(DIRECTIONS), (count,), generator=generator)
    videos = torch.stack([render(all_glyphs[pick], DIRECTIONS[int(way)], generator)
                          for pick, way in zip(picks, direction_ids)])
    labels = digits.labels[picks]
    return ClipBatch(videos, labels, direction_ids,
                     [caption(int(label), DIRECTIONS[int(way)]) for label, way in zip(labels, direction_ids)])
