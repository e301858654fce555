"""Questions a handler asks its caller mid-call, and the answers that come back on the control channel.

A long call (a fit) sometimes needs TypeScript to compute something: a TypeScript reward function's
scores. The handler emits a `<noun>-request` event carrying a fresh question id and waits; the main
socket is not served meanwhile (the handler holds the main thread), so TypeScript answers on the
control channel (`{type: "answer", question, status, result | message}`), whose thread hands the
answer over here. The wait gives up when the call is cancelled or its time runs out, so a question
that is never answered is an error, never a hang.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

# How often a waiting handler looks at its call's cancellation.
POLL_SECONDS = 0.05


class QuestionFailed(RuntimeError):
    """The caller answered with an error (its function threw): the message is the caller's."""


class QuestionTimedOut(TimeoutError):
    """No answer came within the question's time limit."""


@dataclass
class _Open:
    arrived: threading.Event = field(default_factory=threading.Event)
    answer: dict[str, Any] | None = None


class PendingAnswers:
    """Open questions by id, shared by the main thread (which waits) and the control thread (which delivers)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[int, _Open] = {}
        self._ids = itertools.count(1)

    def open(self) -> int:
        question = next(self._ids)
        with self._lock:
            self._open[question] = _Open()
        return question

    def deliver(self, question: int, answer: dict[str, Any]) -> bool:
        """Hands an answer to its waiting question; False when none waits (answered already, or given up on)."""
        with self._lock:
            waiting = self._open.get(question)
            if waiting is None or waiting.arrived.is_set():
                return False
            waiting.answer = answer
            waiting.arrived.set()
            return True

    def wait(self, question: int, timeout_s: float, stop: Callable[[], None]) -> Any:
        """The answer's result. `stop` is called while waiting and raises to give up (a cancelled call);
        raises QuestionFailed for an error answer and QuestionTimedOut after `timeout_s`."""
        with self._lock:
            waiting = self._open[question]
        try:
            deadline = time.monotonic() + timeout_s
            while not waiting.arrived.wait(POLL_SECONDS):
                stop()
                if time.monotonic() >= deadline:
                    raise QuestionTimedOut(f"no answer within {timeout_s:g} s")
            answer = waiting.answer or {}
            if answer.get("status") != "ok":
                raise QuestionFailed(str(answer.get("message", "the caller answered with an error and no message")))
            return answer.get("result")
        finally:
            with self._lock:
                self._open.pop(question, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)
