"""What a training run leaves on disk: metrics.jsonl (one line per step) and LoRA weights.

Every write is complete before the next step starts, so a run stopped at any step boundary
leaves the last completed step's metrics and (at save points) weights on disk.
"""

from __future__ import annotations

import json
import os
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
        """Saves into a temporary folder, then renames, so a crash never leaves half-written weights."""
        staging = self.path / "lora.saving"
        if staging.exists():
            for leftover in staging.iterdir():
                leftover.unlink()
        saved = Path(model.save_lora(str(staging)))
        if self.lora_directory.exists():
            for old in self.lora_directory.iterdir():
                old.unlink()
            self.lora_directory.rmdir()
        staging.rename(self.lora_directory)
        return str(self.lora_directory / saved.name)
