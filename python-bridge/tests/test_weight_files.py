"""Where rewards' weights come from: local paths, the local Hugging Face cache (never the network),
safe checkpoint loading, and the digests a run records."""

from __future__ import annotations

import hashlib

import pytest
import torch
from safetensors.torch import save_file

from vader_bridge.rewards import weight_files
from vader_bridge.rewards.weight_files import UnsafeCheckpoint, WeightFilesMissing, file_digest, load_state_dict, locate


class Payload:
    """Any class outside torch's allow-list: unpickling it would run its module's code."""


@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    """A Hugging Face cache laid out as huggingface_hub writes it, holding org/model with one file."""
    cache = tmp_path / "hub"
    snapshot = cache / "models--org--model" / "snapshots" / "0123abcd"
    snapshot.mkdir(parents=True)
    (snapshot / "head.pth").write_bytes(b"weights")
    (cache / "models--org--model" / "refs").mkdir()
    (cache / "models--org--model" / "refs" / "main").write_text("0123abcd")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(weight_files, "hub_cache_folder", lambda: str(cache))
    return cache, snapshot


def test_a_local_path_wins(tmp_path):
    file = tmp_path / "head.safetensors"
    file.write_bytes(b"x")
    assert locate(str(file), reward="aesthetic", option="head") == file


def test_hub_ids_resolve_from_the_cache_only(hub_cache):
    cache, snapshot = hub_cache
    assert locate("org/model", reward="aesthetic", option="clip").resolve() == snapshot.resolve()
    assert locate("org/model/head.pth", reward="aesthetic", option="head").resolve() == (snapshot / "head.pth").resolve()


def test_missing_weights_say_what_where_and_how_to_fetch(hub_cache):
    cache, _ = hub_cache
    with pytest.raises(WeightFilesMissing) as caught:
        locate("org/absent/head.pth", reward="aesthetic", option="head")
    message = str(caught.value)
    assert "reward 'aesthetic' option 'head'" in message and str(cache) in message
    assert "`hf download org/absent head.pth`" in message and "never downloads" in message
    with pytest.raises(WeightFilesMissing, match=r"option 'clip': .*nowhere does not exist; give the local path of the weights"):
        locate("./nowhere", reward="aesthetic", option="clip")


def test_checkpoints_load_as_tensors_and_code_is_refused(tmp_path):
    tensors = {"layers.0.weight": torch.ones(2, 3)}
    save_file(tensors, str(tmp_path / "head.safetensors"))
    torch.save({"state_dict": tensors}, tmp_path / "wrapped.pth")
    assert torch.equal(load_state_dict(tmp_path / "head.safetensors")["layers.0.weight"], tensors["layers.0.weight"])
    assert torch.equal(load_state_dict(tmp_path / "wrapped.pth")["layers.0.weight"], tensors["layers.0.weight"])

    # A checkpoint whose pickle calls a constructor when loaded: what a malicious .pth does.
    hostile = tmp_path / "hostile.pth"
    torch.save({"layers.0.weight": torch.ones(1), "payload": Payload()}, hostile)
    with pytest.raises(UnsafeCheckpoint, match="would execute code when loaded"):
        load_state_dict(hostile)


def test_digests_cover_a_file_or_a_folder_of_weight_files(tmp_path):
    (tmp_path / "model").mkdir()
    file = tmp_path / "model" / "model.safetensors"
    file.write_bytes(b"abc")
    (tmp_path / "model" / "config.json").write_text("{}")
    assert file_digest(file) == hashlib.sha256(b"abc").hexdigest()
    before = file_digest(tmp_path / "model")
    (tmp_path / "model" / "config.json").write_text('{"changed": true}')  # not a weight file
    assert file_digest(tmp_path / "model") == before
    file.write_bytes(b"abcd")
    assert file_digest(tmp_path / "model") != before
