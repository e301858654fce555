"""The run directory's one owner: everything a run leaves on disk is written and read here.

    config.json        the resolved job (written once, by `save_config`)
    rewards.json       each named reward term: its label in the metrics, name, version, options,
                       and the sha256 of every weight file it loaded (written when a fit starts)
    metrics.jsonl      one line per step, appended and fsynced at each step boundary
    lora/              the trained adapter (peft's file pair), swapped in whole at save points
    checkpoints/       the full training state at save points, for --resume (checkpoints.py)
    <name>.gif         samples (before-0.gif, after-0.gif, ...), each with <name>.mp4 beside it
    evaluation.json    the judge before and after training (digit world), when it ran
    early-stop.json    a fit's held-out evaluations and the step whose LoRA it kept (earlyStop)

Every write is complete before the next step starts, so a run stopped at any step boundary
leaves the last completed step's metrics and (at save points) weights on disk. `load` reads all
of it back; TypeScript's `Run.save` / `Run.load` go through the bridge to these two sides.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import torch

from .video import write_video

CONFIG_FILE = "config.json"
EVALUATION_FILE = "evaluation.json"
EARLY_STOP_FILE = "early-stop.json"
REWARDS_FILE = "rewards.json"
METRICS_FILE = "metrics.jsonl"
LORA_FOLDER = "lora"
SAMPLE_SUFFIX = ".gif"


class RunDirectory:
    def __init__(self, path: str):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)

    def save_config(self, config: dict[str, Any]) -> str:
        return self._write_json(CONFIG_FILE, config)

    def save_reward_records(self, records: list[dict[str, Any]]) -> str:
        return self._write_json(REWARDS_FILE, {"terms": records})

    def save_evaluation(self, evaluation: dict[str, Any]) -> str:
        return self._write_json(EVALUATION_FILE, evaluation)

    def save_early_stop(self, record: dict[str, Any]) -> str:
        return self._write_json(EARLY_STOP_FILE, record)

    def _write_json(self, name: str, value: dict[str, Any]) -> str:
        target = self.path / name
        staging = target.with_suffix(".saving")
        staging.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")
        staging.replace(target)
        return str(target)

    def append_metrics(self, metrics: dict[str, Any]) -> None:
        with (self.path / METRICS_FILE).open("a", encoding="utf-8") as metrics_file:
            metrics_file.write(json.dumps(metrics) + "\n")
            metrics_file.flush()
            os.fsync(metrics_file.fileno())

    def keep_metrics_through(self, step: int) -> None:
        """Drops metrics lines of steps after `step` (a resumed run repeats them), atomically."""
        path = self.path / METRICS_FILE
        if not path.is_file():
            return
        kept = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and json.loads(line)["step"] <= step]
        staging = path.with_suffix(".saving")
        staging.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
        staging.replace(path)

    def save_lora(self, model: Any, adapter: str) -> str:
        """Saves into a staging folder, then swaps it in, so lora/ always holds a whole set of weights."""
        lora = self.path / LORA_FOLDER
        staging, previous = self.path / "lora.saving", self.path / "lora.previous"
        for leftover in (staging, previous):
            shutil.rmtree(leftover, ignore_errors=True)
        saved = Path(model.save_adapter(adapter, str(staging)))
        if lora.exists():
            lora.rename(previous)
        staging.rename(lora)
        shutil.rmtree(previous, ignore_errors=True)
        return str(lora / saved.name)

    def save_sample(self, name: str, video: torch.Tensor, *, fps: int = 8) -> str:
        """One video (uint8 [frames, height, width, 3]) as <name>.gif, and as <name>.mp4 beside it (H.264, for
        players and pages); returns the GIF's path."""
        if not name or "/" in name or name.startswith("."):
            raise ValueError(f"a sample name is a plain file name without extension, such as 'before-0', got {name!r}")
        write_video(video, str(self.path / f"{name}.mp4"), fps=fps)
        return write_video(video, str(self.path / f"{name}{SAMPLE_SUFFIX}"), fps=fps)

    @classmethod
    def load(cls, path: str) -> dict[str, Any]:
        """{config, metrics, loraDirectory, samples, evaluation, rewardTerms} of a run folder; absent parts are null or empty."""
        folder = Path(path)
        if not folder.is_dir():
            raise FileNotFoundError(f"no run directory at {path}")
        config_path, metrics_path, lora = folder / CONFIG_FILE, folder / METRICS_FILE, folder / LORA_FOLDER
        evaluation_path, rewards_path = folder / EVALUATION_FILE, folder / REWARDS_FILE
        metrics = []
        if metrics_path.is_file():
            metrics = [json.loads(line) for line in metrics_path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return {
            "directory": str(folder),
            "config": json.loads(config_path.read_text(encoding="utf-8")) if config_path.is_file() else None,
            "metrics": metrics,
            "loraDirectory": str(lora) if (lora / "adapter_config.json").is_file() else None,
            "samples": {sample.stem: str(sample) for sample in sorted(folder.glob(f"*{SAMPLE_SUFFIX}"))},
            "evaluation": json.loads(evaluation_path.read_text(encoding="utf-8")) if evaluation_path.is_file() else None,
            "rewardTerms": json.loads(rewards_path.read_text(encoding="utf-8"))["terms"] if rewards_path.is_file() else None,
        }
