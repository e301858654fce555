"""Turn a reward spec tree (JSON from TypeScript) into a Reward.

    {"kind": "named", "name": "brightness", "options": {}}
    {"kind": "scaled", "factor": 0.5, "reward": SPEC}
    {"kind": "sum", "terms": [SPEC, ...]}

Errors say where in the tree the problem is (e.g. `reward.terms[1]`), so a composed spec with
one bad leaf is easy to fix.
"""

from __future__ import annotations

import math
from typing import Any

from ..registry import lookup
from .composition import ScaledReward, SumReward
from .reward import Reward

FIELDS_BY_KIND = {
    "named": {"kind", "name", "options"},
    "scaled": {"kind", "factor", "reward"},
    "sum": {"kind", "terms"},
}


class RewardSpecError(ValueError):
    """A reward spec is malformed (as opposed to a named reward rejecting its options)."""


def build_reward(spec: dict) -> Reward:
    return _build(spec, "reward")


def _build(spec: Any, where: str) -> Reward:
    if not isinstance(spec, dict):
        raise RewardSpecError(f"{where} must be an object, got {type(spec).__name__}")
    kind = spec.get("kind")
    if kind not in FIELDS_BY_KIND:
        raise RewardSpecError(f"{where}.kind is {kind!r}; expected one of {', '.join(FIELDS_BY_KIND)}")
    unknown = sorted(set(spec) - FIELDS_BY_KIND[kind])
    if unknown:
        raise RewardSpecError(
            f"{where} ({kind}) has unknown field(s) {', '.join(unknown)}; "
            f"accepted: {', '.join(sorted(FIELDS_BY_KIND[kind]))}"
        )
    if kind == "named":
        name = spec.get("name")
        if not isinstance(name, str):
            raise RewardSpecError(f"{where}.name must be a string, got {name!r}")
        return lookup("reward", name)(spec.get("options") or {})
    if kind == "scaled":
        factor = spec.get("factor")
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not math.isfinite(factor):
            raise RewardSpecError(f"{where}.factor must be a finite number, got {factor!r}")
        return ScaledReward(float(factor), _build(spec.get("reward"), f"{where}.reward"))
    terms = spec.get("terms")
    if not isinstance(terms, list) or not terms:
        raise RewardSpecError(f"{where}.terms must be a non-empty list of reward specs, got {terms!r}")
    return SumReward([_build(term, f"{where}.terms[{index}]") for index, term in enumerate(terms)])
