"""Implementations from outside the package: rewards, schedulers, models or trainers that a user
(or a test) registers without editing vader_bridge.

VADER_BRIDGE_PLUGINS lists them, separated by commas: dotted module names (importable from
PYTHONPATH) or paths to .py files. Each is imported once at start-up; its `@register(...)`
decorators do the rest. A plugin declares `config_schema` (JSON Schema) for its options, since it
has no zod schema on the TypeScript side.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

PLUGINS_VARIABLE = "VADER_BRIDGE_PLUGINS"


def load_plugins(value: str | None = None) -> list[ModuleType]:
    listed = os.environ.get(PLUGINS_VARIABLE, "") if value is None else value
    return [_load(entry.strip()) for entry in listed.split(",") if entry.strip()]


def _load(entry: str) -> ModuleType:
    if not entry.endswith(".py"):
        return importlib.import_module(entry)
    path = Path(entry).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"{PLUGINS_VARIABLE} names {entry}, which is not a file")
    name = f"vader_plugin_{path.stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
