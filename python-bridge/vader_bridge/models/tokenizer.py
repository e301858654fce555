"""An offline word-level tokenizer for the tiny text encoders.

Real checkpoints ship their tokenizers, but tests and the default demo cannot reach the hub, so
the tiny models use this one: a fixed English word list (covering the built-in prompts) turned
into a `tokenizers` WordLevel model and wrapped in `PreTrainedTokenizerFast`, so that it saves
and loads with `save_pretrained` / `from_pretrained` like any other tokenizer.
"""

from __future__ import annotations

import torch
from tokenizers import Tokenizer, normalizers, pre_tokenizers
from tokenizers.models import WordLevel
from tokenizers.processors import TemplateProcessing
from transformers import PreTrainedTokenizerFast

PAD_TOKEN = "[PAD]"
UNKNOWN_TOKEN = "[UNK]"
START_TOKEN = "[BOS]"
END_TOKEN = "[EOS]"
SPECIAL_TOKENS = (PAD_TOKEN, UNKNOWN_TOKEN, START_TOKEN, END_TOKEN)

# Ids are fixed by position, so the order of this list is part of the saved models' meaning:
# append new words at the end only.
WORDS = (
    # punctuation (the pre-tokenizer splits it off words)
    ".", ",", "!", "?", "'", "-", ":", ";",
    # function words
    "a", "an", "the", "and", "or", "with", "without", "in", "on", "at", "by", "of", "to", "from",
    "into", "over", "under", "across", "through", "down", "up", "near", "behind", "beside",
    "around", "during", "while", "is", "are", "its", "their", "his", "her", "two", "three",
    "some", "many", "together", "very", "slowly", "quickly", "gently",
    # animals
    "dog", "cat", "fox", "raccoon", "horse", "bear", "panda", "rabbit", "lion", "lioness", "deer",
    "monkey", "owl", "penguin", "turtle", "squirrel", "duck", "bird", "fish", "elephant", "tiger",
    "giraffe", "zebra", "wolf", "mouse", "frog", "koala", "kangaroo", "dolphin", "whale", "goat",
    "sheep", "cow", "pig", "chicken", "parrot", "eagle", "butterfly", "bee", "puppy", "kitten",
    # activities
    "playing", "reading", "wearing", "holding", "running", "riding", "eating", "jumping",
    "resting", "flying", "sliding", "swimming", "gathering", "dancing", "sleeping", "walking",
    "sitting", "standing", "singing", "painting", "cooking", "climbing", "skiing", "surfing",
    "skating", "drinking", "looking", "watching", "chasing", "carrying", "strumming", "drawing",
    "writing", "smiling", "laughing", "exploring", "fishing", "building", "digging", "rolling",
    # things
    "guitar", "drums", "piano", "violin", "book", "hat", "coat", "scarf", "glasses", "snowball",
    "ball", "bicycle", "car", "boat", "kite", "umbrella", "leaves", "bamboo", "grass", "nuts",
    "apple", "cake", "flowers", "flower", "tree", "trees", "fence", "porch", "window", "house",
    "chair", "table", "campfire", "stars", "moon", "sun", "sunlight", "clouds", "rain",
    "rainstorm", "snow", "water", "wave", "waves", "rock", "rocks", "road", "bridge", "garden",
    # places
    "park", "forest", "field", "beach", "ocean", "sea", "river", "lake", "lakeside", "hill",
    "mountain", "mountains", "desert", "city", "street", "kitchen", "room", "sky", "grassland",
    "shade", "jungle", "meadow", "island", "space", "stage",
    # times and weather
    "day", "night", "morning", "evening", "sunset", "sunrise", "winter", "summer", "spring",
    "autumn", "sunny", "snowy", "rainy", "windy", "foggy", "cloudy",
    # qualities and colours
    "red", "blue", "green", "yellow", "orange", "purple", "pink", "white", "black", "brown",
    "gray", "golden", "silver", "small", "big", "little", "large", "tiny", "tall", "long",
    "thick", "wide", "old", "young", "happy", "sad", "strong", "graceful", "peaceful", "gentle",
    "bright", "dark", "colorful", "beautiful", "cute", "funny", "wild", "calm", "acoustic",
    "slide", "cinematic", "realistic", "detailed", "high", "quality", "photo", "video", "style",
    # the digit world's captions ("digit 7 moving left"; "up" and "down" are above)
    "digit", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "moving", "left", "right",
)

DEFAULT_MAX_LENGTH = 16


def build_word_tokenizer(max_length: int = DEFAULT_MAX_LENGTH) -> PreTrainedTokenizerFast:
    """The offline tokenizer: lowercase, split on spaces and punctuation, map words to fixed ids."""
    vocabulary = {token: index for index, token in enumerate(SPECIAL_TOKENS + WORDS)}
    if len(vocabulary) != len(SPECIAL_TOKENS) + len(WORDS):
        raise AssertionError("the built-in word list has a duplicate word")
    backend = Tokenizer(WordLevel(vocab=vocabulary, unk_token=UNKNOWN_TOKEN))
    backend.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    backend.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()]
    )
    # Like CLIP: every prompt is framed by start and end tokens, so an empty prompt still has both.
    backend.post_processor = TemplateProcessing(
        single=f"{START_TOKEN} $A {END_TOKEN}",
        special_tokens=[(START_TOKEN, vocabulary[START_TOKEN]), (END_TOKEN, vocabulary[END_TOKEN])],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        model_max_length=max_length,
        pad_token=PAD_TOKEN,
        unk_token=UNKNOWN_TOKEN,
        bos_token=START_TOKEN,
        eos_token=END_TOKEN,
        padding_side="right",
    )


def tokenize(tokenizer: PreTrainedTokenizerFast, prompts: list[str]) -> torch.Tensor:
    """Token ids [B, max_length], padded and truncated to the tokenizer's max length (as ModelScope does)."""
    encoded = tokenizer(
        list(prompts),
        padding="max_length",
        max_length=tokenizer.model_max_length,
        truncation=True,
        return_tensors="pt",
    )
    return encoded.input_ids

