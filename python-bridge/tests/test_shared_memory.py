from __future__ import annotations

import os
import stat

import numpy as np
import pytest
import torch

from vader_bridge.shared_memory import SharedMemory
from vader_bridge.tensors import FrameError, frame_to_tensor, tensor_to_frame


@pytest.fixture()
def shared_memory(tmp_path):
    os.chmod(tmp_path, 0o700)
    return SharedMemory(str(tmp_path), threshold=64)


def test_large_tensors_round_trip_through_a_file_that_is_then_gone(shared_memory, tmp_path):
    source = torch.arange(1000, dtype=torch.float32)
    source[3] = float("nan")
    descriptor, frame = tensor_to_frame(source, shared_memory)
    assert frame.nbytes == 0 and "shm" in descriptor
    path = tmp_path / descriptor["shm"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    back = frame_to_tensor(descriptor, b"", 0, shared_memory)
    assert back.numpy().tobytes() == source.numpy().tobytes()
    assert not path.exists()
    back[0] = 42.0  # the mapping is writeable memory, like a received frame


def test_small_tensors_still_travel_as_frames(shared_memory):
    descriptor, frame = tensor_to_frame(torch.ones(4), shared_memory)
    assert "shm" not in descriptor and frame.nbytes == 16


@pytest.mark.parametrize("name", ["../escape", "a/b", "", "UPPER", 5])
def test_names_that_are_not_plain_files_are_refused(shared_memory, name):
    with pytest.raises(FrameError):
        frame_to_tensor({"dtype": "float32", "shape": [1], "shm": name}, b"", 0, shared_memory)


def test_sizes_are_checked_before_mapping(shared_memory, tmp_path):
    (tmp_path / "short").write_bytes(b"\0" * 4)
    with pytest.raises(FrameError, match="has 4 bytes, the header declares 4000000000"):
        frame_to_tensor({"dtype": "float32", "shape": [10**9], "shm": "short"}, b"", 0, shared_memory)
    with pytest.raises(FrameError, match="has none"):
        frame_to_tensor({"dtype": "float32", "shape": [1], "shm": "x"}, b"", 0, None)
    with pytest.raises(FrameError, match="not empty"):
        frame_to_tensor({"dtype": "float32", "shape": [1], "shm": "x"}, b"\0" * 4, 0, shared_memory)
