"""Finding a user's Python function by reference: `module:function` (importable from PYTHONPATH) or
`path/to/file.py:function` (relative paths from the bridge's working directory). Every failure
says which reference, what went wrong and the fix."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..protocol import InvalidArgument
from .weight_files import file_digest


class FunctionNotLoaded(InvalidArgument):
    """A `python` reward's function could not be found or is not a function."""


@dataclass(frozen=True)
class LoadedFunction:
    reference: str  # as the user wrote it
    function: Callable[..., Any]
    source: Path | None  # the file that defines it (None for a function without one)
    sha256: str | None  # of `source` as it was when loaded

    @property
    def name(self) -> str:
        """The function's own name: the part after the last colon (and dot) of the reference."""
        return self.reference.rsplit(":", 1)[1].rsplit(".", 1)[-1]


def _refuse(reference: str, problem: str, fix: str) -> FunctionNotLoaded:
    return FunctionNotLoaded(f"the python reward's function {reference!r}: {problem}; {fix}")


def _is_path(target: str) -> bool:
    return target.endswith(".py") or "/" in target or os.sep in target


def _module_from_file(reference: str, target: str) -> Any:
    path = Path(target).expanduser().resolve()
    if not path.is_file():
        raise _refuse(reference, f"there is no file {target} (looked at {path})",
                      f"give a path that exists; a relative one is read from the bridge's working directory, {os.getcwd()}")
    # A name of its own per path, so that two files with the same stem never share a module.
    name = f"vader_reward_{path.stem}_{hashlib.sha256(str(path).encode()).hexdigest()[:12]}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise _refuse(reference, f"{path} cannot be loaded as a Python module", "name a .py file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look their module up here
    try:
        spec.loader.exec_module(module)
    except BaseException as error:
        sys.modules.pop(name, None)
        raise _refuse(reference, f"running {path} raised {type(error).__name__}: {error}", "fix the file (its traceback is below)") from error
    return module


def _imported_module(reference: str, target: str) -> Any:
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError as error:
        if error.name is not None and target.startswith(error.name) and target[len(error.name):len(error.name) + 1] in ("", "."):
            raise _refuse(reference, f"there is no module {target!r} on the bridge's Python path",
                          "put its folder on PYTHONPATH (Bridge.start({ env: { PYTHONPATH: \"/path/to/folder\" } })), "
                          f"or name the file instead: path/to/{target.rsplit('.', 1)[-1]}.py:function") from error
        raise _refuse(reference, f"importing {target!r} raised {type(error).__name__}: {error}",
                      "install what it imports in the bridge's Python environment") from error
    except BaseException as error:
        raise _refuse(reference, f"importing {target!r} raised {type(error).__name__}: {error}", "fix the module (its traceback is below)") from error


def _source_of(function: Any, module: Any) -> Path | None:
    for owner in (function, module):
        try:
            found = inspect.getsourcefile(owner)
        except TypeError:  # a built-in, or an object without a file
            found = None
        if found and Path(found).is_file():
            return Path(found).resolve()
    return None


def load_function(reference: str) -> LoadedFunction:
    """The function `reference` names, the file that defines it and that file's sha256."""
    if ":" not in reference or not reference.rsplit(":", 1)[1]:
        raise _refuse(reference, "it does not name a function", "write module:function (e.g. my_rewards:sharpness) or path/to/file.py:function")
    target, attribute = reference.rsplit(":", 1)
    module = _module_from_file(reference, target) if _is_path(target) else _imported_module(reference, target)
    found: Any = module
    for index, part in enumerate(attribute.split(".")):
        if not hasattr(found, part):
            owner = target if index == 0 else ".".join(attribute.split(".")[:index])
            defined = sorted(name for name, value in vars(found).items() if callable(value) and not name.startswith("_")) if hasattr(found, "__dict__") else []
            listing = f"; callables there: {', '.join(defined)}" if defined else ""
            raise _refuse(reference, f"{owner} has no attribute {part!r}{listing}", "check the spelling after the colon")
        found = getattr(found, part)
    if not callable(found):
        raise _refuse(reference, f"{attribute} is a {type(found).__name__}, not a function",
                      "name a function def score(frames, prompts) -> tensor [B]")
    source = _source_of(found, module)
    return LoadedFunction(reference, found, source, file_digest(source) if source is not None else None)
