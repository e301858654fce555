"""The run directory's one owner: what is saved is what `load` reads back."""

from __future__ import annotations

import json

import pytest
import torch
from PIL import Image

from support import QUICK_DDIM, tiny_model, vader_trainer
from vader_bridge.run_directory import RunDirectory
from vader_bridge.sampling import sample_videos


def test_save_then_load_round_trips_config_metrics_lora_and_samples(tmp_path):
    model = tiny_model()
    trainer = vader_trainer(model, scheduler=QUICK_DDIM, lr=1e-2)
    run = RunDirectory(str(tmp_path / "run"))
    config = {"steps": 2, "trainer": {"lr": 0.01}, "prompts": ["a dog"]}
    run.save_config(config)
    metrics = [trainer.step(["a dog"]) for _ in range(2)]
    for step in metrics:
        run.append_metrics(step)
    lora_path = run.save_lora(model, "default")
    video = sample_videos(model, trainer.scheduler, ["a dog"], seed=0)[0]
    run.save_sample("after-0", video)

    record = RunDirectory.load(str(tmp_path / "run"))
    assert record["config"] == config
    assert record["metrics"] == json.loads(json.dumps(metrics))
    assert record["loraDirectory"] == str(tmp_path / "run" / "lora") and lora_path.startswith(record["loraDirectory"])
    assert list(record["samples"]) == ["after-0"]
    with Image.open(record["samples"]["after-0"]) as gif:
        assert gif.format == "GIF" and gif.size[0] >= 32

    # The LoRA read back reproduces the trained model's samples bit-exactly.
    fresh = tiny_model()
    fresh.load_adapter("default", record["loraDirectory"])
    assert torch.equal(sample_videos(fresh, trainer.scheduler, ["a dog"], seed=3), sample_videos(model, trainer.scheduler, ["a dog"], seed=3))


def test_a_fresh_or_missing_run(tmp_path):
    RunDirectory(str(tmp_path / "empty"))
    assert RunDirectory.load(str(tmp_path / "empty")) == {
        "directory": str(tmp_path / "empty"), "config": None, "metrics": [], "loraDirectory": None, "samples": {}, "evaluation": None, "rewardTerms": None,
    }
    with pytest.raises(FileNotFoundError, match="no run directory"):
        RunDirectory.load(str(tmp_path / "missing"))


def test_sample_names_are_plain_file_names(tmp_path):
    with pytest.raises(ValueError, match="plain file name"):
        RunDirectory(str(tmp_path)).save_sample("../escape", torch.zeros(1, 4, 4, 3, dtype=torch.uint8))


def test_evaluation_round_trips(tmp_path):
    run = RunDirectory(str(tmp_path / "judged"))
    evaluation = {"before": {"digitAccuracy": 0.25}, "after": {"digitAccuracy": 0.5}}
    run.save_evaluation(evaluation)
    assert RunDirectory.load(str(tmp_path / "judged"))["evaluation"] == evaluation


# A full disk, made small: the child process may write at most this many bytes per file.
FULL_DISK_CHILD = """
import resource, signal, sys, torch
from pathlib import Path
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing us
from vader_bridge.checkpoints import save_checkpoint
from vader_bridge.run_directory import RunDirectory
run = RunDirectory(sys.argv[1])
save_checkpoint(run.path, 1, {"weights": torch.zeros(4)})
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
failures = []
for name, write in [("checkpoint", lambda: save_checkpoint(run.path, 2, {"weights": torch.zeros(100_000)})),
                    ("sample", lambda: run.save_sample("after-0", torch.randint(0, 256, (8, 64, 64, 3), dtype=torch.uint8)))]:
    try:
        write()
    except OSError as error:
        failures.append(f"{name}: {error.strerror.split(':')[0]}")
print(";".join(failures))
"""


def test_a_full_disk_leaves_no_partial_file_looking_complete(tmp_path):
    import subprocess
    import sys

    child = subprocess.run([sys.executable, "-c", FULL_DISK_CHILD, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "checkpoint: File too large;sample: File too large"
    checkpoints = sorted(path.name for path in (tmp_path / "checkpoints").iterdir())
    assert checkpoints == ["step-000001"]  # the failed save removed its staging folder
    from vader_bridge.checkpoints import load_latest_checkpoint

    assert load_latest_checkpoint(tmp_path)[0] == 1
    assert not any(tmp_path.glob("after-0*"))  # neither the video nor a partial file of it


def test_metrics_of_steps_after_a_checkpoint_are_dropped_on_resume(tmp_path):
    run = RunDirectory(str(tmp_path))
    for step in (1, 2, 3):
        run.append_metrics({"step": step})
    run.keep_metrics_through(2)
    assert [record["step"] for record in RunDirectory.load(str(tmp_path))["metrics"]] == [1, 2]
