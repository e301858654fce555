"""The scripts that rebuild the digit world run end to end at their smallest size."""

from __future__ import annotations

import json

from vader_bridge.device import resolve_placement
from vader_bridge.models import create_model
from vader_bridge.world import pretrain, train_rewards
from vader_bridge.world.classifiers import load_ensemble


def test_pretrain_writes_a_loadable_modelscope_folder(tmp_path):
    out = tmp_path / "base"
    pretrain.main(["--out", str(out), "--vae-steps", "2", "--vae-batch", "8", "--clips", "4",
                   "--unet-steps", "2", "--batch", "2", "--checkpoint-every", "2"])
    assert json.loads((out / "model_index.json").read_text())["_class_name"] == "TextToVideoSDPipeline"
    assert "exported 2 denoiser steps" in (out / "pretrain.log").read_text()
    model = create_model({"kind": "directory", "directory": str(out)}, resolve_placement())
    assert model.pooled_caption_conditioning and model.frames == 8


def test_train_rewards_writes_every_classifier_with_its_held_out_accuracy(tmp_path):
    train_rewards.main(["--out", str(tmp_path), "--steps", "2", "--members", "1", "--batch", "8"])
    for folder, accuracy_key in (("rewards/digit", "test_digit_accuracy"), ("rewards/motion", "test_direction_accuracy"),
                                 ("judge/digit", "test_digit_accuracy")):
        ensemble, config = load_ensemble(tmp_path / folder)
        assert 0.0 <= config[accuracy_key] <= 1.0
        assert not any(parameter.requires_grad for parameter in ensemble.parameters())
