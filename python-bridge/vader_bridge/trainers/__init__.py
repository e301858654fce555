"""Fine-tuning algorithms, registered by name (("trainer", "vader"))."""

from __future__ import annotations

from .vader import VaderTrainer

__all__ = ["VaderTrainer"]
