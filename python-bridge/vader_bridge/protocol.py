"""Wire-level constants and header checks, mirroring src/protocol/*.ts (the source of truth)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, NamedTuple

PROTOCOL_VERSION = 1
SIGNATURE_BYTES = 32


class ErrorCode:
    BAD_REQUEST = "BAD_REQUEST"
    UNKNOWN_METHOD = "UNKNOWN_METHOD"
    UNKNOWN_HANDLE = "UNKNOWN_HANDLE"
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    PYTHON_EXCEPTION = "PYTHON_EXCEPTION"
    PROTOCOL_MISMATCH = "PROTOCOL_MISMATCH"
    CANCELLED = "CANCELLED"


class BadRequest(ValueError):
    """The request header is signed but malformed."""


class InvalidArgument(ValueError):
    """A method's params are well-formed on the wire but not acceptable (names the field and the fix)."""


class Issue(NamedTuple):
    """One problem with one field: `path` as zod writes it (keys and list indices), and what is wrong."""

    path: tuple[str | int, ...]
    message: str

    def describe(self) -> str:
        field = ".".join(map(str, self.path)) or "(root)"
        return f"{field} {self.message}" if self.message.startswith(("must", "is ", "has ")) else f"{field}: {self.message}"


class ConfigInvalid(InvalidArgument):
    """Params or a config failed validation in Python; reaches TypeScript as a ConfigError with `issues`."""

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        super().__init__("; ".join(issue.describe() for issue in self.issues))


class ProtocolMismatch(RuntimeError):
    pass


class Cancelled(Exception):
    """Raised by a handler that saw its call cancelled, after leaving its state consistent.

    Lives here, not in server.py: the server runs as ``__main__``, and a second import of it
    would make a second, uncatchable class.
    """


def sign(key: bytes, header: bytes) -> bytes:
    return hmac.digest(key, header, hashlib.sha256)


def signature_matches(key: bytes, header: bytes, signature: bytes) -> bool:
    return len(signature) == SIGNATURE_BYTES and hmac.compare_digest(sign(key, header), signature)


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def check_request_header(header: Any) -> dict[str, Any]:
    """Checks the request envelope (RequestHeaderSchema in src/protocol/envelope.ts)."""
    if not isinstance(header, dict):
        raise BadRequest("header must be a map")
    expected = {"type", "id", "seq", "method", "params", "tensors"}
    if set(header) != expected:
        raise BadRequest(f"header keys must be {sorted(expected)}, got {sorted(map(str, header))}")
    if header["type"] != "request":
        raise BadRequest("header.type must be 'request'")
    if not _positive_int(header["id"]) or not _positive_int(header["seq"]):
        raise BadRequest("header.id and header.seq must be positive integers")
    if not isinstance(header["method"], str) or not 0 < len(header["method"]) <= 128:
        raise BadRequest("header.method must be a non-empty string")
    if not isinstance(header["params"], dict) or not isinstance(header["tensors"], list):
        raise BadRequest("header.params must be a map and header.tensors a list")
    return header
