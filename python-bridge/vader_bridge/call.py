"""What a method handler gets besides its params: events to its caller, and whether to stop.

Kept apart from server.py so that handlers never import the server (which imports them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .control import CancelRegistry
from .protocol import Cancelled


@dataclass
class Call:
    send: Callable[[bytes, dict[str, Any]], None]  # the server's signed send to this caller
    cancels: CancelRegistry
    identity: bytes
    request_id: int
    method: str

    @property
    def cancelled(self) -> bool:
        return self.cancels.is_cancelled(self.request_id)

    def raise_if_cancelled(self, what: str = "") -> None:
        if self.cancelled:
            raise Cancelled(f"{self.method} was cancelled{' ' + what if what else ''}")

    def emit(self, event: str, data: Any) -> None:
        self.send(self.identity, {"type": "event", "id": self.request_id, "event": event, "data": data})


Handler = Callable[[dict[str, Any], Call], Any]
