"""The server's envelope handling, in-process: a Python DEALER plays the TypeScript client."""

from __future__ import annotations

import threading
from typing import Any

import msgpack
import numpy as np
import pytest
import zmq
from hypothesis import HealthCheck, given, settings, strategies as st

from vader_bridge import protocol
from vader_bridge.call import Call
from vader_bridge.server import BridgeServer

KEY = b"k" * 32


def failing_handler(params: dict[str, Any], call: Call) -> Any:
    raise ZeroDivisionError("division by zero inside a handler")


def streaming_handler(params: dict[str, Any], call: Call) -> Any:
    for index in range(params["count"]):
        call.emit("count-delta", {"index": index})
    return {"done": True}


@pytest.fixture()
def client(tmp_path):
    server = BridgeServer(key=KEY, methods={})
    server.methods.update(
        {
            "echo": lambda params, call: params,
            "fail": failing_handler,
            "stream": streaming_handler,
            "stop": lambda params, call: setattr(server, "running", False) or {},
        }
    )
    endpoint = f"ipc://{tmp_path}/bridge.sock"
    server.bind(endpoint)
    assert (tmp_path / "bridge.sock").stat().st_mode & 0o777 == 0o600  # only our user may connect
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    socket = zmq.Context.instance().socket(zmq.DEALER)
    socket.linger = 0
    socket.rcvtimeo = 3000
    socket.connect(endpoint)
    connection = Client(socket)
    yield connection
    connection.request("stop", {})
    thread.join(timeout=5)
    socket.close()


class Client:
    def __init__(self, socket: zmq.Socket):
        self.socket, self.seq, self.next_id = socket, 0, 0

    def frames(self, method: str, params: dict, tensors: list[tuple[dict, bytes]] = (), *, seq: int | None = None, key: bytes = KEY) -> list[bytes]:
        self.next_id += 1
        if seq is None:
            self.seq += 1
            seq = self.seq
        header = msgpack.packb(
            {"type": "request", "id": self.next_id, "seq": seq, "method": method, "params": params, "tensors": [d for d, _ in tensors]}
        )
        return [protocol.sign(key, header), header, *[frame for _, frame in tensors]]

    def receive(self) -> tuple[dict, list[bytes]]:
        signature, header, *tensor_frames = self.socket.recv_multipart()
        assert protocol.signature_matches(KEY, header, signature)
        return msgpack.unpackb(header), tensor_frames

    def request(self, method: str, params: dict, tensors: list[tuple[dict, bytes]] = ()) -> tuple[dict, list[bytes]]:
        self.socket.send_multipart(self.frames(method, params, tensors))
        return self.receive()

    def nothing_arrives(self, within_ms: int = 300) -> bool:
        return self.socket.poll(within_ms) == 0


def test_echo_round_trips_a_tensor_bit_exactly(client):
    values = np.array([np.nan, -0.0, np.inf, 1.5], dtype="<f4")
    header, frames = client.request("echo", {"x": {"__tensor__": 0}}, [({"dtype": "float32", "shape": [4]}, values.tobytes())])
    assert header["status"] == "ok"
    assert header["result"] == {"x": {"__tensor__": 0}}
    assert header["tensors"] == [{"dtype": "float32", "shape": [4]}]
    assert frames[0] == values.tobytes()


def test_reply_sequence_numbers_increase(client):
    first, _ = client.request("echo", {})
    second, _ = client.request("echo", {})
    assert second["seq"] > first["seq"]


def test_exception_becomes_an_error_envelope_with_traceback(client):
    header, _ = client.request("fail", {})
    assert header["status"] == "error"
    error = header["error"]
    assert error["code"] == "PYTHON_EXCEPTION"
    assert error["name"] == "ZeroDivisionError"
    assert "failing_handler" in error["traceback"]


def test_unknown_method_lists_known_ones(client):
    header, _ = client.request("nope", {})
    assert header["error"]["code"] == "UNKNOWN_METHOD"
    assert "echo" in header["error"]["message"]


def test_events_stream_before_the_reply(client):
    client.socket.send_multipart(client.frames("stream", {"count": 3}))
    received = [client.receive()[0] for _ in range(4)]
    assert [message["type"] for message in received] == ["event", "event", "event", "reply"]
    assert [message["data"]["index"] for message in received[:3]] == [0, 1, 2]


def test_unsigned_and_replayed_messages_are_dropped_and_service_goes_on(client):
    client.socket.send_multipart(client.frames("echo", {}, key=b"x" * 32))
    assert client.nothing_arrives()
    client.socket.send_multipart([b"only-one-frame"])
    assert client.nothing_arrives()
    client.request("echo", {})
    client.socket.send_multipart(client.frames("echo", {}, seq=client.seq))  # same seq again
    assert client.nothing_arrives()
    header, _ = client.request("echo", {"still": "serving"})
    assert header["result"] == {"still": "serving"}


def test_a_signed_header_python_cannot_decode_still_gets_an_answer(client):
    client.next_id += 1
    client.seq += 1
    # msgpack str holding a lone surrogate, as a buggy client could send: invalid UTF-8 for Python.
    header = msgpack.packb({"type": "request", "id": client.next_id, "seq": client.seq, "method": "echo", "params": {}, "tensors": []})
    header = header.replace(b"\xa4echo", b"\xa4\xed\xa0\x80e")
    client.socket.send_multipart([protocol.sign(KEY, header), header])
    reply, _ = client.receive()
    assert reply["id"] == client.next_id
    assert reply["error"]["code"] == "BAD_REQUEST"


def test_lying_tensor_frames_get_a_bad_request(client):
    header, _ = client.request("echo", {}, [({"dtype": "float32", "shape": [10**9, 10**9]}, b"\0" * 8)])
    assert header["error"]["code"] == "BAD_REQUEST"
    client.socket.send_multipart(client.frames("echo", {}, [({"dtype": "float32", "shape": [2]}, b"\0" * 8)])[:-1])
    header, _ = client.receive()
    assert header["error"]["code"] == "BAD_REQUEST"
    assert "1 tensors but 0 frames" in header["error"]["message"]


json_like = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats() | st.text(max_size=8) | st.binary(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
descriptor_like = json_like | st.fixed_dictionaries(
    {"dtype": st.sampled_from(["float32", "int64", "uint8", "bfloat16", "complex64"]), "shape": st.lists(st.integers(-3, 2**62), max_size=20)}
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    raw_frames=st.lists(st.binary(max_size=40), max_size=5),
    signed_header=json_like,
    lying=st.tuples(st.lists(descriptor_like, max_size=3), st.lists(st.binary(max_size=40), max_size=3)),
)
def test_fuzzed_frames_never_stop_the_service(client, raw_frames, signed_header, lying):
    # 1. random frames, unsigned; 2. signed random headers; 3. well-formed requests with lying tensors.
    client.socket.send_multipart(raw_frames or [b""])
    header_bytes = msgpack.packb(signed_header)
    client.socket.send_multipart([protocol.sign(KEY, header_bytes), header_bytes])
    descriptors, frames = lying
    client.socket.send_multipart(client.frames("echo", {"x": {"__tensor__": 0}}, list(zip(descriptors, frames)))[: 2 + len(frames)])
    # Whatever came back for the lying request is a signed error or ok reply; then valid service goes on.
    header, _ = client.request("echo", {"alive": True})
    while header.get("result") != {"alive": True}:
        assert header["type"] == "reply" and header["status"] in ("ok", "error")
        header, _ = client.receive()
