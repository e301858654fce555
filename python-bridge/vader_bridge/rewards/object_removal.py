"""Object removal (the VADER paper's YOLOS reward): one minus the detector's confidence that a frame
shows the named COCO class, averaged over the frames the reward sees.

The confidence follows the VADER authors' training code rather than a smoother variant, so a run
here optimises what theirs did:

  1. each of YOLOS's detection queries gets class probabilities: a softmax over its logits, the
     last ("no object") class included;
  2. a query is a detection when its most likely real class (the "no object" class left out) has a
     probability above DETECTION_THRESHOLD (0.2, theirs; transformers' `post_process_object_detection`
     keeps detections the same way), and it is a detection *of the object* when that class is the
     `object` option;
  3. the confidence is the mean probability of the object's detections, or 0 when there are none;
  4. the reward is 1 - confidence, in [0, 1] (1: no detection of the object).

Consequence worth knowing: where no query reaches the threshold the reward is 1 and its gradient is
zero, so the reward pushes detections below the threshold and then stops; a query that crosses the
threshold makes the confidence jump.

Preprocessing happens in torch, so the gradient reaches the frames: the image processor's resize
(YOLOS: the shorter side to `size.shortest_edge`, the longer kept under `size.longest_edge`, both
rounded down to multiples of 16; bilinear, antialiased when shrinking, as PIL), then its mean and
std. The processor's settings come from `preprocessor_config.json` in the model folder; without one,
YOLOS's defaults (800 / 1333, ImageNet statistics).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from ..registry import register
from .frame_selection import FrameSelection
from .pixels import IMAGENET_MEAN, IMAGENET_STD, normalize
from .reward import PerFrameReward
from .transformers_rewards import at_least_float32, freeze, place_module, read_processor_settings, unknown_label_message
from .weight_files import locate

DETECTION_THRESHOLD = 0.2  # VADER's `post_process_object_detection(threshold=0.2)`
HUB_DEFAULT_SIZE = {"shortest_edge": 800, "longest_edge": 1333}  # YolosImageProcessor's default
NO_LABEL = "N/A"  # COCO's unused category ids in the YOLOS checkpoints


def yolos_resized_shape(height: int, width: int, shortest: int, longest: int | None, multiple: int = 16) -> tuple[int, int]:
    """The (height, width) YolosImageProcessor resizes an image to: the shorter side to `shortest`
    unless the longer would pass `longest`, then both rounded down to a multiple of 16."""
    raw = None
    low, high = float(min(height, width)), float(max(height, width))
    if longest is not None and high / low * shortest > longest:
        raw = longest * low / high
        shortest = int(round(raw))
    scale_from = raw if raw is not None else shortest
    if width < height:
        out_width, out_height = shortest, int(scale_from * height / width)
    elif min(height, width) == shortest:
        out_height, out_width = height, width
    else:
        out_height, out_width = shortest, int(scale_from * width / height)
    return out_height - out_height % multiple, out_width - out_width % multiple


@register("reward", "object-removal")
class ObjectRemovalReward(PerFrameReward):
    name = "object-removal"

    @dataclass(frozen=True)
    class Config:
        """ObjectRemovalOptions in src/specs/reward-options.ts."""

        object: str  # the COCO class to remove, as the detector's id2label names it
        model: str = "hustvl/yolos-base"  # a transformers YolosForObjectDetection folder or cached hub id
        frames: FrameSelection = field(default_factory=FrameSelection)

    def __init__(self, config: Config):
        super().__init__(config)
        from transformers import YolosForObjectDetection

        self.model_path = locate(config.model, reward=self.name, option="model")
        self.detector = freeze(YolosForObjectDetection.from_pretrained(str(self.model_path), local_files_only=True))
        labels = {int(index): label for index, label in self.detector.config.id2label.items()}
        matching = [index for index, label in labels.items() if label.lower() == config.object.strip().lower()]
        if not matching:
            names = sorted({label for label in labels.values() if label != NO_LABEL})
            raise ValueError(unknown_label_message(self.name, "object", config.object, names))
        self.class_index = matching[0]
        settings = read_processor_settings(self.model_path)
        size = settings.get("size", HUB_DEFAULT_SIZE)
        if isinstance(size, int):  # the legacy form: {"size": 800, "max_size": 1333}
            size = {"shortest_edge": size, "longest_edge": settings.get("max_size", HUB_DEFAULT_SIZE["longest_edge"])}
        self.size = dict(size)
        self.bicubic = settings.get("resample", 2) == 3  # PIL's BICUBIC; YOLOS uses BILINEAR (2)
        self.do_normalize = settings.get("do_normalize", True)
        self.mean = tuple(settings.get("image_mean", IMAGENET_MEAN))
        self.std = tuple(settings.get("image_std", IMAGENET_STD))

    def weight_files(self) -> dict[str, Path]:
        return {"model": self.model_path}

    def place(self, device: torch.device) -> "ObjectRemovalReward":
        place_module(self.detector, device)
        return self

    def pixel_values(self, images: torch.Tensor) -> torch.Tensor:
        """images [N, 3, H, W] in [0, 1] -> the detector's input, as its image processor makes it."""
        height, width = images.shape[-2:]
        if "shortest_edge" in self.size:
            target = yolos_resized_shape(height, width, self.size["shortest_edge"], self.size.get("longest_edge"))
        else:
            target = (self.size["height"], self.size["width"])
        if (height, width) != target:
            mode = "bicubic" if self.bicubic else "bilinear"
            images = F.interpolate(images, size=target, mode=mode, antialias=True, align_corners=False).clamp(0, 1)
        return normalize(images, self.mean, self.std) if self.do_normalize else images

    def confidence(self, logits: torch.Tensor) -> torch.Tensor:
        """logits [N, queries, classes + 1] -> the object's confidence per image [N] (module doc, steps 1-3)."""
        probabilities = logits.softmax(dim=-1)[..., :-1]
        best, label = probabilities.max(dim=-1)
        detected = (label == self.class_index) & (best > DETECTION_THRESHOLD)
        count = detected.sum(dim=-1)
        total = (best * detected).sum(dim=-1)
        return torch.where(count > 0, total / count.clamp(min=1), torch.zeros_like(total))

    def score_images(self, images: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        parameter = next(self.detector.parameters())
        pixels = self.pixel_values(images.to(parameter.device, parameter.dtype))
        logits = at_least_float32(self.detector(pixel_values=pixels).logits)
        return (1 - self.confidence(logits)).to(images.device)
