from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from vader_bridge.tensors import FrameError, extract_tensors, frame_to_tensor, insert_tensors, tensor_to_frame

ALL_DTYPES = [torch.float32, torch.float16, torch.bfloat16, torch.float64, torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool]


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_round_trip_is_bit_exact(dtype):
    source = (torch.arange(24, dtype=torch.float64).reshape(2, 3, 4) - 7).to(dtype)
    descriptor, buffer = tensor_to_frame(source)
    back = frame_to_tensor(descriptor, bytes(buffer))
    assert back.dtype == dtype and back.shape == source.shape
    assert torch.equal(back.view(torch.uint8) if dtype != torch.bool else back, source.view(torch.uint8) if dtype != torch.bool else source)


def test_special_floats_keep_their_bits():
    bits = np.array([0x7FC00123, 0xFFC00001, 0x80000000, 0x7F800000, 0x00000001], dtype="<u4")
    source = torch.from_numpy(bits.view("<f4").copy())
    descriptor, buffer = tensor_to_frame(source)
    assert bytes(buffer) == bits.tobytes()
    assert frame_to_tensor(descriptor, bytes(buffer)).numpy().view("<u4").tolist() == bits.tolist()


def test_non_contiguous_tensors_are_sent_contiguously():
    source = torch.arange(12, dtype=torch.float32).reshape(3, 4).t()
    descriptor, buffer = tensor_to_frame(source)
    assert descriptor == {"dtype": "float32", "shape": [4, 3]}
    assert torch.equal(frame_to_tensor(descriptor, bytes(buffer)), source)


def test_receiving_a_writeable_buffer_costs_no_copy():
    memory = bytearray(np.arange(4, dtype="<f4").tobytes())
    tensor = frame_to_tensor({"dtype": "float32", "shape": [4]}, memory)
    tensor[0] = 42.0
    assert np.frombuffer(memory, dtype="<f4")[0] == 42.0


@pytest.mark.parametrize(
    "descriptor, size, message",
    [
        ({"dtype": "float32", "shape": [10**12]}, 8, "needs"),
        ({"dtype": "complex64", "shape": [1]}, 8, "unknown dtype"),
        ({"dtype": "float32", "shape": [-1]}, 8, "non-negative"),
        ({"dtype": "float32"}, 8, "descriptor"),
    ],
)
def test_lying_descriptors_are_refused_before_any_allocation(descriptor, size, message):
    with pytest.raises(FrameError, match=message):
        frame_to_tensor(descriptor, b"\0" * size)


def test_references_round_trip():
    tensors: list[torch.Tensor] = []
    body = extract_tensors({"a": [torch.zeros(1), {"b": torch.ones(2)}], "c": 3}, tensors)
    assert body == {"a": [{"__tensor__": 0}, {"b": {"__tensor__": 1}}], "c": 3}
    assert insert_tensors(body, tensors)["a"][1]["b"] is tensors[1]
    with pytest.raises(FrameError):
        insert_tensors({"__tensor__": 5}, tensors)


@settings(max_examples=200, deadline=None)
@given(descriptor=st.recursive(st.none() | st.integers() | st.text(max_size=5), lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)), frame=st.binary(max_size=64))
def test_random_descriptors_never_crash(descriptor, frame):
    try:
        frame_to_tensor(descriptor, frame)
    except FrameError:
        pass
