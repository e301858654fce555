"""Params and implementation configs, checked once against the JSON Schema generated from zod.

The zod schemas in src/ are the single source of every bound and default; scripts/
export-protocol-schema.ts writes them to protocol_schema.json. Here Python fills in the
defaults that schema declares, validates, and turns the result into a typed config object.
Nothing in Python repeats a bound or a default; implementations keep only the checks that need
runtime facts (a model's frame count, a noise schedule's length).

A Python-only plugin, which has no zod schema, declares ``config_schema`` (JSON Schema) on its
class and goes through the same code.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import math
import re
import types
import typing
from pathlib import Path
from typing import Any, Iterable, Mapping, TypeVar

from jsonschema import Draft202012Validator, ValidationError, validators

from .protocol import ConfigInvalid, Issue

SCHEMA_PATH = Path(__file__).with_name("protocol_schema.json")
T = TypeVar("T")
FieldPath = tuple[str | int, ...]


@functools.cache
def protocol_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def method_params_schema(method: str) -> dict[str, Any] | None:
    entry = protocol_schema()["methods"].get(method)
    return None if entry is None else entry["params"]


def built_in_config_schema(kind: str, name: str) -> dict[str, Any] | None:
    return protocol_schema()["configs"].get(kind, {}).get(name)


# JSON numbers are finite; msgpack can carry NaN and infinities, which no schema bound would catch.
def _is_finite_number(checker: Any, value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_whole_number(checker: Any, value: Any) -> bool:
    return _is_finite_number(checker, value) and float(value).is_integer()


_Validator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine_many({"number": _is_finite_number, "integer": _is_whole_number}),
)


_VALIDATORS: dict[int, tuple[Mapping[str, Any], Any]] = {}


def _validator(schema: Mapping[str, Any]) -> Any:
    """One compiled validator per schema object (schemas are long-lived: the protocol file, plugin classes)."""
    entry = _VALIDATORS.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = _VALIDATORS[id(schema)] = (schema, _Validator(schema))
    return entry[1]


def checked(schema: Mapping[str, Any], value: Any, where: FieldPath = ()) -> Any:
    """`value` with the schema's defaults filled in, or ConfigInvalid naming every bad field."""
    filled = with_defaults(schema, _copy_containers(value), schema)
    validator = _validator(schema)
    issues = [issue for error in validator.iter_errors(filled) for issue in _issues(error, where)]
    if issues:
        raise ConfigInvalid(sorted(set(issues), key=lambda issue: (tuple(map(str, issue.path)), issue.message)))
    return filled


def _copy_containers(value: Any) -> Any:
    """A copy of the dicts and lists only: leaves (tensors included) are shared, never copied."""
    if isinstance(value, dict):
        return {key: _copy_containers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_containers(item) for item in value]
    return value


# ---- defaults --------------------------------------------------------------------------------


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follows local $refs ("#" or "#/$defs/Name"), which is all zod's generator writes."""
    seen = 0
    while "$ref" in schema and seen < 64:
        reference = schema["$ref"]
        if not reference.startswith("#"):
            raise ValueError(f"only local $refs are supported, got {reference!r}")
        target: Any = root
        for part in [part for part in reference[1:].split("/") if part]:
            target = target[part]
        schema, seen = target, seen + 1
    return schema


def _discriminated(branches: list[Mapping[str, Any]], value: Any) -> int | None:
    """The index of the branch whose constant properties (zod's discriminator) `value` carries."""
    if isinstance(value, dict):
        for index, branch in enumerate(branches):
            constants = {name: sub["const"] for name, sub in branch.get("properties", {}).items() if "const" in sub}
            if constants and all(value.get(name) == constant for name, constant in constants.items()):
                return index
    return None


def _branch_for(branches: list[Mapping[str, Any]], value: Any, root: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The branch of a oneOf/anyOf that `value` chose: by discriminator, else the first it fits."""
    resolved = [_resolve(branch, root) for branch in branches]
    chosen = _discriminated(resolved, value)
    if chosen is not None:
        return resolved[chosen]
    for branch in resolved:
        # A branch may $ref the root's $defs: validate it inside a schema that carries them.
        scoped = {"$defs": root["$defs"], "allOf": [branch]} if "$defs" in root else branch
        if _Validator(scoped).is_valid(with_defaults(branch, _copy_containers(value), root)):
            return branch
    return None


def with_defaults(schema: Mapping[str, Any], value: Any, root: Mapping[str, Any]) -> Any:
    """Fills missing object properties from their `default`, recursively (mutates and returns `value`)."""
    schema = _resolve(schema, root)
    for union in ("oneOf", "anyOf"):
        if union in schema:
            branch = _branch_for(schema[union], value, root)
            return value if branch is None else with_defaults(branch, value, root)
    if isinstance(value, dict):
        for name, property_schema in schema.get("properties", {}).items():
            if name not in value and "default" in property_schema:
                value[name] = copy.deepcopy(property_schema["default"])
            if name in value:
                value[name] = with_defaults(property_schema, value[name], root)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for name in set(value) - set(schema.get("properties", {})):
                value[name] = with_defaults(extra, value[name], root)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [with_defaults(schema["items"], item, root) for item in value]
    return value


# ---- messages that read like zod's ----------------------------------------------------------


def _issues(error: ValidationError, where: FieldPath) -> Iterable[Issue]:
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches = error.validator_value
        chosen = _discriminated(branches, error.instance)
        if chosen is not None:
            for sub in error.context:
                if sub.schema_path and sub.schema_path[0] == chosen:
                    yield from _issues(sub, where)
            return
        yield Issue(where + tuple(error.absolute_path), _union_message(branches))
        return
    yield Issue(where + tuple(error.absolute_path), _message(error))


def _union_message(branches: list[Any]) -> str:
    forms = []
    for branch in branches:
        constants = [f"{name} = {json.dumps(sub['const'])}" for name, sub in branch.get("properties", {}).items() if "const" in sub]
        forms.append(", ".join(constants) or branch.get("type", "a value"))
    return f"must be one of: {'; '.join(forms)}"


def _got(value: Any) -> str:
    return json.dumps(value) if isinstance(value, (int, float, str, bool, type(None))) else type(value).__name__


# Bounds as zod words them; the value given is appended.
_BOUND_MESSAGES = {
    "minimum": "must be at least {limit}",
    "maximum": "must be at most {limit}",
    "exclusiveMinimum": "must be greater than {limit}",
    "exclusiveMaximum": "must be less than {limit}",
    "multipleOf": "must be a multiple of {limit}",
    "pattern": "must match {limit}",
}
_SIZE_MESSAGES = {
    "minItems": "must list at least {limit} item(s)",
    "maxItems": "must list at most {limit} item(s)",
    "minLength": "must be at least {limit} character(s) long",
}
_TYPE_NAMES = {"integer": "whole number", "number": "finite number"}


def _message(error: ValidationError) -> str:
    kind, limit, value = error.validator, error.validator_value, error.instance
    if kind in _BOUND_MESSAGES:
        return f"{_BOUND_MESSAGES[kind].format(limit=limit)} (got {_got(value)})"
    if kind in _SIZE_MESSAGES:
        return _SIZE_MESSAGES[kind].format(limit=limit)
    if kind == "type":
        wanted = " or ".join(_TYPE_NAMES.get(name, name) for name in (limit if isinstance(limit, list) else [limit]))
        return f"must be {'an' if wanted[0] in 'aeiou' else 'a'} {wanted} (got {_got(value)})"
    if kind in ("const", "enum"):
        allowed = [limit] if kind == "const" else limit
        return f"must be {' or '.join(json.dumps(option) for option in allowed)} (got {_got(value)})"
    if kind == "required":
        missing = [name for name in limit if isinstance(value, dict) and name not in value]
        return f"is missing required field(s) {', '.join(missing)}"
    if kind == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(value) - set(known)) if isinstance(value, dict) else []
        return f"has unknown field(s) {', '.join(unknown)}; accepted: {', '.join(known) or 'none'}"
    return error.message


# ---- typed config objects -------------------------------------------------------------------


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def from_wire(config_class: type[T], data: Mapping[str, Any]) -> T:
    """A dataclass from checked wire data: camelCase keys become snake_case fields, recursively."""
    hints = typing.get_type_hints(config_class)
    arguments = {}
    for field in dataclasses.fields(config_class):  # type: ignore[arg-type]
        key = camel_case(field.name)
        if key not in data:
            continue  # an optional field the wire left out: the dataclass says what absent means
        arguments[field.name] = _convert(hints[field.name], data[key])
    return config_class(**arguments)


def _convert(hint: Any, value: Any) -> Any:
    candidates = typing.get_args(hint) if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union else (hint,)
    for candidate in candidates:
        if dataclasses.is_dataclass(candidate) and isinstance(value, Mapping):
            return from_wire(candidate, value)
    return value


def to_wire(config: Any) -> Any:
    """The inverse of from_wire, for reports: snake_case fields back to camelCase keys; None fields left out."""
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        values = {camel_case(field.name): getattr(config, field.name) for field in dataclasses.fields(config)}
        return {key: to_wire(value) for key, value in values.items() if value is not None}
    if isinstance(config, dict):
        return {key: to_wire(value) for key, value in config.items()}
    if isinstance(config, (list, tuple)):
        return [to_wire(item) for item in config]
    return config


def build_config(config_class: type[T], schema: Mapping[str, Any], data: Any, where: FieldPath = ()) -> T:
    """Check `data` against `schema` (defaults applied) and make the implementation's config object."""
    return from_wire(config_class, checked(schema, {} if data is None else data, where))


def checked_params(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """A method's params checked against its schema, defaults filled in (the bridge's dispatch check)."""
    schema = method_params_schema(method)
    return params if schema is None else checked(schema, params)
