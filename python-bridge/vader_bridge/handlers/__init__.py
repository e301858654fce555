"""The methods TypeScript can call, one module per noun (src/protocol/methods.ts lists the same names).

Params arrive checked against the zod-generated schema with defaults filled in (configs.py), in
wire (camelCase) names; each handler turns them into the implementation's own config object.
Adding a model family, reward, scheduler or trainer touches none of these files: they look
implementations up in the registry.
"""

from __future__ import annotations

from typing import Callable

from ..call import Handler
from ..python_objects import build_python_methods
from . import lora, models, plots, rewards, runs, system, tensorboard, trainers, videos, world
from .context import BridgeContext


def build_methods(*, stop: Callable[[], None] = lambda: None, context: BridgeContext | None = None) -> dict[str, Handler]:
    context = context or BridgeContext(stop=stop)
    return {
        **build_python_methods(context.handles),
        **system.methods(context),
        **models.methods(context),
        **lora.methods(context),
        **rewards.methods(context),
        **trainers.methods(context),
        **runs.methods(context),
        **videos.methods(context),
        **plots.methods(context),
        **world.methods(context),
        **tensorboard.methods(context),
    }


__all__ = ["BridgeContext", "build_methods"]
