"""The table of objects that TypeScript holds by id (a loaded model, a trainer)."""

from __future__ import annotations

import itertools
from typing import Any


class UnknownHandleError(KeyError):
    def __init__(self, handle: str, expected_kind: str | None = None):
        what = f"{expected_kind} handle" if expected_kind else "handle"
        super().__init__(f"no live {what} {handle!r}: it was disposed, never existed, or belongs to another bridge")

    def __str__(self) -> str:
        return self.args[0]


class HandleTable:
    def __init__(self) -> None:
        self._objects: dict[str, Any] = {}
        self._counter = itertools.count(1)

    def add(self, kind: str, value: Any) -> str:
        handle = f"{kind}-{next(self._counter)}"
        self._objects[handle] = value
        return handle

    def get(self, handle: str, kind: str) -> Any:
        if not handle.startswith(f"{kind}-") or handle not in self._objects:
            raise UnknownHandleError(handle, kind)
        return self._objects[handle]

    def release(self, handle: str) -> bool:
        return self._objects.pop(handle, None) is not None

    def __len__(self) -> int:
        return len(self._objects)
