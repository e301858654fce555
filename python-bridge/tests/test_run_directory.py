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
        "directory": str(tmp_path / "empty"), "config": None, "metrics": [], "loraDirectory": None, "samples": {}, "evaluation": None,
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
