"""Checkpoints and resume: a run stopped after step k and resumed from its checkpoint in a fresh
process state ends with the same metrics and the same LoRA, bit for bit, as the run never stopped;
damaged or partial checkpoints are skipped for the previous good one."""

from __future__ import annotations

import json
import random

import pytest
import torch

from support import QUICK_BASELINES, QUICK_DDIM, make_trainer, tiny_model
from vader_bridge.checkpoints import NoCheckpoint, load_latest_checkpoint, save_checkpoint
from vader_bridge.run_directory import RunDirectory

TIMING = {"seconds", "cpuSeconds", "peakMemoryBytes"}  # measured, not computed: they differ run to run
PROMPTS = ["a dog", "a cat", "a fox"]
JOBS = {
    "vader": {"scheduler": QUICK_DDIM, "lr": 1e-2, "seed": 5, "batchSize": 2},
    "grpo": {**QUICK_BASELINES["grpo"], "seed": 5},
    "ddpo": {**QUICK_BASELINES["ddpo"], "seed": 5, "perPromptStats": {"bufferSize": 4, "minCount": 2}},
}


def fresh_trainer(algorithm: str):
    """What a new process builds from the run's recorded job: a new model, a new trainer."""
    return make_trainer(algorithm, tiny_model(frames=2, height=8, width=8), **JOBS[algorithm])


def run_steps(trainer, steps: int, run: RunDirectory) -> list[dict]:
    metrics = []
    for _ in range(steps):
        metrics.append(trainer.step(PROMPTS))
        run.append_metrics(metrics[-1])
        save_checkpoint(run.path, trainer.steps_done, trainer.state_dict())
    return metrics


def comparable(metrics: list[dict]) -> list[dict]:
    return [{key: value for key, value in step.items() if key not in TIMING} for step in metrics]


@pytest.mark.parametrize("algorithm", ["vader", "grpo", "ddpo"])
def test_resume_is_bit_exact(algorithm, tmp_path):
    torch.manual_seed(1)
    straight = fresh_trainer(algorithm)
    expected = run_steps(straight, 3, RunDirectory(str(tmp_path / "straight")))

    torch.manual_seed(1)
    interrupted = RunDirectory(str(tmp_path / "interrupted"))
    run_steps(fresh_trainer(algorithm), 2, interrupted)
    # The killed process ran part of step 3 (its metrics line even landed) but never saved it.
    interrupted.append_metrics({"step": 3, "note": "written after the last checkpoint"})
    torch.manual_seed(999)  # a new process: other global random state
    random.seed(999)

    resumed = fresh_trainer(algorithm)
    step, state, warnings = load_latest_checkpoint(interrupted.path)
    resumed.load_state_dict(state)
    interrupted.keep_metrics_through(step)
    assert (step, warnings) == (2, [])
    run_steps(resumed, 1, interrupted)

    recorded = RunDirectory.load(str(interrupted.path))["metrics"]
    assert comparable(recorded) == comparable(expected)
    for ours, theirs in zip(resumed.parameters, straight.parameters, strict=True):
        assert torch.equal(ours, theirs)


def test_a_damaged_or_partial_checkpoint_falls_back_to_the_previous(tmp_path):
    trainer = fresh_trainer("vader")
    run = RunDirectory(str(tmp_path))
    run_steps(trainer, 2, run)
    newest = tmp_path / "checkpoints" / "step-000002"
    with open(newest / "state.pt", "r+b") as damaged:
        damaged.seek(100)
        damaged.write(b"\x00garbage")
    step, _, warnings = load_latest_checkpoint(run.path)
    assert step == 1 and warnings == ["skipped checkpoint step-000002: state.pt does not match its sha256 in the manifest "
                                      "(the file is damaged); using the one before it"]

    (tmp_path / "checkpoints" / "step-000001" / "manifest.json").unlink()  # a save killed before its manifest
    with pytest.raises(NoCheckpoint, match="no good checkpoint.*step-000001: it has no manifest"):
        load_latest_checkpoint(run.path)


def test_only_the_last_two_are_kept_and_a_leftover_staging_folder_is_ignored(tmp_path):
    trainer = fresh_trainer("vader")
    run_steps(trainer, 3, RunDirectory(str(tmp_path)))
    (tmp_path / "checkpoints" / "step-000004.saving").mkdir()  # killed mid-save
    assert sorted(path.name for path in (tmp_path / "checkpoints").iterdir()) == ["step-000002", "step-000003", "step-000004.saving"]
    assert load_latest_checkpoint(tmp_path)[0] == 3
    manifest = json.loads((tmp_path / "checkpoints" / "step-000003" / "manifest.json").read_text())
    assert manifest["step"] == 3 and len(manifest["files"]["state.pt"]) == 64


def test_a_model_folder_that_vanishes_mid_run_does_not_stop_training(tmp_path):
    """Everything a run needs is read at load time: deleting the folder (an unmounted disk, a cleaned
    cache) mid-run costs nothing until something asks for the folder again."""
    import shutil

    from vader_bridge.device import resolve_placement
    from vader_bridge.models import create_model

    folder = tmp_path / "model"
    tiny_model(frames=2, height=8, width=8).save(str(folder))
    model = create_model({"kind": "directory", "directory": str(folder)}, resolve_placement("cpu", "auto"))
    trainer = make_trainer("vader", model, **JOBS["vader"])
    trainer.step(PROMPTS)
    shutil.rmtree(folder)
    run = RunDirectory(str(tmp_path / "run"))
    assert run_steps(trainer, 1, run)[0]["step"] == 2
    assert (tmp_path / "run" / "lora").exists() is False and run.save_lora(model, trainer.adapter).endswith(".safetensors")
    with pytest.raises(FileNotFoundError):
        create_model({"kind": "directory", "directory": str(folder)}, resolve_placement("cpu", "auto"))


def test_a_nan_reward_term_stops_the_step_naming_it_and_the_checkpoint_stays(tmp_path, monkeypatch):
    from vader_bridge.handlers.trainers import _last_checkpoint_note

    both = {"kind": "sum", "terms": [{"kind": "named", "name": "brightness", "options": {}}, {"kind": "named", "name": "contrast", "options": {}}]}
    trainer = make_trainer("vader", tiny_model(frames=2, height=8, width=8), both, **JOBS["vader"])
    run = RunDirectory(str(tmp_path))
    run_steps(trainer, 1, run)
    contrast = trainer.reward.named_terms()[1]
    monkeypatch.setattr(contrast, "score_images", lambda images, prompts: torch.full((images.shape[0],), float("nan")))
    before = [parameter.detach().clone() for parameter in trainer.parameters]
    with pytest.raises(FloatingPointError, match=r"step 2: the reward term 'contrast' is not finite \(\[nan, nan\]\); the step was not taken"):
        trainer.step(PROMPTS)
    assert all(torch.equal(old, new) for old, new in zip(before, trainer.parameters))
    assert _last_checkpoint_note(run) == f"The run's last checkpoint (step-000001) in {tmp_path} is intact: continue with `vader train --resume {tmp_path}`"
    assert load_latest_checkpoint(run.path)[0] == 1
