"""The Python escape hatch: proxies from TypeScript into objects of the bridge's own process.

TypeScript's ``bridge.python`` holds Python objects by id ("py-12") in an object table of their
own, separate from the SDK's HandleTable. Every method here takes a *target*: an object id plus
an attribute path, so that ``torch.nn.functional.relu(x)`` is one round trip
(``python.call {target: <torch>, path: ["nn", "functional", "relu"], args: [<x>]}``).

Values in both directions:

- Plain values travel by value: None, bool, int (within JavaScript's safe integer range), float
  (NaN and infinities included), str, bytes (as ``{"__pybytes__": <uint8 tensor>}``, a raw frame),
  and lists, tuples and str-keyed dicts of those,
  recursively, up to ``MAX_DEPTH`` levels and ``MAX_ITEMS`` items in all. Tuples arrive as lists.
- Anything else comes back as a reference ``{"__pyref__": id, "type": ..., "repr": ...}`` and
  stays in the table until TypeScript releases it (``python.release``).
- Arguments from TypeScript may hold references ``{"__pyref__": id}`` (optionally with a
  ``"path"`` of attribute names), bytes as ``{"__pybytes__": <uint8 tensor>}``, and tensors, which
  the server has already turned into torch tensors.

Exceptions raised by the user's Python calls are not caught here: the server turns them into an
error envelope with the exception's name, message and traceback (a PythonError in TypeScript).
"""

from __future__ import annotations

import builtins
import importlib
import itertools
import reprlib
from collections import Counter
from typing import Any, Callable

import numpy as np
import torch

from .handles import HandleTable, UnknownHandleError
from .protocol import InvalidArgument
from .tensors import _TORCH_NAMES, TENSOR_REFERENCE_KEY

REFERENCE_KEY = "__pyref__"
BYTES_KEY = "__pybytes__"
OBJECT_ID_PREFIX = "py-"

MAX_DEPTH = 32  # nesting levels sent by value; deeper values come back as a reference
MAX_ITEMS = 100_000  # container items sent by value in one result, counted over all levels
MAX_PATH = 64  # attribute names in one target path
MAX_BATCH = 1024  # items python.next may return at once
MAX_REPR = 200  # characters of the short repr sent with each reference
SMALL_TENSOR = 64  # tensors with at most this many elements get their full repr
JS_SAFE_INTEGER = 2**53 - 1  # bigger ints would lose digits as JavaScript numbers: sent as references

_NOT_PLAIN = object()
_short_repr = reprlib.Repr()
_short_repr.maxstring = MAX_REPR
_short_repr.maxother = MAX_REPR


class PythonObjectTable:
    """Objects held for TypeScript by id. Each reference sent out gets a fresh id."""

    def __init__(self) -> None:
        self._objects: dict[str, Any] = {}
        self._counter = itertools.count(1)

    def add(self, value: Any) -> str:
        object_id = f"{OBJECT_ID_PREFIX}{next(self._counter)}"
        self._objects[object_id] = value
        return object_id

    def get(self, object_id: str) -> Any:
        if object_id not in self._objects:
            raise UnknownHandleError(object_id, "python object")
        return self._objects[object_id]

    def release(self, object_id: str) -> bool:
        return self._objects.pop(object_id, _NOT_PLAIN) is not _NOT_PLAIN

    def counts_by_type(self) -> dict[str, int]:
        return dict(Counter(type_name(value) for value in self._objects.values()))

    def __contains__(self, object_id: object) -> bool:
        return object_id in self._objects

    def __len__(self) -> int:
        return len(self._objects)


def type_name(value: Any) -> str:
    """Qualified name of the value's type: "torch.Tensor", "int", "diffusers....UNet3DConditionModel"."""
    kind = type(value)
    module = getattr(kind, "__module__", None)
    return kind.__qualname__ if module in (None, "builtins") else f"{module}.{kind.__qualname__}"


def short_repr(value: Any) -> str:
    """A repr cheap enough to send with every reference: large tensors and modules are summarised."""
    try:
        if isinstance(value, torch.Tensor) and value.numel() > SMALL_TENSOR:
            text = f"tensor(shape={list(value.shape)}, dtype={value.dtype}, device={value.device})"
        elif isinstance(value, torch.nn.Module):
            parameters = sum(parameter.numel() for parameter in value.parameters())
            text = f"{type(value).__name__}(<{parameters} parameters>)"
        else:
            text = _short_repr.repr(value)
    except Exception as error:  # a broken __repr__ must not break the call that returned the object
        text = f"<{type_name(value)} object (repr failed: {type(error).__name__})>"
    return text if len(text) <= MAX_REPR else text[: MAX_REPR - 3] + "..."


def _plain(value: Any, depth: int, budget: list[int]) -> Any:
    """The value as msgpack data if it is plain (see the module docstring), else _NOT_PLAIN."""
    kind = type(value)
    if value is None or kind is bool or kind is str or kind is float:
        return value
    if kind is bytes:
        return bytes_to_wire(value)
    if kind is int:
        return value if -JS_SAFE_INTEGER <= value <= JS_SAFE_INTEGER else _NOT_PLAIN
    if depth >= MAX_DEPTH:
        return _NOT_PLAIN
    if isinstance(value, (list, tuple)):  # subclasses too: torch.Size and named tuples come back as lists
        budget[0] -= len(value)
        if budget[0] < 0:
            return _NOT_PLAIN
        items = []
        for item in value:
            plain = _plain(item, depth + 1, budget)
            if plain is _NOT_PLAIN:
                return _NOT_PLAIN
            items.append(plain)
        return items
    if isinstance(value, dict):
        budget[0] -= len(value)
        if budget[0] < 0 or REFERENCE_KEY in value or TENSOR_REFERENCE_KEY in value or BYTES_KEY in value:
            return _NOT_PLAIN  # such keys would be read as markers on the TypeScript side
        entries = {}
        for key, item in value.items():
            if type(key) is not str:
                return _NOT_PLAIN
            plain = _plain(item, depth + 1, budget)
            if plain is _NOT_PLAIN:
                return _NOT_PLAIN
            entries[key] = plain
        return entries
    return _NOT_PLAIN


def bytes_to_wire(value: bytes) -> dict[str, torch.Tensor]:
    """bytes travel as a uint8 tensor frame, as they do from TypeScript (no msgpack bin on the wire)."""
    return {BYTES_KEY: torch.from_numpy(np.frombuffer(value, dtype=np.uint8).copy())}


def plain_or_none(value: Any) -> tuple[bool, Any]:
    plain = _plain(value, 0, [MAX_ITEMS])
    return (False, None) if plain is _NOT_PLAIN else (True, plain)


class PythonObjects:
    """The handlers' shared state: the object table and the SDK's handle table."""

    def __init__(self, handles: HandleTable) -> None:
        self.handles = handles
        self.table = PythonObjectTable()

    # Values out ------------------------------------------------------------------------------

    def reference(self, value: Any) -> dict[str, Any]:
        return {REFERENCE_KEY: self.table.add(value), "type": type_name(value), "repr": short_repr(value)}

    def to_wire(self, value: Any) -> Any:
        """A plain value by value; anything else as a new reference in the table."""
        is_plain, plain = plain_or_none(value)
        return plain if is_plain else self.reference(value)

    def answer(self, value: Any, params: dict[str, Any]) -> Any:
        """to_wire, or always a reference when params.reference is true (to keep a list mutable)."""
        by_reference = params.get("reference", False)
        if not isinstance(by_reference, bool):
            raise InvalidArgument("params.reference must be a boolean")
        return self.reference(value) if by_reference else self.to_wire(value)

    # Values in -------------------------------------------------------------------------------

    def from_wire(self, value: Any, where: str) -> Any:
        """Turns references and bytes markers in an argument back into Python objects."""
        if isinstance(value, dict):
            if REFERENCE_KEY in value:
                extra = set(value) - {REFERENCE_KEY, "path"}
                if extra:
                    raise InvalidArgument(f"{where} is a reference with unexpected keys {sorted(extra)}; allowed: __pyref__, path")
                object_id = value[REFERENCE_KEY]
                if not isinstance(object_id, str):
                    raise InvalidArgument(f"{where}.__pyref__ must be an object id such as \"py-3\"")
                return follow(self.table.get(object_id), check_path(value.get("path", []), f"{where}.path"))
            if BYTES_KEY in value:
                data = value[BYTES_KEY]
                if len(value) != 1 or not isinstance(data, torch.Tensor) or data.dtype != torch.uint8 or data.dim() != 1:
                    raise InvalidArgument(f"{where}.__pybytes__ must be a 1-d uint8 tensor, alone in its map")
                return data.numpy().tobytes()
            return {key: self.from_wire(item, f"{where}.{key}") for key, item in value.items()}
        if isinstance(value, list):
            return [self.from_wire(item, f"{where}[{index}]") for index, item in enumerate(value)]
        return value

    # Targets ---------------------------------------------------------------------------------

    def resolve(self, params: dict[str, Any]) -> Any:
        """The object at params.target followed by params.path."""
        target = params.get("target")
        if not isinstance(target, str):
            raise InvalidArgument("params.target must be an object id such as \"py-3\"")
        return follow(self.table.get(target), check_path(params.get("path", []), "params.path"))

    def resolve_parent(self, params: dict[str, Any]) -> tuple[Any, str]:
        """For setattr: the object holding the last name of params.path, and that name."""
        path = check_path(params.get("path", []), "params.path")
        if not path:
            raise InvalidArgument("params.path must name the attribute to set (at least one name)")
        return self.resolve({"target": params.get("target"), "path": path[:-1]}), path[-1]


def check_path(path: Any, where: str) -> list[str]:
    if not isinstance(path, list) or not all(isinstance(name, str) and name for name in path):
        raise InvalidArgument(f"{where} must be a list of attribute names (non-empty strings)")
    if len(path) > MAX_PATH:
        raise InvalidArgument(f"{where} has {len(path)} names; at most {MAX_PATH} are allowed (await part of the chain first)")
    return path


def follow(value: Any, path: list[str]) -> Any:
    for name in path:
        value = getattr(value, name)  # AttributeError goes back as a PythonError with its traceback
    return value


def _required(params: dict[str, Any], name: str, kind: type, description: str) -> Any:
    value = params.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InvalidArgument(f"params.{name} must be {description}")
    return value


def build_python_methods(handles: HandleTable) -> dict[str, Callable[..., Any]]:
    return python_methods(PythonObjects(handles))


def python_methods(objects: PythonObjects) -> dict[str, Callable[..., Any]]:
    """The handlers, over one PythonObjects (tests build their own)."""

    def import_module(params: dict[str, Any], call: Any) -> dict[str, Any]:
        module = _required(params, "module", str, "a module name such as \"torch\" or \"torch.nn.functional\"")
        return {"value": objects.reference(importlib.import_module(module))}

    def builtins_module(params: dict[str, Any], call: Any) -> dict[str, Any]:
        return {"value": objects.reference(builtins)}

    def sdk_object(params: dict[str, Any], call: Any) -> dict[str, Any]:
        handle = _required(params, "handle", str, "an SDK handle id such as \"model-1\"")
        kind = handle.rpartition("-")[0]
        if not kind:
            raise InvalidArgument("params.handle must be an SDK handle id such as \"model-1\"")
        return {"value": objects.reference(objects.handles.get(handle, kind))}

    def get_attribute(params: dict[str, Any], call: Any) -> dict[str, Any]:
        return {"value": objects.answer(objects.resolve(params), params)}

    def set_attribute(params: dict[str, Any], call: Any) -> dict[str, Any]:
        if "value" not in params:
            raise InvalidArgument("params.value is required (null sets None)")
        owner, name = objects.resolve_parent(params)
        setattr(owner, name, objects.from_wire(params["value"], "params.value"))
        return {}

    def call_target(params: dict[str, Any], call: Any) -> dict[str, Any]:
        function = objects.resolve(params)
        args = params.get("args", [])
        kwargs = params.get("kwargs", {})
        if not isinstance(args, list):
            raise InvalidArgument("params.args must be a list of positional arguments")
        if not isinstance(kwargs, dict):
            raise InvalidArgument("params.kwargs must be a map of keyword arguments")
        if not callable(function):
            raise TypeError(f"{type_name(function)} object is not callable")
        result = function(*objects.from_wire(args, "params.args"), **objects.from_wire(kwargs, "params.kwargs"))
        return {"value": objects.answer(result, params)}

    def get_item(params: dict[str, Any], call: Any) -> dict[str, Any]:
        container = objects.resolve(params)
        return {"value": objects.to_wire(container[item_key(objects, params)])}

    def set_item(params: dict[str, Any], call: Any) -> dict[str, Any]:
        if "value" not in params:
            raise InvalidArgument("params.value is required (null sets None)")
        container = objects.resolve(params)
        container[item_key(objects, params)] = objects.from_wire(params["value"], "params.value")
        return {}

    def start_iteration(params: dict[str, Any], call: Any) -> dict[str, Any]:
        return {"iterator": objects.reference(iter(objects.resolve(params)))}

    def next_items(params: dict[str, Any], call: Any) -> dict[str, Any]:
        iterator = objects.table.get(_required(params, "iterator", str, "an iterator's object id such as \"py-3\""))
        count = params.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_BATCH:
            raise InvalidArgument(f"params.count must be an integer from 1 to {MAX_BATCH}")
        items: list[Any] = []
        for _ in range(count):
            try:
                item = next(iterator)
            except StopIteration:
                return {"items": items, "done": True}
            items.append(objects.to_wire(item))
        return {"items": items, "done": False}

    def represent(params: dict[str, Any], call: Any) -> dict[str, Any]:
        mode = params.get("mode", "repr")
        if mode not in ("repr", "str"):
            raise InvalidArgument("params.mode must be \"repr\" or \"str\"")
        value = objects.resolve(params)
        return {"text": repr(value) if mode == "repr" else str(value)}

    def to_tensor(params: dict[str, Any], call: Any) -> dict[str, Any]:
        value = objects.resolve(params)
        if not isinstance(value, torch.Tensor):
            raise InvalidArgument(f"the target is a {type_name(value)}, not a torch.Tensor; convert it in Python first (e.g. torch.as_tensor)")
        if value.dtype not in _TORCH_NAMES:
            supported = ", ".join(_TORCH_NAMES.values())
            raise InvalidArgument(f"a {value.dtype} tensor cannot travel as a frame; supported dtypes: {supported}; call .to(...) first")
        if value.layout != torch.strided or value.device.type == "meta":
            raise InvalidArgument(f"a {value.layout} tensor on {value.device} cannot travel as a frame; it needs dense storage")
        # A private contiguous CPU copy: frames leave without copying, so the bytes sent must not be
        # the live tensor's, which a call queued right behind this one could change in place.
        return {"tensor": value.detach().to(device="cpu", copy=True, memory_format=torch.contiguous_format)}

    def release(params: dict[str, Any], call: Any) -> dict[str, Any]:
        ids = params.get("ids")
        if not isinstance(ids, list) or not all(isinstance(object_id, str) for object_id in ids):
            raise InvalidArgument("params.ids must be a list of object ids such as [\"py-3\"]")
        return {"released": sum(objects.table.release(object_id) for object_id in ids)}

    def stats(params: dict[str, Any], call: Any) -> dict[str, Any]:
        ids = params.get("ids", [])
        if not isinstance(ids, list) or not all(isinstance(object_id, str) for object_id in ids):
            raise InvalidArgument("params.ids must be a list of object ids such as [\"py-3\"]")
        return {
            "live": len(objects.table),
            "byType": objects.table.counts_by_type(),
            "alive": [object_id for object_id in ids if object_id in objects.table],
        }

    return {
        "python.import": import_module,
        "python.builtins": builtins_module,
        "python.sdkObject": sdk_object,
        "python.getattr": get_attribute,
        "python.setattr": set_attribute,
        "python.call": call_target,
        "python.getitem": get_item,
        "python.setitem": set_item,
        "python.iter": start_iteration,
        "python.next": next_items,
        "python.repr": represent,
        "python.tensor": to_tensor,
        "python.release": release,
        "python.stats": stats,
    }


def item_key(objects: PythonObjects, params: dict[str, Any]) -> Any:
    """params.keys holds one key (x[k]) or several, which make a tuple as in Python (x[i, j])."""
    keys = params.get("keys")
    if not isinstance(keys, list) or not keys:
        raise InvalidArgument("params.keys must be a non-empty list: [key] for x[key], [i, j] for x[i, j]")
    resolved = objects.from_wire(keys, "params.keys")
    return resolved[0] if len(resolved) == 1 else tuple(resolved)
