"""The control channel: cancel, ping and answers on a socket and thread of their own.

The main thread may be inside a training step for seconds; this thread still answers, because
torch releases the GIL in its kernels. A cancel only marks the request: handlers look at
``Call.cancelled`` at their step boundaries and stop there, leaving state consistent. An answer
to a question a handler asked mid-call (answers.py) is handed to the waiting handler.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import msgpack
import zmq

from . import protocol
from .answers import PendingAnswers


class CancelRegistry:
    """Request ids whose cancellation was asked for, shared by the two threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: set[int] = set()

    def cancel(self, request_id: int) -> None:
        with self._lock:
            self._ids.add(request_id)

    def is_cancelled(self, request_id: int) -> bool:
        with self._lock:
            return request_id in self._ids

    def forget(self, request_id: int) -> None:
        with self._lock:
            self._ids.discard(request_id)


class ControlChannel:
    def __init__(self, key: bytes, endpoint: str, cancels: CancelRegistry, log: Any, answers: PendingAnswers | None = None):
        self.key, self.cancels, self.log = key, cancels, log
        self.answers = answers if answers is not None else PendingAnswers()
        self.socket = zmq.Context.instance().socket(zmq.ROUTER)
        self.socket.linger = 0
        self.socket.bind(endpoint)
        if endpoint.startswith("ipc://"):
            os.chmod(endpoint[len("ipc://") :], 0o600)
        self._last_seq_in: dict[bytes, int] = {}
        self._next_seq_out: dict[bytes, int] = {}

    def start(self) -> None:
        threading.Thread(target=self._serve, daemon=True, name="control-channel").start()

    def _serve(self) -> None:
        while True:
            frames = self.socket.recv_multipart()
            try:
                self._handle(frames)
            except Exception as error:  # a malformed control message must never kill this thread
                self.log(f"control: dropped a message: {type(error).__name__}: {error}")

    def _handle(self, frames: list[bytes]) -> None:
        if len(frames) != 3:
            self.log(f"control: dropped a message with {len(frames)} frames")
            return
        identity, signature, header_bytes = frames
        if not protocol.signature_matches(self.key, header_bytes, signature):
            self.log("control: dropped a message with a missing or bad signature")
            return
        header = msgpack.unpackb(header_bytes, raw=False)
        if not isinstance(header, dict) or not isinstance(header.get("seq"), int):
            self.log("control: dropped a malformed header")
            return
        if header["seq"] <= self._last_seq_in.get(identity, 0):
            self.log(f"control: dropped a replayed message (seq {header['seq']})")
            return
        self._last_seq_in[identity] = header["seq"]
        kind = header.get("type")
        if kind == "cancel" and isinstance(header.get("id"), int):
            self.cancels.cancel(header["id"])
            self._send(identity, {"type": "cancel-ack", "id": header["id"]})
        elif kind == "answer" and isinstance(header.get("question"), int) and header.get("status") in ("ok", "error"):
            accepted = self.answers.deliver(header["question"], header)
            self._send(identity, {"type": "answer-ack", "question": header["question"], "accepted": accepted})
        elif kind == "ping":
            self._send(identity, {"type": "pong", "nonce": header.get("nonce"), "time": time.time()})
        else:
            self.log(f"control: dropped an unknown control message type {kind!r}")

    def _send(self, identity: bytes, header: dict[str, Any]) -> None:
        seq = self._next_seq_out.get(identity, 1)
        self._next_seq_out[identity] = seq + 1
        header_bytes = msgpack.packb({**header, "seq": seq}, use_bin_type=True)
        self.socket.send_multipart([identity, protocol.sign(self.key, header_bytes), header_bytes])
