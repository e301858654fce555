"""Action (the VADER paper's video-text reward): the probability that a VideoMAE classifier fine-tuned
on Kinetics gives the wanted action, from the whole clip at once.

Which action: the `action` option when set (a label of the model's id2label, e.g. "playing piano"),
else the one each prompt names: the longest id2label label that the prompt contains as whole words,
case-insensitive ("A person eating doughnuts at a table" -> "eating doughnuts"). A prompt that names
none is an error naming the prompt; the `action` option is then the fix.

The clip is resampled to the model's `num_frames` (16 for the Kinetics checkpoints; frames evenly
spread, repeated when the clip is shorter); each frame's shorter side is resized (bicubic,
antialiased) to the processor's `size.shortest_edge` and the centre cropped to the model's
`image_size` (224 both), then normalised with the mean and std of the model's
preprocessor_config.json (ImageNet's when it has none). The score is softmax(logits)[action], in
[0, 1], differentiable down to the frames.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import torch

from ..registry import register
from .pixels import IMAGENET_MEAN, IMAGENET_STD, center_crop, normalize, resample_frames, resize_shorter_side
from .reward import NamedReward
from .transformers_rewards import at_least_float32, freeze, place_module, read_processor_settings, unknown_label_message
from .weight_files import locate


@register("reward", "action")
class ActionReward(NamedReward):
    name = "action"
    whole_clip = True  # any number of frames: resampled to the model's num_frames

    @dataclass(frozen=True)
    class Config:
        """ActionOptions in src/specs/reward-options.ts."""

        model: str = "MCG-NJU/videomae-base-finetuned-kinetics"  # a VideoMAEForVideoClassification folder or cached hub id
        action: str | None = None  # a label of the model's id2label; None: the label each prompt names

    def __init__(self, config: Config):
        super().__init__(config)
        from transformers import VideoMAEForVideoClassification

        self.model_path = locate(config.model, reward=self.name, option="model")
        self.classifier = freeze(VideoMAEForVideoClassification.from_pretrained(str(self.model_path), local_files_only=True))
        model_config = self.classifier.config
        self.labels = {int(index): label for index, label in model_config.id2label.items()}
        self.index_of = {label.lower(): index for index, label in self.labels.items()}
        self.num_frames, self.image_size = int(model_config.num_frames), int(model_config.image_size)
        settings = read_processor_settings(self.model_path)
        self.mean = tuple(settings.get("image_mean", IMAGENET_MEAN))
        self.std = tuple(settings.get("image_std", IMAGENET_STD))
        size = settings.get("size", {})
        self.shortest_edge = int(size if isinstance(size, int) else size.get("shortest_edge", self.image_size))
        # Longest labels first, so a prompt naming "drinking beer" is not read as "drinking".
        self.label_patterns = [(index, re.compile(r"(?<!\w)" + re.escape(label.lower()) + r"(?!\w)"))
                               for index, label in sorted(self.labels.items(), key=lambda item: -len(item[1]))]
        self.fixed_index = None
        if config.action is not None:
            self.fixed_index = self.index_of.get(config.action.strip().lower())
            if self.fixed_index is None:
                raise ValueError(unknown_label_message(self.name, "action", config.action, list(self.labels.values())))

    def weight_files(self) -> dict[str, Path]:
        return {"model": self.model_path}

    def place(self, device: torch.device) -> "ActionReward":
        place_module(self.classifier, device)
        return self

    def action_index(self, prompt: str, position: int) -> int:
        """The class this prompt asks for: the `action` option, else the longest label the prompt names."""
        if self.fixed_index is not None:
            return self.fixed_index
        lowered = prompt.lower()
        for index, pattern in self.label_patterns:
            if pattern.search(lowered):
                return index
        raise ValueError(f"the {self.name!r} reward reads the action from the prompt, and prompt {position} ({prompt!r}) "
                         f"names none of the model's {len(self.labels)} action labels (e.g. "
                         f"{', '.join(repr(label) for label in list(self.labels.values())[:3])}); put a label in the "
                         "prompt, or set the reward's `action` option")

    def pixel_values(self, frames: torch.Tensor) -> torch.Tensor:
        """frames [B, F, 3, H, W] in [0, 1] -> the classifier's input [B, num_frames, 3, size, size]."""
        resized = resize_shorter_side(resample_frames(frames, self.num_frames), max(self.shortest_edge, self.image_size))
        return normalize(center_crop(resized, self.image_size, self.image_size), self.mean, self.std)

    def score(self, frames: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        wanted = [self.action_index(prompt, position) for position, prompt in enumerate(prompts)]
        parameter = next(self.classifier.parameters())
        pixels = self.pixel_values(frames.to(parameter.device, parameter.dtype))
        probabilities = at_least_float32(self.classifier(pixel_values=pixels).logits).softmax(dim=-1)
        chosen = probabilities.gather(1, torch.tensor(wanted, device=probabilities.device).unsqueeze(1)).squeeze(1)
        return chosen.to(frames.device)
