"""Raw tensor frames <-> torch tensors.

A tensor crosses the wire as one raw frame described in the header by ``{dtype, shape}``.
Receiving costs no copy: ``np.frombuffer`` over the ZeroMQ frame, then ``torch.from_numpy``.
bfloat16 has no numpy dtype, so it travels as uint16 bits with the dtype tag.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from .shared_memory import SharedMemory, SharedMemoryError

TENSOR_REFERENCE_KEY = "__tensor__"
MAX_DIMENSIONS = 16

_NUMPY_DTYPES: dict[str, np.dtype] = {
    "float32": np.dtype("<f4"),
    "float16": np.dtype("<f2"),
    "bfloat16": np.dtype("<u2"),
    "float64": np.dtype("<f8"),
    "int64": np.dtype("<i8"),
    "int32": np.dtype("<i4"),
    "int16": np.dtype("<i2"),
    "int8": np.dtype("i1"),
    "uint8": np.dtype("u1"),
    "bool": np.dtype("?"),
}

_TORCH_NAMES: dict[torch.dtype, str] = {
    torch.float32: "float32",
    torch.float16: "float16",
    torch.bfloat16: "bfloat16",
    torch.float64: "float64",
    torch.int64: "int64",
    torch.int32: "int32",
    torch.int16: "int16",
    torch.int8: "int8",
    torch.uint8: "uint8",
    torch.bool: "bool",
}


class FrameError(ValueError):
    """A tensor descriptor or frame does not match what the header claims."""


def _check_descriptor(descriptor: Any, index: int) -> tuple[str, list[int]]:
    if not isinstance(descriptor, dict) or set(descriptor) - {"shm"} != {"dtype", "shape"}:
        raise FrameError(f"tensor {index}: descriptor must be {{dtype, shape}} or {{dtype, shape, shm}}")
    dtype, shape = descriptor["dtype"], descriptor["shape"]
    if dtype not in _NUMPY_DTYPES:
        raise FrameError(f"tensor {index}: unknown dtype {dtype!r}; known: {', '.join(_NUMPY_DTYPES)}")
    if (
        not isinstance(shape, list)
        or len(shape) > MAX_DIMENSIONS
        or not all(isinstance(size, int) and not isinstance(size, bool) and size >= 0 for size in shape)
    ):
        raise FrameError(f"tensor {index}: shape must be a list of at most {MAX_DIMENSIONS} non-negative ints")
    return dtype, shape


def frame_to_tensor(descriptor: Any, frame: Any, index: int = 0, shared_memory: SharedMemory | None = None) -> torch.Tensor:
    """Views a received frame (bytes, memoryview or zmq.Frame), or the shared-memory file its
    descriptor names, as a tensor, checking the size before anything is mapped or copied."""
    dtype, shape = _check_descriptor(descriptor, index)
    buffer = memoryview(frame.buffer if hasattr(frame, "buffer") else frame)
    numpy_dtype = _NUMPY_DTYPES[dtype]
    expected = math.prod(shape) * numpy_dtype.itemsize
    if "shm" in descriptor:
        if shared_memory is None:
            raise FrameError(f"tensor {index}: names a shared-memory file but this bridge has none")
        if buffer.nbytes != 0:
            raise FrameError(f"tensor {index}: is in shared memory but its frame is not empty")
        try:
            buffer = shared_memory.read(descriptor["shm"], expected)
        except SharedMemoryError as error:
            raise FrameError(f"tensor {index}: {error}") from None
    if buffer.nbytes != expected:
        raise FrameError(f"tensor {index}: {dtype}{shape} needs {expected} bytes but the frame has {buffer.nbytes}")
    array = np.frombuffer(buffer, dtype=numpy_dtype).reshape(shape)
    if not array.flags.writeable:
        array = array.copy()  # bytes frames are read-only; torch wants writeable memory
    tensor = torch.from_numpy(array)
    return tensor.view(torch.bfloat16) if dtype == "bfloat16" else tensor


def tensor_to_frame(tensor: torch.Tensor, shared_memory: SharedMemory | None = None) -> tuple[dict[str, Any], memoryview]:
    """Returns the descriptor and a buffer over the tensor's bytes (contiguous, on CPU); a large
    tensor goes into a shared-memory file instead, and its frame is empty."""
    if tensor.dtype not in _TORCH_NAMES:
        raise FrameError(f"cannot send dtype {tensor.dtype}; supported: {', '.join(_TORCH_NAMES.values())}")
    name = _TORCH_NAMES[tensor.dtype]
    cpu = tensor.detach().to("cpu").contiguous()
    if name == "bfloat16":
        cpu = cpu.view(torch.uint16) if hasattr(torch, "uint16") else cpu.view(torch.int16)
    # A flat uint8 view: memoryview.cast refuses shapes with a zero in them.
    flat_bytes = memoryview(cpu.numpy().reshape(-1).view(np.uint8))
    descriptor: dict[str, Any] = {"dtype": name, "shape": list(tensor.shape)}
    if shared_memory is not None and flat_bytes.nbytes >= shared_memory.threshold:
        descriptor["shm"] = shared_memory.write(flat_bytes)
        return descriptor, memoryview(b"")
    return descriptor, flat_bytes


def extract_tensors(value: Any, tensors: list[torch.Tensor]) -> Any:
    """Replaces every torch.Tensor in a result by a frame reference, collecting it in ``tensors``."""
    if isinstance(value, torch.Tensor):
        tensors.append(value)
        return {TENSOR_REFERENCE_KEY: len(tensors) - 1}
    if isinstance(value, dict):
        return {key: extract_tensors(item, tensors) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [extract_tensors(item, tensors) for item in value]
    return value


def insert_tensors(value: Any, tensors: list[torch.Tensor]) -> Any:
    """Puts received tensors back where params hold ``{__tensor__: i}``."""
    if isinstance(value, dict):
        if len(value) == 1 and TENSOR_REFERENCE_KEY in value:
            index = value[TENSOR_REFERENCE_KEY]
            if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(tensors):
                raise FrameError(f"tensor reference {index!r} points at no frame")
            return tensors[index]
        return {key: insert_tensors(item, tensors) for key, item in value.items()}
    if isinstance(value, list):
        return [insert_tensors(item, tensors) for item in value]
    return value
