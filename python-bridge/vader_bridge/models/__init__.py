"""Model families, registered by name (("model", "text-to-video")), and how a model is created."""

from __future__ import annotations

from typing import Any

from ..device import Placement
from ..registry import configured, lookup, names
from . import animatediff, cogvideox, text_to_video, wan  # noqa: F401  (register each family)
from .contract import AdapterSettings, PromptEmbeddings, VideoModel
from .model_folder import family_on_disk
from .animatediff import AnimateDiffModel
from .cogvideox import CogVideoXModel
from .text_to_video import TextToVideoModel
from .wan import WanModel


def create_model(source: dict[str, Any], placement: Placement, where: tuple = ("source",)) -> VideoModel:
    """`source` is {"kind": "tiny", "family", "options"} or {"kind": "directory", "directory", and optionally
    "frames", "height", "width" to generate at another size than the folder's, and "expert" to train
    (Wan 2.2 A14B)}."""
    if source["kind"] == "tiny":
        family, config = configured("model", source["family"], source.get("options"), where + ("options",))
        return family.tiny(config, placement)
    directory = source["directory"]
    model = lookup("model", family_on_disk(directory, [lookup("model", name) for name in names("model")])).load(directory, placement)
    model.choose_expert(source.get("expert"), where + ("expert",))
    model.resize(frames=source.get("frames"), height=source.get("height"), width=source.get("width"))
    return model


__all__ = ["AdapterSettings", "AnimateDiffModel", "CogVideoXModel", "PromptEmbeddings", "TextToVideoModel", "VideoModel", "WanModel", "create_model"]
