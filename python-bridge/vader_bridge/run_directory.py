"""What a training run leaves on disk: metrics.jsonl (one line per step) and LoRA weights.

Every write is complete before the next step starts, so a run stopped at any step boundary
leaves the last completed step's metrics and (at save points) weights on disk.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any


class RunDirectory:
    def __init__(self, path: str):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.metrics_path = self.path / "metrics.jsonl"
        self.lora_directory = self.path / "lora"

    def append_metrics(self, metrics: dict[str, Any]) -> None:
        with self.metrics_path.open("a", encoding="utf-8") as metrics_file:
            metrics_file.write(json.dumps(metrics) + "\n")
            metrics_file.flush()
            os.fsync(metrics_file.fileno())

    def save_lora(self, model: Any) -> str:
        """Saves into a staging folder, then swaps it in, so lora/ always holds a whole set of weights."""
        staging, previous = self.path / "lora.saving", self.path / "lora.previous"
        for leftover in (staging, previous):
            shutil.rmtree(leftover, ignore_errors=True)
        saved = Path(model.save_lora(str(staging)))
        if self.lora_directory.exists():
            self.lora_directory.rename(previous)
        staging.rename(self.lora_directory)
        shutil.rmtree(previous, ignore_errors=True)
        return str(self.lora_directory / saved.name)
