"""Name -> implementation tables, so that TypeScript specs can name Python implementations.

Implementations register themselves with ``@register("reward", "brightness")``; asking for an
unknown name raises ``UnknownNameError`` with the list of names that do exist. `configured`
also builds the implementation's own config object from checked wire data.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from .configs import build_config, built_in_config_schema

T = TypeVar("T")

_TABLES: dict[str, dict[str, Any]] = {}


class UnknownNameError(KeyError):
    """A spec named an implementation that is not registered."""

    def __init__(self, kind: str, name: str, known: list[str]):
        self.kind, self.name, self.known = kind, name, known
        super().__init__(f"unknown {kind} {name!r}; known {kind}s: {', '.join(known) or '(none)'}")

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return self.args[0]


def register(kind: str, name: str) -> Callable[[T], T]:
    def decorate(implementation: T) -> T:
        table = _TABLES.setdefault(kind, {})
        if name in table and table[name] is not implementation:
            raise ValueError(f"{kind} {name!r} is registered twice")
        table[name] = implementation
        return implementation

    return decorate


def lookup(kind: str, name: str) -> Any:
    table = _TABLES.get(kind, {})
    if name not in table:
        raise UnknownNameError(kind, name, sorted(table))
    return table[name]


def names(kind: str) -> list[str]:
    return sorted(_TABLES.get(kind, {}))


def configured(kind: str, name: str, data: Any, where: tuple[str | int, ...] = ()) -> tuple[Any, Any]:
    """The registered implementation and its typed config, built from checked `data`.

    Built-in implementations are checked against the schema generated from their zod schema;
    a Python-only plugin declares its own JSON Schema as ``config_schema``. Each implementation
    names its config dataclass ``Config``.
    """
    implementation = lookup(kind, name)
    schema = built_in_config_schema(kind, name) or getattr(implementation, "config_schema", None)
    if schema is None:
        raise TypeError(
            f"{kind} {name!r} has no config schema: a built-in needs an entry in src/specs/implementations.ts "
            "(then run scripts/export-protocol-schema.ts); a plugin declares `config_schema` (JSON Schema) on its class"
        )
    return implementation, build_config(implementation.Config, schema, data, where)
