"""The Python escape hatch: proxies from TypeScript into objects of the bridge's own process."""

from __future__ import annotations

from typing import Any, Callable

from .handles import HandleTable


def build_python_methods(handles: HandleTable) -> dict[str, Callable[..., Any]]:
    return {}
