"""A run's full training state on disk, written atomically and checked on the way back.

    checkpoints/step-000012/state.pt        the trainer's state (LoRA weights, optimizer, counters,
                                            its own statistics, its random streams) and the
                                            process's global random generators (Python, NumPy, torch, CUDA)
    checkpoints/step-000012/manifest.json   step, and the sha256 of state.pt

A checkpoint is written into `step-N.saving/`, fsynced, and renamed into place, so a process killed
mid-save leaves either the previous checkpoint or the new one, never half of one. On load, a
checkpoint whose manifest is missing or whose digest does not match is skipped with a warning and
the one before it is used. The last `KEEP` checkpoints are kept.

Everything in state.pt is tensors, numbers, strings and containers, so it loads with
`torch.load(weights_only=True)`: resuming never unpickles code.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
from pathlib import Path
from typing import Any

import numpy
import torch

from .digests import sha256_of

CHECKPOINTS_FOLDER = "checkpoints"
STATE_FILE, MANIFEST_FILE = "state.pt", "manifest.json"
KEEP = 2


class NoCheckpoint(FileNotFoundError):
    """A run directory without one good checkpoint to resume from."""


def global_random_state() -> dict[str, Any]:
    numpy_state = numpy.random.get_state()
    return {
        "python": random.getstate(),
        "numpy": {"key": torch.from_numpy(numpy_state[1].astype("int64")), "position": int(numpy_state[2]),
                  "hasGauss": int(numpy_state[3]), "cachedGaussian": float(numpy_state[4])},
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def restore_global_random_state(state: dict[str, Any]) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    saved = state["numpy"]
    numpy.random.set_state(("MT19937", saved["key"].numpy().astype("uint32"), saved["position"], saved["hasGauss"], saved["cachedGaussian"]))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def save_checkpoint(run_path: Path, step: int, trainer_state: dict[str, Any]) -> Path:
    """Writes step `step`'s checkpoint atomically; returns its folder."""
    folder = Path(run_path) / CHECKPOINTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    final, staging = folder / f"step-{step:06d}", folder / f"step-{step:06d}.saving"
    shutil.rmtree(staging, ignore_errors=True)
    # Serialised in memory first, so that a failed write is a plain OSError (torch.save's zip writer
    # reports a full disk as "unexpected pos"), and the digest is of exactly the bytes written.
    state = io.BytesIO()
    torch.save({"trainer": trainer_state, "random": global_random_state()}, state)
    manifest = json.dumps({"step": step, "files": {STATE_FILE: hashlib.sha256(state.getbuffer()).hexdigest()}}, indent=2) + "\n"
    try:
        staging.mkdir()
        (staging / STATE_FILE).write_bytes(state.getbuffer())
        (staging / MANIFEST_FILE).write_text(manifest)
        for file in (staging / STATE_FILE, staging / MANIFEST_FILE, staging):
            _fsync(file)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise OSError(error.errno, f"{error.strerror}: could not write the checkpoint of step {step} into {folder} "
                                   f"({len(state.getbuffer())} bytes); free space there or choose another runs folder. "
                                   "The previous checkpoint is untouched") from error
    shutil.rmtree(final, ignore_errors=True)  # a re-save of the same step (a resumed run's first save)
    staging.rename(final)
    _fsync(folder)
    for old in sorted(folder.glob("step-??????"))[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def _problem(folder: Path) -> str | None:
    """Why `folder` is not a good checkpoint, or None."""
    manifest_path = folder / MANIFEST_FILE
    if not manifest_path.is_file():
        return "it has no manifest (the save did not finish)"
    try:
        manifest = json.loads(manifest_path.read_text())
    except json.JSONDecodeError as error:
        return f"its manifest is not JSON ({error})"
    for name, expected in manifest.get("files", {}).items():
        if not (folder / name).is_file():
            return f"{name} is missing"
        if sha256_of(folder / name) != expected:  # uncached: a damaged file must not pass
            return f"{name} does not match its sha256 in the manifest (the file is damaged)"
    return None


def load_latest_checkpoint(run_path: Path) -> tuple[int, dict[str, Any], list[str]]:
    """(step, trainer state, warnings) of the newest good checkpoint; restores the global random
    generators too. Damaged or partial checkpoints are skipped, each with a warning."""
    folder = Path(run_path) / CHECKPOINTS_FOLDER
    warnings = []
    for candidate in sorted(folder.glob("step-??????"), reverse=True):
        problem = _problem(candidate)
        if problem:
            warnings.append(f"skipped checkpoint {candidate.name}: {problem}; using the one before it")
            continue
        saved = torch.load(candidate / STATE_FILE, map_location="cpu", weights_only=True)
        restore_global_random_state(saved["random"])
        return int(json.loads((candidate / MANIFEST_FILE).read_text())["step"]), saved["trainer"], warnings
    raise NoCheckpoint(f"{run_path} has no good checkpoint to resume from" + (f" ({'; '.join(warnings)})" if warnings else
                       " (a run writes one at each saveEvery step and when it stops; a run without saveEvery only at its end)"))
