"""The bridge process: a ZeroMQ ROUTER that serves one TypeScript owner.

Started by TypeScript as ``python -m vader_bridge.server`` with the endpoint in
``VADER_BRIDGE_ENDPOINT``. The first line on stdin is the hex session key; stdin then stays
open, and EOF on it means the parent died, so the process exits at once.

Frames in:  [identity, signature, msgpack(header), tensor frames...]
Frames out: [identity, signature, msgpack(header), tensor frames...]
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

if sys.version_info < (3, 10):  # before other imports, so the message is what the user sees
    sys.exit(f"vader_bridge requires Python 3.10 or newer, not {sys.version.split()[0]}")

# No network at run time, ever: weights come from local paths or the local Hugging Face cache.
# Set before huggingface_hub is imported, since it reads these once.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import msgpack
import zmq

from . import distributed, protocol
from .answers import PendingAnswers
from .call import Call, Handler
from .control import CancelRegistry, ControlChannel
from .handles import UnknownHandleError
from .protocol import BadRequest, Cancelled, ConfigInvalid, ErrorCode, InvalidArgument, ProtocolMismatch
from .registry import UnknownNameError
from .shared_memory import SharedMemory, discard_shared_memory
from .tensors import FrameError, extract_tensors, frame_to_tensor, insert_tensors, tensor_to_frame

READY_PREFIX = "VADER_BRIDGE_READY"


def _as_bytes(frame: Any) -> bytes:
    return frame if isinstance(frame, bytes) else bytes(frame.buffer)


def log(message: str) -> None:
    print(f"[vader-bridge] {message}", file=sys.stderr, flush=True)


@dataclass
class BridgeServer:
    key: bytes
    methods: dict[str, Handler]
    # Checks params (and fills their defaults) before a handler runs: configs.checked_params in
    # the real bridge; tests of the envelope alone leave it out.
    check_params: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None
    socket: Any = None
    running: bool = True
    cancels: CancelRegistry = field(default_factory=CancelRegistry)
    answers: PendingAnswers = field(default_factory=PendingAnswers)  # questions handlers ask mid-call (answers.py)
    shared_memory: SharedMemory | None = None
    _last_seq_in: dict[bytes, int] = field(default_factory=dict)
    _next_seq_out: dict[bytes, int] = field(default_factory=dict)

    def send(self, identity: bytes, header: dict[str, Any]) -> None:
        tensors: list[Any] = []
        for body_field in ("result", "data"):
            if body_field in header:
                header[body_field] = extract_tensors(header[body_field], tensors)
        frames = [tensor_to_frame(tensor, self.shared_memory) for tensor in tensors]
        header["tensors"] = [descriptor for descriptor, _ in frames]
        seq = self._next_seq_out.get(identity, 1)
        self._next_seq_out[identity] = seq + 1
        header["seq"] = seq
        header_bytes = msgpack.packb(header, use_bin_type=True)
        signature = protocol.sign(self.key, header_bytes)
        # copy=False only pays off for tensor frames; for small headers it costs Frame objects.
        self.socket.send_multipart([identity, signature, header_bytes, *[buffer for _, buffer in frames]], copy=bool(not frames))

    def stop(self) -> None:
        """Ends the serve loop after the current reply (system.shutdown)."""
        self.running = False

    def reply_error(self, identity: bytes, request_id: int, code: str, error: BaseException) -> None:
        try:
            envelope = {
                "code": code,
                "name": type(error).__name__,
                "message": str(error),
                "traceback": "".join(traceback.format_exception(error)),
            }
            if isinstance(error, ConfigInvalid):
                envelope["issues"] = [{"path": list(issue.path), "message": issue.message} for issue in error.issues]
            self.send(identity, {"type": "reply", "id": request_id, "status": "error", "error": envelope})
        except Exception:  # an exception whose text cannot be encoded still gets an answer
            fallback = {"code": code, "name": "UnreportableError", "message": "the Python error could not be encoded", "traceback": ""}
            self.send(identity, {"type": "reply", "id": request_id, "status": "error", "error": fallback})

    def handle_frames(self, frames: list[Any]) -> None:
        """Serves one incoming message. Anything unsigned, malformed or replayed is dropped and logged."""
        if len(frames) < 3:
            log(f"dropped a message with {len(frames)} frames (need identity, signature, header)")
            return
        identity, signature, header_bytes = (_as_bytes(frame) for frame in frames[:3])
        if not protocol.signature_matches(self.key, header_bytes, signature):
            log("dropped a message with a missing or bad signature")
            return
        try:
            header = protocol.check_request_header(msgpack.unpackb(header_bytes, raw=False, strict_map_key=True))
        except (BadRequest, ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError) as error:
            self.refuse_undecodable(identity, header_bytes, error)
            return
        if header["seq"] <= self._last_seq_in.get(identity, 0):
            log(f"dropped a replayed message (seq {header['seq']})")
            return
        self._last_seq_in[identity] = header["seq"]
        self.dispatch(identity, header, frames[3:])

    def refuse_undecodable(self, identity: bytes, header_bytes: bytes, error: Exception) -> None:
        """A signed header we cannot read: answer BAD_REQUEST if its id can be found, so no caller waits forever."""
        log(f"refused a signed but malformed header: {type(error).__name__}: {error}")
        try:
            loose = msgpack.unpackb(header_bytes, raw=True, strict_map_key=False)
            request_id = loose.get(b"id") if isinstance(loose, dict) else None
        except Exception:  # not even raw msgpack: nobody to answer
            return
        if isinstance(request_id, int) and not isinstance(request_id, bool) and request_id > 0:
            self.reply_error(identity, request_id, ErrorCode.BAD_REQUEST, BadRequest(f"the request header could not be read: {error}"))

    def dispatch(self, identity: bytes, header: dict[str, Any], tensor_frames: list[Any]) -> None:
        request_id, method = header["id"], header["method"]
        call = Call(self.send, self.cancels, identity, request_id, method, self.answers)
        try:
            if len(tensor_frames) != len(header["tensors"]):
                raise BadRequest(f"header describes {len(header['tensors'])} tensors but {len(tensor_frames)} frames arrived")
            tensors = [
                frame_to_tensor(descriptor, frame, index, self.shared_memory)
                for index, (descriptor, frame) in enumerate(zip(header["tensors"], tensor_frames))
            ]
            params = insert_tensors(header["params"], tensors)
            handler = self.methods.get(method)
            if handler is None:
                known = ", ".join(sorted(self.methods))
                self.reply_error(identity, request_id, ErrorCode.UNKNOWN_METHOD, LookupError(f"unknown method {method!r}; known: {known}"))
                return
            call.raise_if_cancelled("before it started")
            if self.check_params is not None:
                params = self.check_params(method, params)
            distributed.share_call(method, params)  # a data-parallel run's followers run it too
            with call.serving():  # deep code that must ask the caller finds it (answers.py)
                result = handler(params, call)
        except distributed.GroupFailed as error:  # no answer: the launcher's report of the failed rank is the answer
            distributed.exit_after_failure(error, log)
        except Cancelled as error:
            self.reply_error(identity, request_id, ErrorCode.CANCELLED, error)
        except (BadRequest, FrameError) as error:
            discard_shared_memory(header["tensors"], self.shared_memory)
            self.reply_error(identity, request_id, ErrorCode.BAD_REQUEST, error)
        except ProtocolMismatch as error:
            self.reply_error(identity, request_id, ErrorCode.PROTOCOL_MISMATCH, error)
        except UnknownHandleError as error:
            self.reply_error(identity, request_id, ErrorCode.UNKNOWN_HANDLE, error)
        except (InvalidArgument, UnknownNameError) as error:
            self.reply_error(identity, request_id, ErrorCode.INVALID_ARGUMENT, error)
        except BaseException as error:  # any failure, SystemExit from user code included, goes back typed
            discard_shared_memory(header["tensors"], self.shared_memory)
            self.reply_error(identity, request_id, ErrorCode.PYTHON_EXCEPTION, error)
        else:
            try:
                self.send(identity, {"type": "reply", "id": request_id, "status": "ok", "result": result})
            except Exception as error:  # a result that cannot be encoded still gets an answer
                self.reply_error(identity, request_id, ErrorCode.PYTHON_EXCEPTION, error)
        finally:
            self.cancels.forget(request_id)

    def follow(self) -> None:
        """A data-parallel follower's loop: the leader's calls, through the same handlers, answered to nobody."""
        while self.running:
            try:
                method, params = distributed.next_call()
                call = Call(lambda identity, header: None, self.cancels, b"", 0, method)
                self.methods[method](params, call)
            except distributed.GroupFailed as error:
                distributed.exit_after_failure(error, log)
            except BaseException as error:  # the leader meets the same error and reports it
                log(f"{method} failed here as on the leader: {type(error).__name__}: {error}")

    def bind(self, endpoint: str) -> None:
        self.socket = zmq.Context.instance().socket(zmq.ROUTER)
        self.socket.linger = 0
        self.socket.bind(endpoint)
        if endpoint.startswith("ipc://"):
            os.chmod(endpoint[len("ipc://") :], 0o600)

    def receive(self) -> list[Any]:
        """One multipart message: the envelope frames as bytes, tensor frames as zero-copy zmq.Frames."""
        frames: list[Any] = [self.socket.recv()]
        while self.socket.rcvmore:
            frames.append(self.socket.recv(copy=len(frames) < 3))
        return frames

    def run(self) -> None:
        """Serves until a system.shutdown request (or the parent's death) ends the process."""
        try:
            while self.running:
                frames = self.receive()
                try:
                    self.handle_frames(frames)
                except Exception as error:  # one bad message must never end the service
                    log(f"dropped a message that broke the server: {type(error).__name__}: {error}")
        finally:
            self.socket.close(linger=0)


def _read_key_line(fd: int) -> bytes:
    """Reads the first line of stdin unbuffered, so the parent-watch thread can own the fd after."""
    line = bytearray()
    while not line.endswith(b"\n"):
        chunk = os.read(fd, 1)
        if not chunk:
            break
        line += chunk
    return bytes(line).strip()


def _remove_private_folders() -> None:
    """The socket folder and the shared-memory folder are ours to remove when a dead parent cannot."""
    endpoint = os.environ.get("VADER_BRIDGE_ENDPOINT", "")
    folders = [os.environ.get("VADER_BRIDGE_SHM_DIR")]
    if endpoint.startswith("ipc://"):
        folders.append(os.path.dirname(endpoint[len("ipc://") :]))
    for folder in folders:
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


def _exit_when_parent_goes(fd: int) -> None:
    """stdin stays open as long as the parent lives; EOF means it died or closed us.

    Raw os.read, not sys.stdin: a daemon thread blocked inside a buffered reader aborts
    interpreter shutdown with a fatal error.
    """
    while os.read(fd, 4096):
        pass
    _remove_private_folders()
    os._exit(0)


def _exit_when_reparented(parent: int) -> None:
    """Second watch, for a parent that died while something else still holds our stdin open."""
    while os.getppid() == parent:
        time.sleep(0.5)
    _remove_private_folders()
    os._exit(0)


def main() -> None:
    endpoint = os.environ.get("VADER_BRIDGE_ENDPOINT")
    # Under torchrun (docs/distributed.md) only the local rank 0 of TypeScript's node leads; the others follow.
    follows = distributed.launched_by_torchrun() and (not endpoint or os.environ.get("LOCAL_RANK", "0") != "0")
    if not endpoint and not follows:
        sys.exit("VADER_BRIDGE_ENDPOINT is not set: the bridge is started by the TypeScript SDK (Bridge.start())")
    key = b"" if follows else _read_session_key()
    if not follows:  # followers leave stdin alone: the key on it is the leader's
        threading.Thread(target=_exit_when_parent_goes, args=(0,), daemon=True, name="parent-watch").start()
    threading.Thread(target=_exit_when_reparented, args=(os.getppid(),), daemon=True, name="reparent-watch").start()
    # Ctrl-C in a terminal reaches the whole process group; the owner decides what it means.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    # These import torch: after the cheap checks above.
    from .configs import checked_params
    from .handlers import build_methods
    from .plugins import load_plugins

    threads = os.environ.get("VADER_TORCH_THREADS")
    if threads:
        # torch's default (one thread per core) is fastest on an idle machine, but its spinning
        # thread team stalls badly when other busy processes share the cores.
        import torch

        torch.set_num_threads(int(threads))

    load_plugins()
    group = distributed.start(wants_to_lead=not follows)
    if group is not None:
        log(f"rank {group.rank} of {group.world_size} ({group.backend}), {'leading' if group.is_leader else f'following rank {group.leader}'}")
    if follows:
        server = BridgeServer(key=key, methods={})
        server.methods.update(build_methods(stop=server.stop))
        server.follow()
        distributed.stop()
        return
    server = BridgeServer(key=key, methods={}, check_params=checked_params, shared_memory=SharedMemory.from_environment())
    server.methods.update(build_methods(stop=server.stop))
    server.bind(endpoint)
    control_endpoint = os.environ.get("VADER_BRIDGE_CONTROL_ENDPOINT")
    if control_endpoint:
        ControlChannel(key, control_endpoint, server.cancels, log, server.answers).start()
    print(f"{READY_PREFIX} {endpoint}", flush=True)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # nobody reads stdout after READY
    server.run()
    distributed.stop()


def _read_session_key() -> bytes:
    key_line = _read_key_line(0)
    try:
        key = bytes.fromhex(key_line.decode("ascii"))
    except ValueError:
        key = b""
    if len(key) < 16:
        sys.exit("the first line on stdin must be the hex session key (at least 16 bytes)")
    return key


if __name__ == "__main__":
    main()
