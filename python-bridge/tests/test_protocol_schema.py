"""The Python side checked against the JSON Schema generated from the TypeScript zod schemas."""

from __future__ import annotations

import json
from pathlib import Path

import msgpack
import pytest
from jsonschema import Draft202012Validator

from vader_bridge import protocol
from vader_bridge.configs import checked_params
from vader_bridge.handlers import build_methods
from vader_bridge.server import BridgeServer

SCHEMA = json.loads((Path(protocol.__file__).parent / "protocol_schema.json").read_text())


def validate(schema: dict, value: object) -> None:
    Draft202012Validator(schema).validate(value)


def test_versions_agree():
    assert SCHEMA["protocolVersion"] == protocol.PROTOCOL_VERSION


@pytest.mark.parametrize("kind", ["model", "reward", "scheduler", "trainer"])
def test_typescript_lists_exactly_the_implementations_python_registers(kind):
    from vader_bridge.registry import lookup, names

    built_in = {name for name in names(kind) if lookup(kind, name).__module__.startswith("vader_bridge.")}  # not test plugins
    assert set(SCHEMA["configs"][kind]) == built_in


def test_python_serves_exactly_the_methods_typescript_knows():
    assert set(build_methods()) == set(SCHEMA["methods"])


class RecordingSocket:
    def __init__(self):
        self.sent: list[dict] = []

    def send_multipart(self, frames, copy=True):
        self.sent.append(msgpack.unpackb(frames[2]))


def serve_one(method: str, params: dict, handler, check_params=None) -> list[dict]:
    server = BridgeServer(key=b"k" * 32, methods={method: handler}, check_params=check_params)
    server.socket = RecordingSocket()
    header = {"type": "request", "id": 7, "seq": 1, "method": method, "params": params, "tensors": []}
    validate(SCHEMA["envelope"]["request"], header)
    protocol.check_request_header(header)
    server.dispatch(b"peer", header, [])
    return server.socket.sent


def test_ok_replies_and_events_match_the_envelope():
    def streaming(params, call):
        call.emit("fit-delta", {"step": 1})
        return {"done": True}

    event, reply = serve_one("stream", {}, streaming)
    validate(SCHEMA["envelope"]["event"], event)
    validate(SCHEMA["envelope"]["okReply"], reply)


@pytest.mark.parametrize("exception", [RuntimeError("boom"), protocol.InvalidArgument("params.x must be positive"), protocol.Cancelled("stop")])
def test_error_replies_match_the_envelope(exception):
    def failing(params, call):
        raise exception

    (reply,) = serve_one("fail", {}, failing)
    validate(SCHEMA["envelope"]["errorReply"], reply)


def test_unknown_methods_get_an_envelope_too():
    server = BridgeServer(key=b"k" * 32, methods={})
    server.socket = RecordingSocket()
    server.dispatch(b"peer", {"type": "request", "id": 1, "seq": 1, "method": "nope", "params": {}, "tensors": []}, [])
    validate(SCHEMA["envelope"]["errorReply"], server.socket.sent[0])


def test_params_are_checked_at_dispatch_with_defaults_filled_in():
    (reply,) = serve_one("video.write", {"video": [0], "path": "x.gif"}, lambda params, call: params, checked_params)
    assert reply["status"] == "ok" and reply["result"]["fps"] == 8  # the zod default


def test_refused_params_come_back_as_issues_with_field_paths():
    params = {"source": {"kind": "tiny", "family": "text-to-video"}, "device": "gpu", "precision": "fp8"}
    (reply,) = serve_one("model.create", params, lambda params, call: params, checked_params)
    validate(SCHEMA["envelope"]["errorReply"], reply)
    error = reply["error"]
    assert error["code"] == "INVALID_ARGUMENT" and error["name"] == "ConfigInvalid"
    assert error["issues"] == [
        {"path": ["device"], "message": 'must match ^(auto|cpu|cuda(:\\d+)?)$ (got "gpu")'},
        {"path": ["precision"], "message": 'must be "auto" or "fp32" or "fp16" or "bf16" (got "fp8")'},
    ]


def test_cheap_results_match_their_method_schemas():
    methods = build_methods()
    hello = methods["system.hello"]({"protocolVersion": protocol.PROTOCOL_VERSION}, None)
    validate(SCHEMA["methods"]["system.hello"]["result"], hello)
    validate(SCHEMA["methods"]["prompts.builtIn"]["result"], methods["prompts.builtIn"]({}, None))
    validate(SCHEMA["methods"]["handle.release"]["result"], methods["handle.release"]({"handle": "model-1"}, None))
