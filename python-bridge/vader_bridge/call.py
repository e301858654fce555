"""What a method handler gets besides its params: events to its caller, and whether to stop.

Kept apart from server.py so that handlers never import the server (which imports them).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from .answers import PendingAnswers
from .control import CancelRegistry
from .protocol import Cancelled


@dataclass
class Call:
    send: Callable[[bytes, dict[str, Any]], None]  # the server's signed send to this caller
    cancels: CancelRegistry
    identity: bytes
    request_id: int
    method: str
    answers: PendingAnswers = field(default_factory=PendingAnswers)  # the server's, which the control thread fills

    @property
    def cancelled(self) -> bool:
        return self.cancels.is_cancelled(self.request_id)

    def raise_if_cancelled(self, what: str = "") -> None:
        if self.cancelled:
            raise Cancelled(f"{self.method} was cancelled{' ' + what if what else ''}")

    def emit(self, event: str, data: Any) -> None:
        self.send(self.identity, {"type": "event", "id": self.request_id, "event": event, "data": data})

    def ask(self, event: str, data: dict[str, Any], timeout_s: float) -> Any:
        """Asks the caller mid-call (answers.py): emits `event` (a `<noun>-request`) with `data` and a
        fresh `question` id, and returns the result the caller answers on the control channel. Raises
        Cancelled if the call is cancelled meanwhile, QuestionFailed or QuestionTimedOut otherwise."""
        question = self.answers.open()
        self.emit(event, {**data, "question": question})
        return self.answers.wait(question, timeout_s, lambda: self.raise_if_cancelled(f"while waiting for the answer to its {event}"))


    @contextmanager
    def serving(self) -> Iterator["Call"]:
        """Makes this the call that `current_call()` returns while its handler runs (the server wraps every handler)."""
        token = _CURRENT.set(self)
        try:
            yield self
        finally:
            _CURRENT.reset(token)


_CURRENT: ContextVar[Call | None] = ContextVar("vader_bridge_current_call", default=None)


def current_call() -> Call | None:
    """The call whose handler is running, for code deep inside it that must ask its caller (a TypeScript reward); None outside one."""
    return _CURRENT.get()


Handler = Callable[[dict[str, Any], Call], Any]
