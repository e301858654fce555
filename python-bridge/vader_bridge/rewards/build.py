"""Turn a reward spec tree (JSON from TypeScript) into a Reward.

    {"kind": "named", "name": "brightness", "options": {}}
    {"kind": "scaled", "factor": 0.5, "reward": SPEC}
    {"kind": "sum", "terms": [SPEC, ...]}
    {"kind": "target", "target": 6.0, "reward": SPEC}      -|r - 6|
    {"kind": "clip", "min": 0, "max": 1, "reward": SPEC}   either bound optional
    {"kind": "typescript", "name": "my-score", "timeoutMs": 300000}   scored by TypeScript, no gradient

The tree is checked against the schema generated from RewardSpecSchema, each named reward's
options against that reward's own schema; errors name the place in the tree
(`reward.terms.1.options.target`), so a composed spec with one bad leaf is easy to fix.
"""

from __future__ import annotations

import json
from typing import Any

from ..configs import checked, protocol_schema, to_wire
from ..protocol import ConfigInvalid, Issue
from ..registry import configured
from .composition import ClippedReward, ScaledReward, SumReward, TargetReward
from .reward import Reward
from .typescript_function import TypeScriptFunctionReward


def build_reward(spec: dict, cache: "RewardCache | None" = None, where: tuple = ("reward",)) -> Reward:
    return _build(checked(protocol_schema()["specs"]["reward"], spec, where), cache, where)


def _build(spec: dict[str, Any], cache: "RewardCache | None", where: tuple) -> Reward:
    if spec["kind"] == "named":
        if cache is not None:
            return cache.named(spec["name"], spec["options"], where)
        implementation, config = configured("reward", spec["name"], spec["options"], where + ("options",))
        return implementation(config)
    if spec["kind"] == "typescript":
        return TypeScriptFunctionReward(spec["name"], int(spec["timeoutMs"]))
    if spec["kind"] == "scaled":
        return ScaledReward(float(spec["factor"]), _build(spec["reward"], cache, where + ("reward",)))
    if spec["kind"] == "target":
        return TargetReward(float(spec["target"]), _build(spec["reward"], cache, where + ("reward",)))
    if spec["kind"] == "clip":
        return ClippedReward(*_clip_bounds(spec, where), _build(spec["reward"], cache, where + ("reward",)))
    return SumReward([_build(term, cache, where + ("terms", index)) for index, term in enumerate(spec["terms"])])


def _clip_bounds(spec: dict[str, Any], where: tuple) -> tuple[float | None, float | None]:
    """The bounds rules that JSON Schema cannot say (zod's refinements in src/specs/reward-spec.ts)."""
    low, high = spec.get("min"), spec.get("max")
    if low is None and high is None:
        raise ConfigInvalid([Issue(where, "must have min, max or both")])
    if low is not None and high is not None and high < low:
        raise ConfigInvalid([Issue(where + ("max",), f"must not be below min (got min {low}, max {high})")])
    return low, high


class RewardCache:
    """Named rewards built once per bridge and reused, keyed by name and options (defaults filled in).

    Rewards that hold weights (classifiers, aesthetic heads) cost seconds to build and memory to
    keep: a trainer, a score call and a preview asking for the same spec share one instance.
    """

    def __init__(self) -> None:
        self._built: dict[str, Reward] = {}

    def named(self, name: str, options: dict[str, Any], where: tuple = ("reward",)) -> Reward:
        implementation, config = configured("reward", name, options, where + ("options",))
        key = json.dumps([name, to_wire(config)], sort_keys=True)
        if key not in self._built:
            self._built[key] = implementation(config)
        return self._built[key]

    def build(self, spec: dict, where: tuple = ("reward",)) -> Reward:
        return build_reward(spec, self, where)

    def __len__(self) -> int:
        return len(self._built)
