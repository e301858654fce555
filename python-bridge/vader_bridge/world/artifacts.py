"""Frames that are not digits, and corruptions that look like a generator's artifacts.

The rewards are trained to put junk (borders, blobs, strokes, noise) in their "no digit" / "no
motion" class and to keep their answer when a real digit carries such artifacts: the cheap ways
a generator can climb a small classifier's gradient stop paying.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .clips import CANVAS, GLYPH


def _uniform(count: int, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(count, generator=generator)


def borders(count: int, generator: torch.Generator) -> torch.Tensor:
    """[count, 32, 32]: bright lines along some of the frame's edges."""
    frames = torch.zeros(count, CANVAS, CANVAS)
    thickness = torch.randint(1, 4, (count,), generator=generator)
    intensity = _uniform(count, 0.4, 1.0, generator)
    edges = torch.rand(count, 4, generator=generator) < 0.6
    for index in range(count):
        width, value = int(thickness[index]), float(intensity[index])
        top, bottom, left, right = edges[index].tolist()
        if not any(edges[index]):
            top = True
        if top:
            frames[index, :width] = value
        if bottom:
            frames[index, -width:] = value
        if left:
            frames[index, :, :width] = value
        if right:
            frames[index, :, -width:] = value
    return frames


def blobs(count: int, generator: torch.Generator) -> torch.Tensor:
    """[count, 32, 32]: one to four soft spots."""
    coordinates = torch.arange(CANVAS, dtype=torch.float32)
    frames = torch.zeros(count, CANVAS, CANVAS)
    for index in range(count):
        for _ in range(int(torch.randint(1, 5, (1,), generator=generator))):
            cx, cy = _uniform(2, 0, CANVAS, generator).tolist()
            radius = float(_uniform(1, 1.0, 5.0, generator))
            spot = torch.exp(-((coordinates[None] - cx) ** 2 + (coordinates[:, None] - cy) ** 2) / (2 * radius**2))
            frames[index] = torch.maximum(frames[index], spot * float(_uniform(1, 0.4, 1.0, generator)))
    return frames


def strokes(count: int, generator: torch.Generator) -> torch.Tensor:
    """[count, 32, 32]: one to three straight strokes, 1-2 pixels wide."""
    frames = torch.zeros(count, CANVAS, CANVAS)
    for index in range(count):
        for _ in range(int(torch.randint(1, 4, (1,), generator=generator))):
            start, end = _uniform(2, 0, CANVAS - 1, generator), _uniform(2, 0, CANVAS - 1, generator)
            for fraction in torch.linspace(0, 1, 48):
                x, y = (start + fraction * (end - start)).round().long().tolist()
                frames[index, y:y + 2, x:x + 2] = 1.0
    return frames


def noise(count: int, generator: torch.Generator) -> torch.Tensor:
    level = _uniform(count, 0.05, 0.5, generator)[:, None, None]
    return (torch.rand(count, CANVAS, CANVAS, generator=generator) * level).clamp(0, 1)


def junk(count: int, generator: torch.Generator) -> torch.Tensor:
    """[count, 32, 32] frames with no digit in them, of mixed kinds."""
    makers = (borders, blobs, strokes, noise)
    kinds = torch.randint(0, len(makers), (count,), generator=generator)
    frames = torch.zeros(count, CANVAS, CANVAS)
    for kind, maker in enumerate(makers):
        chosen = (kinds == kind).nonzero().flatten()
        if len(chosen):
            frames[chosen] = maker(len(chosen), generator)
    return frames


def blur(frames: torch.Tensor) -> torch.Tensor:
    kernel = torch.tensor([1.0, 2.0, 1.0])
    kernel = (kernel[:, None] * kernel[None]) / 16
    flat = frames.reshape(-1, 1, *frames.shape[-2:])
    return F.conv2d(flat, kernel[None, None], padding=1).reshape(frames.shape)


def corrupt(frames: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Label-keeping artifacts on frames [N, ..., 32, 32] in [0, 1]: contrast, background lift, blur,
    noise, and now and then a border, blob or stroke laid over the content."""
    count = frames.shape[0]
    shape = (count,) + (1,) * (frames.dim() - 1)
    out = frames * _uniform(count, 0.5, 1.2, generator).reshape(shape)
    out = out + _uniform(count, 0.0, 0.25, generator).reshape(shape) * (torch.rand(shape, generator=generator) < 0.3)
    blurred = torch.rand(count, generator=generator) < 0.3
    if blurred.any():
        out[blurred] = blur(out[blurred])
    out = out + torch.randn(out.shape, generator=generator) * _uniform(count, 0.0, 0.15, generator).reshape(shape)
    overlaid = (torch.rand(count, generator=generator) < 0.25).nonzero().flatten()
    if len(overlaid):
        extra = junk(len(overlaid), generator) * 0.8
        extra = extra.reshape(len(overlaid), *(1,) * (frames.dim() - 3), CANVAS, CANVAS)
        out[overlaid] = torch.maximum(out[overlaid], extra.expand_as(out[overlaid]))
    return out.clamp(0, 1)


def place(glyphs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Glyphs [N, 16, 16] at random places on blank 32x32 canvases."""
    frames = torch.zeros(len(glyphs), CANVAS, CANVAS)
    positions = torch.randint(0, CANVAS - GLYPH + 1, (len(glyphs), 2), generator=generator)
    for index, (x, y) in enumerate(positions.tolist()):
        frames[index, y:y + GLYPH, x:x + GLYPH] = glyphs[index]
    return frames
