"""The Python escape hatch's handlers (vader_bridge.python_objects), called directly."""

from __future__ import annotations

import json
import math
import types
from pathlib import Path
from typing import Any

import msgpack
import pytest
import torch
from jsonschema import Draft202012Validator

from vader_bridge import protocol
from vader_bridge.handles import HandleTable, UnknownHandleError
from vader_bridge.protocol import InvalidArgument
from vader_bridge.python_objects import (
    BYTES_KEY,
    MAX_DEPTH,
    MAX_ITEMS,
    REFERENCE_KEY,
    PythonObjects,
    build_python_methods,
    python_methods,
    short_repr,
    type_name,
)
from vader_bridge.tensors import extract_tensors

SCHEMA = json.loads((Path(protocol.__file__).parent / "protocol_schema.json").read_text())


class Harness:
    def __init__(self) -> None:
        self.handles = HandleTable()
        self.objects = PythonObjects(self.handles)
        self.methods = python_methods(self.objects)

    def __call__(self, method: str, **params: Any) -> Any:
        result = self.methods[method](params, None)
        tensors: list[torch.Tensor] = []
        wire = extract_tensors(result, tensors)
        msgpack.packb(wire, use_bin_type=True)  # every answer must fit the wire...
        Draft202012Validator(SCHEMA["methods"][method]["result"]).validate(wire)  # ...and TypeScript's schema
        return result

    def value(self, method: str, **params: Any) -> Any:
        return self(method, **params)["value"]

    def ref(self, value: Any) -> str:
        return self.objects.reference(value)[REFERENCE_KEY]


@pytest.fixture()
def py() -> Harness:
    return Harness()


def test_the_method_list():
    assert sorted(build_python_methods(HandleTable())) == sorted(
        f"python.{name}"
        for name in (
            "import builtins sdkObject getattr setattr call getitem setitem iter next repr tensor release stats".split()
        )
    )


def test_import_gives_a_reference_with_type_and_short_repr(py: Harness):
    torch_ref = py.value("python.import", module="torch")
    assert torch_ref[REFERENCE_KEY].startswith("py-")
    assert torch_ref["type"] == "module"
    assert torch_ref["repr"].startswith("<module 'torch'")
    assert py.objects.table.get(torch_ref[REFERENCE_KEY]) is torch
    with pytest.raises(ModuleNotFoundError):
        py("python.import", module="no_such_module_here")
    with pytest.raises(InvalidArgument, match="params.module"):
        py("python.import", module=3)


def test_plain_values_come_back_by_value(py: Harness):
    math_id = py.ref(math)
    assert py.value("python.getattr", target=math_id, path=["pi"]) == math.pi
    assert math.isnan(py.value("python.getattr", target=math_id, path=["nan"]))
    assert py.value("python.getattr", target=math_id, path=["inf"]) == math.inf
    assert py.value("python.call", target=math_id, path=["sqrt"], args=[2], kwargs={}) == math.sqrt(2)
    holder = types.SimpleNamespace(
        nested={"a": (1, [2.5, None, True]), "b": "text"},
        size=torch.Size([2, 3]),
        raw=b"\x00\xff",
        safe=2**53 - 1,
    )
    holder_id = py.ref(holder)
    assert py.value("python.getattr", target=holder_id, path=["nested"]) == {"a": [1, [2.5, None, True]], "b": "text"}
    assert py.value("python.getattr", target=holder_id, path=["size"]) == [2, 3]
    assert py.value("python.getattr", target=holder_id, path=["safe"]) == 2**53 - 1
    raw = py.value("python.getattr", target=holder_id, path=["raw"])
    assert set(raw) == {BYTES_KEY} and raw[BYTES_KEY].dtype == torch.uint8 and raw[BYTES_KEY].tolist() == [0, 255]


@pytest.mark.parametrize(
    "value",
    [
        torch.zeros(2),
        2**53,  # would lose digits as a JavaScript number
        -(2**70),
        {1: "non-string key"},
        {REFERENCE_KEY: "py-1"},  # would be read as a marker by TypeScript
        {"__tensor__": 0},
        {BYTES_KEY: "x"},
        [torch.zeros(1)],  # a container with a non-plain item is one reference, not a mix
        True.__class__,  # a type
        object(),
        1 + 2j,
    ],
    ids=repr,
)
def test_other_values_come_back_as_references(py: Harness, value: Any):
    answer = py.objects.to_wire(value)
    assert isinstance(answer, dict) and set(answer) == {REFERENCE_KEY, "type", "repr"}
    assert py.objects.table.get(answer[REFERENCE_KEY]) is value


def test_depth_size_and_cycles_are_capped(py: Harness):
    deep: Any = 0
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    assert REFERENCE_KEY in py.objects.to_wire(deep)
    shallow: Any = 0
    for _ in range(MAX_DEPTH - 1):
        shallow = [shallow]
    assert not isinstance(py.objects.to_wire(shallow), dict)
    assert REFERENCE_KEY in py.objects.to_wire(list(range(MAX_ITEMS + 1)))
    assert len(py.objects.to_wire(list(range(MAX_ITEMS)))) == MAX_ITEMS
    cycle: list[Any] = []
    cycle.append(cycle)
    assert REFERENCE_KEY in py.objects.to_wire(cycle)


def test_call_resolves_references_paths_and_bytes_in_arguments(py: Harness):
    torch_id = py.ref(torch)
    x = py.value("python.call", target=torch_id, path=["ones"], args=[[2]], kwargs={"dtype": {REFERENCE_KEY: torch_id, "path": ["float64"]}})
    x_tensor = py.objects.table.get(x[REFERENCE_KEY])
    assert x["type"] == "torch.Tensor" and x_tensor.dtype == torch.float64
    total = py.value("python.call", target=torch_id, path=["add"], args=[{REFERENCE_KEY: x[REFERENCE_KEY]}, torch.tensor([1.0, 2.0])], kwargs={})
    assert py.objects.table.get(total[REFERENCE_KEY]).tolist() == [2.0, 3.0]
    length = py.value(
        "python.call", target=py.ref(len), args=[{BYTES_KEY: torch.tensor([7, 8, 9], dtype=torch.uint8)}], kwargs={}
    )
    assert length == 3
    kind = py.value("python.call", target=py.ref(type), args=[{BYTES_KEY: torch.tensor([], dtype=torch.uint8)}], kwargs={})
    assert py.objects.table.get(kind[REFERENCE_KEY]) is bytes
    with pytest.raises(InvalidArgument, match="params.args\\[0\\] is a reference with unexpected keys"):
        py("python.call", target=torch_id, path=["abs"], args=[{REFERENCE_KEY: x[REFERENCE_KEY], "extra": 1}], kwargs={})
    with pytest.raises(InvalidArgument, match="__pybytes__ must be a 1-d uint8 tensor"):
        py("python.call", target=torch_id, path=["abs"], args=[{BYTES_KEY: torch.zeros(2)}], kwargs={})
    with pytest.raises(TypeError, match="not callable"):
        py("python.call", target=py.ref(math), path=["pi"], args=[], kwargs={})


def test_reference_option_keeps_a_plain_result_in_python(py: Harness):
    holder = types.SimpleNamespace(items=[3, 1, 2])
    answer = py.value("python.getattr", target=py.ref(holder), path=["items"], reference=True)
    assert py.objects.table.get(answer[REFERENCE_KEY]) is holder.items
    made = py.value("python.call", target=py.ref(list), args=[[1]], kwargs={}, reference=True)
    assert py.objects.table.get(made[REFERENCE_KEY]) == [1]
    with pytest.raises(InvalidArgument, match="params.reference"):
        py("python.getattr", target=py.ref(holder), path=[], reference="yes")


def test_python_exceptions_pass_through_unchanged(py: Harness):
    operator = py.value("python.import", module="operator")[REFERENCE_KEY]
    with pytest.raises(ZeroDivisionError):
        py("python.call", target=operator, path=["truediv"], args=[1, 0], kwargs={})
    with pytest.raises(AttributeError, match="no_such_function"):
        py("python.getattr", target=py.ref(torch), path=["no_such_function"])


def test_setattr_getitem_and_setitem(py: Harness):
    holder = types.SimpleNamespace(table={}, grid=torch.zeros(2, 2))
    holder_id = py.ref(holder)
    py("python.setattr", target=holder_id, path=["label"], value="set from TypeScript")
    assert holder.label == "set from TypeScript"
    py("python.setattr", target=holder_id, path=["other"], value={REFERENCE_KEY: holder_id, "path": ["grid"]})
    assert holder.other is holder.grid
    with pytest.raises(InvalidArgument, match="params.path must name the attribute"):
        py("python.setattr", target=holder_id, path=[], value=1)
    py("python.setitem", target=holder_id, path=["table"], keys=["k"], value=[1, 2])
    assert holder.table == {"k": [1, 2]}
    assert py.value("python.getitem", target=holder_id, path=["table"], keys=["k"]) == [1, 2]
    py("python.setitem", target=holder_id, path=["grid"], keys=[0, 1], value=5.0)  # several keys: grid[0, 1]
    assert holder.grid.tolist() == [[0.0, 5.0], [0.0, 0.0]]
    row = py.value("python.getitem", target=holder_id, path=["grid"], keys=[[1, 0]])  # one list key: grid[[1, 0]]
    assert py.objects.table.get(row[REFERENCE_KEY]).tolist() == [[0.0, 0.0], [0.0, 5.0]]
    with pytest.raises(InvalidArgument, match="params.keys"):
        py("python.getitem", target=holder_id, path=["table"], keys=[])
    with pytest.raises(KeyError):
        py("python.getitem", target=holder_id, path=["table"], keys=["missing"])


def test_iteration_in_batches(py: Harness):
    iterator = py("python.iter", target=py.ref(range(5)))["iterator"]
    assert iterator["type"] == "range_iterator"
    iterator_id = iterator[REFERENCE_KEY]
    assert py("python.next", iterator=iterator_id, count=2) == {"items": [0, 1], "done": False}
    assert py("python.next", iterator=iterator_id, count=2) == {"items": [2, 3], "done": False}
    assert py("python.next", iterator=iterator_id, count=2) == {"items": [4], "done": True}
    assert py("python.next", iterator=iterator_id, count=2) == {"items": [], "done": True}
    tensors = py("python.iter", target=py.ref(torch.eye(2)))["iterator"][REFERENCE_KEY]
    rows = py("python.next", iterator=tensors, count=10)["items"]
    assert [row["type"] for row in rows] == ["torch.Tensor", "torch.Tensor"]
    with pytest.raises(InvalidArgument, match="params.count"):
        py("python.next", iterator=iterator_id, count=0)
    with pytest.raises(TypeError):
        py("python.iter", target=py.ref(3))


def test_repr_and_str(py: Harness):
    target = py.ref(torch.float64)
    assert py("python.repr", target=target) == {"text": "torch.float64"}
    assert py("python.repr", target=py.ref("text"), mode="str") == {"text": "text"}
    assert py("python.repr", target=py.ref("text"), mode="repr") == {"text": "'text'"}
    with pytest.raises(InvalidArgument, match="params.mode"):
        py("python.repr", target=target, mode="ascii")


def test_short_repr_is_cheap_and_never_raises():
    assert short_repr(torch.zeros(2)) == "tensor([0., 0.])"
    assert short_repr(torch.zeros(100, 100)) == "tensor(shape=[100, 100], dtype=torch.float32, device=cpu)"
    assert short_repr(torch.nn.Linear(2, 3)) == "Linear(<9 parameters>)"
    assert len(short_repr("x" * 10_000)) <= 200

    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    assert "Broken" in short_repr(Broken())  # reprlib reports a failing __repr__ instead of raising
    assert type_name(torch.zeros(1)) == "torch.Tensor"
    assert type_name(3) == "int"


def test_tensor_gives_a_private_contiguous_cpu_copy(py: Harness):
    source = torch.arange(6, dtype=torch.float32).reshape(2, 3).requires_grad_(True)
    tensor_id = py.ref(source)
    sent = py("python.tensor", target=tensor_id)["tensor"]
    assert sent.tolist() == source.tolist() and not sent.requires_grad
    with torch.no_grad():
        source.add_(1)
    assert sent.tolist() == [[0, 1, 2], [3, 4, 5]]  # the bytes on their way are not the live tensor's
    transposed = py("python.tensor", target=tensor_id, path=["T"])["tensor"]
    assert transposed.is_contiguous() and transposed.shape == (3, 2)
    with pytest.raises(InvalidArgument, match="not a torch.Tensor"):
        py("python.tensor", target=py.ref([1, 2]))
    with pytest.raises(InvalidArgument, match="complex64 tensor cannot travel"):
        py("python.tensor", target=py.ref(torch.zeros(2, dtype=torch.complex64)))
    with pytest.raises(InvalidArgument, match="dense storage"):
        py("python.tensor", target=py.ref(torch.zeros(2, device="meta")))


def test_sdk_objects_by_handle(py: Harness):
    model = types.SimpleNamespace(unet=torch.nn.Linear(4, 4))
    handle = py.handles.add("model", model)
    answer = py.value("python.sdkObject", handle=handle)
    assert py.objects.table.get(answer[REFERENCE_KEY]) is model
    unet = py.value("python.getattr", target=answer[REFERENCE_KEY], path=["unet"])
    assert unet["type"] == "torch.nn.modules.linear.Linear"
    py("python.release", ids=[answer[REFERENCE_KEY]])
    assert py.handles.get(handle, "model") is model  # releasing the proxy leaves the SDK handle alone
    with pytest.raises(UnknownHandleError):
        py("python.sdkObject", handle="model-999")
    with pytest.raises(InvalidArgument, match="params.handle"):
        py("python.sdkObject", handle="model")


def test_release_and_stats(py: Harness):
    first, second = py.ref(torch.zeros(1)), py.ref("kept")
    stats = py("python.stats", ids=[first, second, "py-999"])
    assert stats["live"] == 2 and stats["alive"] == [first, second]
    assert stats["byType"] == {"torch.Tensor": 1, "str": 1}
    assert py("python.release", ids=[first, "py-999"]) == {"released": 1}
    assert py("python.stats", ids=[first, second])["alive"] == [second]
    with pytest.raises(UnknownHandleError, match="py-"):
        py("python.getattr", target=first, path=["shape"])
    with pytest.raises(InvalidArgument, match="params.ids"):
        py("python.release", ids="py-1")


def test_target_and_path_checks(py: Harness):
    with pytest.raises(InvalidArgument, match="params.target"):
        py("python.getattr", target=3, path=[])
    with pytest.raises(InvalidArgument, match="params.path"):
        py("python.getattr", target=py.ref(math), path=["", "x"])
    with pytest.raises(InvalidArgument, match="at most 64"):
        py("python.getattr", target=py.ref(math), path=["real"] * 65)
