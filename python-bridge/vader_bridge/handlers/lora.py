"""lora.*: LoRA files in other tools' formats."""

from __future__ import annotations

import os
from typing import Any

from safetensors.torch import save_file

from ..call import Call, Handler
from ..models import lora_adapter
from ..models.wan_comfyui import to_comfyui
from ..models.wan_experts import MARK, marked_expert
from .context import BridgeContext


def methods(context: BridgeContext) -> dict[str, Handler]:
    def export(params: dict[str, Any], call: Call) -> dict[str, Any]:
        """A run's LoRA (peft's pair in `directory`) written as one .safetensors file in `format`."""
        config, state = lora_adapter.read_lora_files(params["directory"])
        converted = to_comfyui(state, float(config.lora_alpha))  # "comfyui", the one format the schema admits
        out = params["out"]
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        partial = out + ".partial"  # renamed only once complete, so a failed write leaves no file that looks whole
        expert = marked_expert(params["directory"])  # a Wan 2.2 A14B expert's LoRA keeps saying which expert it is for
        save_file(converted, partial, metadata={"format": "pt", "written_by": "vader export-lora", **({MARK: expert} if expert else {})})
        os.replace(partial, out)
        return {"path": os.path.abspath(out), "tensors": len(converted)}

    return {"lora.export": export}
