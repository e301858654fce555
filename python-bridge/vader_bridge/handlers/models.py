"""model.*: create, save, LoRA adapters, fingerprint, sample."""

from __future__ import annotations

import time
from typing import Any

import torch

from .. import distributed, sharding
from ..call import Call, Handler
from ..device import resolve_placement
from ..models import VideoModel, create_model
from ..protocol import Cancelled
from ..sampling import sample_videos
from ..schedulers import build_scheduler
from .context import BridgeContext


def model_info(handle: str, model: VideoModel) -> dict[str, Any]:
    return {"handle": handle, **model.info()}


def methods(context: BridgeContext) -> dict[str, Handler]:
    handles = context.handles

    def create(params: dict[str, Any], call: Call) -> dict[str, Any]:
        placement = resolve_placement(params["device"], params["precision"])
        # A data-parallel run with shardFrozenBase: each rank holds 1/N of the denoisers (sharding.py).
        model = sharding.create_sharded_model(params["source"], placement) if sharding.wanted() else create_model(params["source"], placement)
        return model_info(handles.add("model", model), model)

    def save(params: dict[str, Any], call: Call) -> dict[str, Any]:
        model: VideoModel = handles.get(params["handle"], "model")
        if sharding.is_sharded(model):
            raise ValueError("this model's denoiser is sharded over the ranks of the run (shardFrozenBase), so no rank holds its "
                             "weights to save; its base is the folder it was loaded from (save LoRA with saveLora, which works)")
        model.save(params["directory"])
        return {}

    def save_lora(params: dict[str, Any], call: Call) -> dict[str, Any]:
        model: VideoModel = handles.get(params["handle"], "model")
        adapter = params.get("adapter") or model.active_adapter
        if adapter is None:
            raise ValueError("this model has no active LoRA adapter to save; name one with `adapter`, or train or load one first")
        return {"path": model.save_adapter(adapter, params["directory"])}

    def load_lora(params: dict[str, Any], call: Call) -> dict[str, Any]:
        model: VideoModel = handles.get(params["handle"], "model")
        model.load_adapter(params["adapter"], params["directory"])
        model.set_active_adapter(params["adapter"])
        return model_info(params["handle"], model)

    def set_adapter(params: dict[str, Any], call: Call) -> dict[str, Any]:
        model: VideoModel = handles.get(params["handle"], "model")
        model.set_active_adapter(params["adapter"])
        return model_info(params["handle"], model)

    def fingerprint(params: dict[str, Any], call: Call) -> dict[str, Any]:
        return handles.get(params["handle"], "model").fingerprint()

    def sample(params: dict[str, Any], call: Call) -> dict[str, Any]:
        """Samples in batches of batchSize (batch k with seed + k), streaming one event per batch."""
        model: VideoModel = handles.get(params["handle"], "model")
        scheduler = build_scheduler(params["scheduler"], model.noise_schedule_spec)
        prompts, batch_size = params["prompts"], params["batchSize"]
        batches = [prompts[start : start + batch_size] for start in range(0, len(prompts), batch_size)]
        call.emit("sample-start", {"prompts": len(prompts), "batches": len(batches)})
        videos = []
        # A sharded model samples on every rank (distributed.SHARDED_BASE_CALLS): all stop at the leader's batch.
        every_rank = sharding.is_sharded(model)
        for index, batch in enumerate(batches):
            if distributed.leader_value(call.cancelled) if every_rank else call.cancelled:
                raise Cancelled(f"{call.method} was cancelled after {index} of {len(batches)} batches")
            started = time.perf_counter()
            videos.append(sample_videos(model, scheduler, batch, seed=params["seed"] + index, guidance_scale=params["guidanceScale"]))
            done = sum(len(previous) for previous in batches[: index + 1])
            call.emit("sample-delta", {"done": done, "total": len(prompts), "seconds": time.perf_counter() - started})
        call.emit("sample-end", {"total": len(prompts)})
        return {"video": torch.cat(videos)}

    return {
        "model.create": create,
        "model.save": save,
        "model.saveLora": save_lora,
        "model.loadLora": load_lora,
        "model.setAdapter": set_adapter,
        "model.fingerprint": fingerprint,
        "model.sample": sample,
    }
