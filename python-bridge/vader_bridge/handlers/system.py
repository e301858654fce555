"""system.*, prompts.builtIn and handle.release: the bridge itself."""

from __future__ import annotations

import os
import platform
import sys
import time
from typing import Any

import torch

from ..call import Call, Handler
from ..device import device_report, resolve_placement
from ..prompts import ANIMAL_ACTIVITIES
from ..protocol import PROTOCOL_VERSION, ProtocolMismatch
from .context import BridgeContext


def methods(context: BridgeContext) -> dict[str, Handler]:
    def hello(params: dict[str, Any], call: Call) -> dict[str, Any]:
        if params["protocolVersion"] != PROTOCOL_VERSION:
            raise ProtocolMismatch(f"TypeScript speaks protocol {params['protocolVersion']} but this bridge speaks {PROTOCOL_VERSION}")
        import diffusers, numpy, peft, transformers, zmq

        return {
            "protocolVersion": PROTOCOL_VERSION,
            "pid": os.getpid(),
            "python": platform.python_version(),
            "executable": sys.executable,
            "versions": {
                "torch": torch.__version__,
                "diffusers": diffusers.__version__,
                "transformers": transformers.__version__,
                "peft": peft.__version__,
                "numpy": numpy.__version__,
                "pyzmq": zmq.__version__,
            },
            "device": device_report(),
            # Where a model goes when its device and precision are left at "auto".
            "placement": resolve_placement().describe(),
        }

    def shutdown(params: dict[str, Any], call: Call) -> dict[str, Any]:
        context.stop()
        return {}

    def echo(params: dict[str, Any], call: Call) -> dict[str, Any]:
        return {"value": params.get("value")}

    def sleep(params: dict[str, Any], call: Call) -> dict[str, Any]:
        """Busy-waits in 10 ms slices, honouring cancel: for tests and health checks of long calls."""
        deadline = time.monotonic() + params["seconds"]
        while time.monotonic() < deadline:
            call.raise_if_cancelled()
            time.sleep(0.01)
        return {"slept": params["seconds"]}

    def stats(params: dict[str, Any], call: Call) -> dict[str, Any]:
        """What leaks would show: resident memory, live handles, open file descriptors, Python objects."""
        import gc

        import psutil

        process = psutil.Process()
        return {"rssBytes": process.memory_info().rss, "handles": len(context.handles), "openFiles": process.num_fds(),
                "pythonObjects": len(gc.get_objects()), "threads": process.num_threads()}

    def builtin_prompts(params: dict[str, Any], call: Call) -> dict[str, Any]:
        return {"prompts": list(ANIMAL_ACTIVITIES)}

    def release(params: dict[str, Any], call: Call) -> dict[str, Any]:
        return {"released": context.handles.release(params["handle"])}

    return {
        "system.hello": hello,
        "system.shutdown": shutdown,
        "system.echo": echo,
        "system.sleep": sleep,
        "system.stats": stats,
        "prompts.builtIn": builtin_prompts,
        "handle.release": release,
    }
