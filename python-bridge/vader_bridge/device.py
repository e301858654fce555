"""Where a model lives and in which precision.

VADER's mixed precision: on a GPU the frozen weights are half precision (bf16 where the card
supports it, else fp16) while LoRA weights and the optimizer state stay fp32; on the CPU
everything is fp32 (half precision there is slow and lossy for no memory gain that matters).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

PRECISIONS = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
# The LoRA weights (and so AdamW's moments) always train in fp32.
ADAPTER_DTYPE = torch.float32


@dataclass(frozen=True)
class Placement:
    device: torch.device
    weights_dtype: torch.dtype
    adapter_dtype: torch.dtype = ADAPTER_DTYPE

    @property
    def compute_dtype(self) -> torch.dtype:
        """The dtype of tensors in and out of a model: fp32, or fp64 for fp64 weights (gradient checks)."""
        return torch.float64 if self.weights_dtype == torch.float64 else torch.float32

    def describe(self) -> dict:
        return {"device": str(self.device), "weightsDtype": dtype_name(self.weights_dtype), "adapterDtype": dtype_name(self.adapter_dtype)}


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def resolve_device(device: str) -> torch.device:
    """"auto" is the first CUDA device when there is one, else the CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    resolved = torch.device(device)
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} was asked for, but torch sees no CUDA device; use \"auto\" or \"cpu\"")
    return resolved


def resolve_placement(device: str = "auto", precision: str = "auto") -> Placement:
    """`precision` "auto" is bf16 (or fp16 on cards without bf16) on CUDA and fp32 on the CPU."""
    where = resolve_device(device)
    if precision == "auto":
        if where.type != "cuda":
            return Placement(where, torch.float32)
        return Placement(where, torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16)
    return Placement(where, PRECISIONS[precision])


def device_report() -> str:
    """What `system.hello` and `vader doctor` print as the device."""
    return f"cuda ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else "cpu"


def reset_peak_memory(device: torch.device) -> None:
    """Starts a new peak, so that each run (one trainer) reports its own, not the process's lifetime peak."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        return
    try:
        # Linux: "5" resets the process's peak resident set size (VmHWM) to its current size.
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass  # not Linux (or not allowed): the peak stays the process's lifetime peak


def peak_memory_bytes(device: torch.device) -> int:
    """Peak GPU memory allocated by torch on a CUDA device; peak resident memory of the process
    since the last `reset_peak_memory` elsewhere (its lifetime peak where that cannot be reset)."""
    if device.type == "cuda":
        return int(torch.cuda.max_memory_allocated(device))
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # KiB on Linux, bytes on macOS
