"""Test-wide settings for the bridge's Python tests."""

from __future__ import annotations

import os

# As in the bridge (server.py): tests never reach the network; weights come from files they write.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import torch  # noqa: E402

# One intra-op thread. With torch's default (one per core, 2 here), any other busy process on the
# machine (a bridge server, a second test run) stalls torch's thread team: a 0.85 s VADER step was
# measured at 63 s under such contention, and at 1.2-1.5 s with one thread.
torch.set_num_threads(1)
