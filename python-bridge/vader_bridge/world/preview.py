"""Sample grids as PNG: one row per video, its frames left to right, its caption above."""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image, ImageDraw

SCALE = 3
CAPTION_HEIGHT = 12


def save_video_grid(frames: torch.Tensor, path: Path | str, captions: list[str] | None = None) -> None:
    """frames [B, F, 3, H, W] in [0, 1] (or uint8 [B, F, H, W, 3]) -> a PNG grid at `path`."""
    if frames.dtype == torch.uint8:
        pixels = frames
    else:
        pixels = (frames.detach().float().clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 1, 3, 4, 2)
    batch, frame_count, height, width, _ = pixels.shape
    band = CAPTION_HEIGHT if captions else 0
    row_height = height * SCALE + band
    grid = Image.new("RGB", (frame_count * width * SCALE, batch * row_height), (40, 40, 40))
    draw = ImageDraw.Draw(grid)
    for row in range(batch):
        top = row * row_height
        if captions:
            draw.text((2, top), captions[row], fill=(255, 220, 120))
        for column in range(frame_count):
            tile = Image.fromarray(pixels[row, column].cpu().numpy()).resize((width * SCALE, height * SCALE), Image.NEAREST)
            grid.paste(tile, (column * width * SCALE, top + band))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    grid.save(path)
