"""The digit world's data: real digits split once, captions that say what the clip shows."""

from __future__ import annotations

import pytest
import torch

from vader_bridge.world.artifacts import corrupt, junk
from vader_bridge.world.clips import (CANVAS, DIRECTIONS, FRAMES, all_captions, caption, glyphs, parse_caption,
                                      render, sample_clips, test_prompts, train_prompts)
from vader_bridge.world.digits import load_digits
from vader_bridge.world.judge import centroid_direction


def test_train_and_test_digits_are_disjoint_real_images():
    train, test = load_digits("train"), load_digits("test")
    assert len(train.labels) > 7000 and len(test.labels) > 1800
    assert set(train.labels.tolist()) == set(test.labels.tolist()) == set(range(10))
    # No test image equals any training image of its class.
    for digit in range(10):
        train_images = train.of_class(digit).flatten(1)
        test_images = test.of_class(digit).flatten(1)[:50]
        assert torch.cdist(test_images, train_images).min() > 0


def test_captions_parse_back_and_prompt_splits_are_disjoint():
    assert parse_caption(caption(7, "left")) == (7, "left")
    with pytest.raises(ValueError, match="not a digit-world caption"):
        parse_caption("a dog playing a guitar")
    assert len(all_captions()) == 40
    assert not set(train_prompts()) & set(test_prompts())
    assert sorted(train_prompts() + test_prompts()) == sorted(all_captions())


def test_every_rendered_clip_moves_its_captioned_way():
    digits = load_digits("test")
    glyph_cache = glyphs(digits.images[:200])
    generator = torch.Generator().manual_seed(3)
    for direction in DIRECTIONS:
        clips = torch.stack([render(glyph_cache[index], direction, generator) for index in range(40)])
        assert clips.shape == (40, FRAMES, 3, CANVAS, CANVAS)
        assert clips.min() >= -1 and clips.max() <= 1
        seen = centroid_direction(((clips + 1) / 2).mean(dim=2))
        assert seen == [direction] * 40


def test_sampled_clips_carry_matching_labels_and_captions():
    clips = sample_clips(load_digits("train"), 16, torch.Generator().manual_seed(0))
    for text, digit, way in zip(clips.captions, clips.digits.tolist(), clips.directions.tolist()):
        assert parse_caption(text) == (digit, DIRECTIONS[way])


def test_junk_has_no_digit_and_corruption_keeps_range():
    generator = torch.Generator().manual_seed(0)
    frames = junk(32, generator)
    assert frames.shape == (32, CANVAS, CANVAS) and frames.min() >= 0 and frames.max() <= 1
    digits = (sample_clips(load_digits("test"), 4, generator).videos.mean(dim=2) + 1) / 2
    corrupted = corrupt(digits, generator)
    assert corrupted.shape == digits.shape and corrupted.min() >= 0 and corrupted.max() <= 1
    assert not torch.equal(corrupted, digits)
