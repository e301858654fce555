"""peakMemoryBytes is each run's own: building a trainer resets the peak, so a comparison's later
runs do not inherit an earlier run's (or a test's) high-water mark. On the CPU the reset is Linux's
(VmHWM through /proc/self/clear_refs), which every machine of this project runs."""

from __future__ import annotations

import torch

from vader_bridge.device import peak_memory_bytes, reset_peak_memory

CPU = torch.device("cpu")


def test_reset_forgets_an_earlier_peak():
    reset_peak_memory(CPU)
    before = peak_memory_bytes(CPU)
    spike = torch.ones(64 * 1024 * 1024, dtype=torch.float64)  # 512 MiB, touched
    assert peak_memory_bytes(CPU) >= before + 400 * 1024 * 1024
    del spike
    reset_peak_memory(CPU)
    assert peak_memory_bytes(CPU) < before + 200 * 1024 * 1024
