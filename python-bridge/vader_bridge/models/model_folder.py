"""Which family a saved model folder holds, as diffusers reads `_class_name` from model_index.json.

`save` writes vader_model.json ({"family", "frames", "height", "width"}); a diffusers checkpoint
has model_index.json instead, whose pipeline class names a family (each family lists the
pipeline classes it loads in `pipeline_class_names`).
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable

MODEL_FILE = "vader_model.json"
DIFFUSERS_INDEX_FILE = "model_index.json"


def require_parts(directory: str, parts: Iterable[str], pipeline: str) -> None:
    """FileNotFoundError naming the subfolders a pipeline folder lacks."""
    missing = [part for part in parts if not os.path.isdir(os.path.join(directory, part))]
    if missing:
        raise FileNotFoundError(f"{directory} is not a {pipeline} folder: it lacks {', '.join(part + '/' for part in missing)} "
                                f"({pipeline}.save_pretrained writes {', '.join(part + '/' for part in parts)})")


def generated_size(directory: str, stock: tuple[int, int, int]) -> tuple[int, int, int]:
    """(frames, height, width) from vader_model.json, else the stock pipeline's defaults."""
    path = os.path.join(directory, MODEL_FILE)
    if not os.path.isfile(path):
        return stock
    with open(path, encoding="utf-8") as handle:
        description = json.load(handle)
    return description["frames"], description["height"], description["width"]


def write_model_file(directory: str, description: dict[str, Any]) -> None:
    with open(os.path.join(directory, MODEL_FILE), "w", encoding="utf-8") as handle:
        json.dump(description, handle, indent=2)


def family_on_disk(directory: str, families: Iterable[Any]) -> str:
    """The family recorded in `directory`; `families` are the registered model classes."""
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"no model directory at {directory}")
    own = os.path.join(directory, MODEL_FILE)
    if os.path.isfile(own):
        with open(own, encoding="utf-8") as handle:
            return str(json.load(handle).get("family"))
    index = os.path.join(directory, DIFFUSERS_INDEX_FILE)
    if os.path.isfile(index):
        with open(index, encoding="utf-8") as handle:
            class_name = json.load(handle).get("_class_name")
        for family in families:
            if class_name in family.pipeline_class_names:
                return family.family
        loadable = sorted(name for family in families for name in family.pipeline_class_names)
        raise ValueError(f"{index} names pipeline {class_name!r}, which no model family loads (loadable: {', '.join(loadable)})")
    raise FileNotFoundError(
        f"{directory} is not a model folder: it has neither {MODEL_FILE} (written by Model.save) nor "
        f"{DIFFUSERS_INDEX_FILE} (a diffusers checkpoint)"
    )
