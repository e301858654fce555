"""The methods TypeScript can call (src/protocol/methods.ts lists the same names and schemas).

Wire names are camelCase; Python APIs are snake_case; conversion happens here and nowhere else.
TypeScript validates params with zod before sending; the checks here keep the bridge safe from
any client that did not.
"""

from __future__ import annotations

import hashlib
import os
import platform
import resource
import sys
import time
from typing import TYPE_CHECKING, Any, Callable

import torch

from .handles import HandleTable
from .protocol import PROTOCOL_VERSION, InvalidArgument, ProtocolMismatch
from .models.text_to_video import TextToVideoModel
from .prompts import ANIMAL_ACTIVITIES
from .python_objects import build_python_methods
from .rewards import build_reward
from .run_directory import RunDirectory
from .trainers.vader import VaderTrainer
from .video import write_video

if TYPE_CHECKING:
    from .server import BridgeServer, Call


def field(params: dict[str, Any], name: str, kind: type | tuple[type, ...], *, optional: bool = False) -> Any:
    """Reads params[name], checking its type; the error names the field and what it should be."""
    if name not in params or params[name] is None:
        if optional:
            return None
        raise InvalidArgument(f"params.{name} is required")
    value = params[name]
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise InvalidArgument(f"params.{name} must be {_kind_name(kind)}, got a boolean")
    if not isinstance(value, kind):
        raise InvalidArgument(f"params.{name} must be {_kind_name(kind)}, got {type(value).__name__}")
    return value


def bounded(params: dict[str, Any], name: str, kind: type | tuple[type, ...], low: float, high: float, *, optional: bool = False) -> Any:
    """field() plus a range check, mirroring the zod schema's bounds."""
    value = field(params, name, kind, optional=optional)
    if value is not None and not low <= value <= high:
        raise InvalidArgument(f"params.{name} must be between {low} and {high} (got {value})")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def peak_memory_bytes() -> int:
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def model_info(handle: str, model: TextToVideoModel) -> dict[str, Any]:
    info = model.info()
    lora = info.get("lora")
    return {
        "handle": handle,
        "family": info["family"],
        "frames": info["frames"],
        "height": info["height"],
        "width": info["width"],
        "parameters": {"total": info["parameters"]["total"], "trainable": info["parameters"]["trainable"]},
        "lora": None
        if lora is None
        else {"rank": lora["rank"], "alpha": float(lora["alpha"]), "targetModules": list(lora["target_modules"])},
    }


def wire_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    return {
        "step": int(metrics["step"]),
        "reward": {"mean": float(metrics["reward_mean"]), "std": float(metrics["reward_std"])},
        "loss": float(metrics["loss"]),
        "gradNorm": float(metrics["grad_norm"]),
        "lr": float(metrics["lr"]),
        "seconds": float(metrics["seconds"]),
        "peakMemoryBytes": peak_memory_bytes(),
    }


def trainer_arguments(config: dict[str, Any], frames: int) -> dict[str, Any]:
    decode = dict(config["decodeFrames"])
    if decode["mode"] == "indices":
        too_big = [index for index in decode["indices"] if index >= frames]
        if too_big:
            raise InvalidArgument(
                f"config.decodeFrames.indices must be below the model's frame count {frames} (got {too_big}); use indices 0..{frames - 1}"
            )
    if decode["mode"] == "random" and decode["count"] > frames:
        raise InvalidArgument(f"config.decodeFrames.count must be at most the model's frame count {frames} (got {decode['count']})")
    lora = config["lora"]
    return {
        "scheduler": dict(config["scheduler"]),
        "truncation": dict(config["truncation"]),
        "lora": {"rank": lora["rank"], "alpha": lora.get("alpha"), "target_modules": list(lora["targetModules"])},
        "lr": config["lr"],
        "weight_decay": config["weightDecay"],
        "max_grad_norm": config["maxGradNorm"],
        "grad_accumulation": config["gradAccumulation"],
        "batch_size": config["batchSize"],
        "guidance_scale": config["guidanceScale"],
        "decode_frames": decode,
        "seed": config["seed"],
        "checkpointing": config["checkpointing"],
    }


def fingerprint(model: TextToVideoModel) -> dict[str, Any]:
    """SHA-256 over the base weights and over the LoRA weights, so callers can prove what changed."""
    base, lora = hashlib.sha256(), hashlib.sha256()
    for part_name in ("unet", "vae", "text_encoder"):
        # peft moves a wrapped layer's weight to `<layer>.base_layer.weight`: same weight, same digest.
        weights = {name.replace(".base_layer", ""): tensor for name, tensor in getattr(model, part_name).state_dict().items()}
        for name, tensor in sorted(weights.items()):
            digest = lora if "lora_" in name else base
            digest.update(f"{part_name}.{name}".encode())
            digest.update(tensor.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return {"base": base.hexdigest(), "lora": lora.hexdigest() if model.info().get("lora") else None}


def video_for_reward(video: torch.Tensor) -> torch.Tensor:
    """uint8 [B, F, H, W, 3] (as model.sample returns) -> float [B, F, 3, H, W] in [0, 1]."""
    if video.dtype != torch.uint8 or video.dim() != 5 or video.shape[-1] != 3:
        raise InvalidArgument(f"params.video must be uint8 [batch, frames, height, width, 3], got {video.dtype} {list(video.shape)}")
    return video.permute(0, 1, 4, 2, 3).float() / 255.0


def build_methods(server: "BridgeServer") -> dict[str, Callable[[dict[str, Any], "Call"], Any]]:
    handles = HandleTable()

    def hello(params: dict[str, Any], call: "Call") -> dict[str, Any]:
        version = field(params, "protocolVersion", int)
        if version != PROTOCOL_VERSION:
            raise ProtocolMismatch(f"TypeScript speaks protocol {version} but this bridge speaks {PROTOCOL_VERSION}")
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
            "device": f"cuda ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else "cpu",
        }

    def shutdown(params: dict[str, Any], call: "Call") -> dict[str, Any]:
        server.running = False
        return {}

    def echo(params: dict[str, Any], call: "Call") -> dict[str, Any]:
        return {"value": params.get("value")}

    def sleep(params: dict[str, Any], call: "Call") -> dict[str, Any]:
        """Busy-waits in 10 ms slices, honouring cancel: for tests and health checks of long calls."""
        seconds = bounded(params, "seconds", (int, float), 0, 600)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            call.raise_if_cancelled()
            time.sleep(0.01)
        return {"slept": seconds}

    def builtin_prompts(params: dict[str, Any], call: "Call") -> dict[str, Any]:
        return {"prompts": list(ANIMAL_ACTIVITIES)}

    def release(params: dict[str, Any], call: "Call") -> dict[str, Any]:
        return {"released": handles.release(field(params, "handle", str))}

    def model_tiny(params: dict[str, Any], call: "Call") -> dict[str, Any]:
        model = TextToVideoModel.tiny(
            seed=bounded(params, "seed", int, 0, 2**63 - 1),
            frames=bounded(params, "frames", int, 1, 64),
            height=bounded(params, "height", int, 8, 512),
            width=bounded(params, "width", int, 8, 512),
        )
        return model_info(handles.add("model", model), model)

    def model_load(params: dict[str, Any], call: "Call") -> dict[str, Any]:
        model = TextToVideoModel.load(field(params, "directory", str))
        return model_info(handles.add("model", model), model)

    def model_save(params: dict[str, Any], call: "Call") -> dict[str, Any]:
        handles.get(field(params, "handle", str), "model").save(field(params, "directory", str))
        return {}

    def model_save_lora(params: dict[str, Any], call: "Call") -> dict[str, Any]:
        model = handles.get(field(params, "handle", str), "model")
        return {"path": model.save_lora(field(params, "directory", str))}

    def model_load_lora(params: dict[str, Any], call: "Call") -> dict[str, Any]:
        handle = field(params, "handle", str)
        model = handles.get(handle, "model")
        model.load_lora(field(params, "directory", str))
        return model_info(handle, model)

    def model_fingerprint(params: dict[str, Any], call: "Call") -> dict[str, Any]:
        return fingerprint(handles.get(field(params, "handle", str), "model"))

    def model_sample(params: dict[str, Any], call: "Call") -> dict[str, Any]:
        """Samples in batches of batchSize (batch k with seed + k), streaming one event per batch."""
        model = handles.get(field(params, "handle", str), "model")
        prompts = field(params, "prompts", list)
        batch_size = bounded(params, "batchSize", int, 1, 256)
        seed = field(params, "seed", int)
        batches = [prompts[start : start + batch_size] for start in range(0, len(prompts), batch_size)]
        call.emit("sample-start", {"prompts": len(prompts), "batches": len(batches)})
        videos = []
        for index, batch in enumerate(batches):
            call.raise_if_cancelled(f"after {index} of {len(batches)} batches")
            started = time.perf_counter()
            videos.append(
                model.sample(
                    batch,
                    scheduler_spec=field(params, "scheduler", dict),
                    seed=seed + index,
                    guidance_scale=float(field(params, "guidanceScale", (int, float))),
                )
            )
            done = sum(len(previous) for previous in batches[: index + 1])
            call.emit("sample-delta", {"done": done, "total": len(prompts), "seconds": time.perf_counter() - started})
        call.emit("sample-end", {"total": len(prompts)})
        return {"video": torch.cat(videos)}

    def reward_score(params: dict[str, Any], call: "Call") -> dict[str, Any]:
        reward = build_reward(field(params, "reward", dict))
        frames = video_for_reward(field(params, "video", torch.Tensor))
        prompts = field(params, "prompts", list) or [""] * frames.shape[0]  # prompt-free rewards need none
        with torch.no_grad():
            scores = reward(frames, prompts)
        return {"scores": scores.float()}

    def video_write(params: dict[str, Any], call: "Call") -> dict[str, Any]:
        path = write_video(field(params, "video", torch.Tensor), field(params, "path", str), fps=field(params, "fps", int))
        return {"path": path}

    def trainer_vader(params: dict[str, Any], call: "Call") -> dict[str, Any]:
        model_handle = field(params, "model", str)
        model = handles.get(model_handle, "model")
        reward = build_reward(field(params, "reward", dict))
        arguments = trainer_arguments(field(params, "config", dict), model.info()["frames"])
        trainer = VaderTrainer(model, reward, **arguments)
        return {"handle": handles.add("trainer", trainer), "model": model_info(model_handle, model)}

    def trainer_fit(params: dict[str, Any], call: "Call") -> dict[str, Any]:
        trainer = handles.get(field(params, "handle", str), "trainer")
        prompts = field(params, "prompts", list)
        steps = bounded(params, "steps", int, 1, 1_000_000)
        save_every = bounded(params, "saveEvery", int, 1, 1_000_000, optional=True)
        directory_path = field(params, "runDirectory", str, optional=True)
        run_directory = RunDirectory(directory_path) if directory_path else None
        call.emit("fit-start", {"steps": steps})
        last, lora_path, completed = None, None, 0
        for index in range(steps):
            if call.cancelled:
                break  # at a step boundary: the last completed step is fully on disk
            last = wire_metrics(trainer.step(prompts))
            completed = index + 1
            if run_directory:
                run_directory.append_metrics(last)
                if save_every and completed % save_every == 0:
                    lora_path = run_directory.save_lora(trainer.model)
            call.emit("fit-delta", last)
        if run_directory and completed > 0 and (save_every is None or completed % save_every != 0):
            lora_path = run_directory.save_lora(trainer.model)
        call.emit("fit-end", {"steps": completed})
        saved = f"; the metrics and LoRA of step {completed} are in {directory_path}" if run_directory and completed else ""
        call.raise_if_cancelled(f"after {completed} of {steps} steps{saved}")
        return {"steps": completed, "last": last, "loraPath": lora_path}

    return {
        **build_python_methods(handles),
        "system.hello": hello,
        "system.shutdown": shutdown,
        "system.echo": echo,
        "system.sleep": sleep,
        "prompts.builtIn": builtin_prompts,
        "handle.release": release,
        "model.tiny": model_tiny,
        "model.load": model_load,
        "model.save": model_save,
        "model.saveLora": model_save_lora,
        "model.loadLora": model_load_lora,
        "model.fingerprint": model_fingerprint,
        "model.sample": model_sample,
        "reward.score": reward_score,
        "video.write": video_write,
        "trainer.vader": trainer_vader,
        "trainer.fit": trainer_fit,
    }
