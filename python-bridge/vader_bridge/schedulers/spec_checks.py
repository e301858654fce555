"""Validation of scheduler specs with messages that name the field, the problem and the fix."""

from __future__ import annotations

import math
from typing import Any


def check_spec_keys(spec: Any, scheduler_name: str, *, allowed: set[str]) -> None:
    if not isinstance(spec, dict):
        raise TypeError(f"{scheduler_name} scheduler spec must be an object, got {type(spec).__name__}")
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise ValueError(
            f"{scheduler_name} scheduler spec has unknown field(s) {', '.join(unknown)}; "
            f"accepted fields: {', '.join(sorted(allowed))}"
        )


def read_positive_int(spec: dict, field: str, scheduler_name: str, *, maximum: int) -> int:
    if field not in spec:
        raise ValueError(f"{scheduler_name} scheduler spec needs {field!r} (a whole number from 1 to {maximum})")
    value = spec[field]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ValueError(f"{scheduler_name} scheduler {field!r} must be a whole number, got {value!r}")
    if not 1 <= int(value) <= maximum:
        raise ValueError(
            f"{scheduler_name} scheduler {field!r} must be from 1 to {maximum} "
            f"(the model's training timesteps), got {value}"
        )
    return int(value)


def read_number(
    spec: dict, field: str, scheduler_name: str, *, default: float, minimum: float, maximum: float
) -> float:
    value = spec.get(field, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{scheduler_name} scheduler {field!r} must be a finite number, got {value!r}")
    if not minimum <= value <= maximum:
        raise ValueError(f"{scheduler_name} scheduler {field!r} must be from {minimum} to {maximum}, got {value}")
    return float(value)
