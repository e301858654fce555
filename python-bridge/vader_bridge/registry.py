"""Name -> implementation tables, so that TypeScript specs can name Python implementations.

Implementations register themselves with ``@register("reward", "brightness")``; asking for an
unknown name raises ``UnknownNameError`` with the list of names that do exist.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

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
