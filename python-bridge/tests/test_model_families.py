"""Every diffusers family (tiny, random weights, the real classes), through the folder its stock pipeline
writes: found by model_index.json, frames equal to the stock pipeline's for the same seed (with and
without a LoRA that the pipeline's load_lora_weights reads from our run files), LoRA files read back
from diffusers' format, and every trainer taking a step with the model's own scheduler."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch
from diffusers import AnimateDiffPipeline, CogVideoXPipeline, WanPipeline
from safetensors.torch import load_file

from support import QUICK_BASELINES, add_adapter, make_trainer, perturb_adapter
from vader_bridge.device import Placement
from vader_bridge.models import create_model
from vader_bridge.models.wan_experts import marked_expert
from vader_bridge.sampling import sample_videos
from vader_bridge.schedulers import build_scheduler

CPU = Placement(torch.device("cpu"), torch.float32)
PROMPTS = ["a dog playing guitar", "a cat"]
# name: (stock pipeline, frames, predictionType, scheduler, LoRA key prefix, family, tiny options beyond seed and frames)
FAMILIES = {
    "wan": (WanPipeline, 9, "flow_prediction", "flow-match", "transformer.", "wan", {"height": 32, "width": 32}),
    "wan-2.2-ti2v": (WanPipeline, 9, "flow_prediction", "flow-match", "transformer.", "wan", {"height": 32, "width": 32, "variant": "2.2-ti2v"}),
    # Two experts, LoRA on the low-noise one (transformer_2): its file keeps diffusers' `transformer.` keys and says so in its header.
    "wan-2.2-a14b": (WanPipeline, 9, "flow_prediction", "flow-match", "transformer.", "wan", {"height": 32, "width": 32, "variant": "2.2-a14b"}),
    "cogvideox": (CogVideoXPipeline, 9, "v_prediction", "ddim", "transformer.", "cogvideox", {"height": 32, "width": 32}),
    # 5B: 3D rotary position embeddings; 1.5: rotary, and 2-frame patches (9 frames = 3 latent frames, padded to 4).
    "cogvideox-5b": (CogVideoXPipeline, 9, "v_prediction", "ddim", "transformer.", "cogvideox", {"height": 32, "width": 32, "variant": "5b"}),
    "cogvideox-1.5": (CogVideoXPipeline, 9, "v_prediction", "ddim", "transformer.", "cogvideox", {"height": 32, "width": 32, "variant": "1.5"}),
    "animatediff": (AnimateDiffPipeline, 8, "epsilon", "ddim", "unet.", "animatediff", {"height": 32, "width": 32}),
}


@pytest.fixture(scope="module", params=sorted(FAMILIES))
def family(request, tmp_path_factory) -> tuple[str, str]:
    """The entry's name and a folder its tiny model was saved to."""
    directory = str(tmp_path_factory.mktemp(request.param))
    _, frames, _, _, _, family, options = FAMILIES[request.param]
    create_model({"kind": "tiny", "family": family, "options": {"seed": 0, "frames": frames, **options}}, CPU).save(directory)
    return request.param, directory


def load(folder: str):
    return create_model({"kind": "directory", "directory": folder}, CPU)


def stock_frames(name: str, folder: str, *, seed: int, guidance: float, lora: str | None = None) -> torch.Tensor:
    pipeline = FAMILIES[name][0].from_pretrained(folder)
    pipeline.set_progress_bar_config(disable=True)
    if lora is not None:
        # A low-noise expert's LoRA goes into transformer_2, as diffusers loads Wan 2.2 A14B LoRA.
        pipeline.load_lora_weights(lora, **({"load_into_transformer_2": True} if marked_expert(lora) == "low-noise" else {}))
    frames = pipeline(PROMPTS, num_inference_steps=4, guidance_scale=guidance, generator=torch.Generator().manual_seed(seed), output_type="np",
                      num_frames=FAMILIES[name][1], height=32, width=32).frames
    return torch.from_numpy((np.asarray(frames) * 255).round().astype(np.uint8))


def our_frames(model, *, seed: int, guidance: float) -> torch.Tensor:
    return sample_videos(model, build_scheduler({"steps": 4, "eta": 0}, model.noise_schedule_spec), PROMPTS, seed=seed, guidance_scale=guidance)


def most_levels_apart(ours: torch.Tensor, stock: torch.Tensor) -> int:
    assert ours.shape == stock.shape
    return int((ours.int() - stock.int()).abs().max())


def test_the_folder_is_the_stock_pipelines_and_loads_as_its_family(family):
    name, folder = family
    pipeline, frames, prediction, scheduler, _, family, _ = FAMILIES[name]
    assert json.loads(open(os.path.join(folder, "model_index.json")).read())["_class_name"] == pipeline.__name__
    model = load(folder)
    assert model.family == family and (model.frames, model.height, model.width) == (frames, 32, 32)
    assert model.prediction_type == prediction and model.default_scheduler == scheduler


@pytest.mark.parametrize("guidance", [1.0, 4.0])
def test_frames_match_the_stock_pipeline_for_the_same_seed(family, guidance):
    name, folder = family
    assert most_levels_apart(our_frames(load(folder), seed=5, guidance=guidance), stock_frames(name, folder, seed=5, guidance=guidance)) <= 2


def test_a_saved_lora_loads_into_the_stock_pipeline_and_back_into_ours(family, tmp_path):
    name, folder = family
    model = load(folder)
    add_adapter(model, "run", rank=4, alpha=2.0)  # alpha != rank: the stock loader must read the scale from our metadata
    perturb_adapter(model, seed=1)
    model.save_adapter("run", str(tmp_path))
    diffusers_file = tmp_path / "pytorch_lora_weights.safetensors"
    assert all(key.startswith(FAMILIES[name][4]) for key in load_file(diffusers_file))
    ours = our_frames(model, seed=3, guidance=2.0)
    assert most_levels_apart(ours, stock_frames(name, folder, seed=3, guidance=2.0)) > 2  # the LoRA changes the video
    assert most_levels_apart(ours, stock_frames(name, folder, seed=3, guidance=2.0, lora=str(tmp_path))) <= 2
    fresh = load(folder)
    fresh.load_adapter("imported", str(diffusers_file))
    assert fresh.describe_adapter("imported") == model.describe_adapter("run")
    assert most_levels_apart(our_frames(fresh, seed=3, guidance=2.0), ours) <= 1


@pytest.mark.parametrize("algorithm", ["vader", "ddpo", "grpo", "dpo"])
def test_every_trainer_steps_with_the_models_own_scheduler_and_moves_the_lora(family, algorithm):
    name, folder = family
    model = load(folder)
    config = {**QUICK_BASELINES.get(algorithm, {}), "scheduler": {"steps": 2, "eta": 0.7}, "lr": 1e-2, "guidanceScale": 1}
    if algorithm == "dpo":
        config["minRewardGap"] = 0  # two samples of a random model may score alike
    trainer = make_trainer(algorithm, model, **config)
    assert trainer.scheduler.name == FAMILIES[name][3]
    before = [parameter.detach().clone() for parameter in model.adapter_parameters()]
    metrics = trainer.step(["a dog"])
    assert np.isfinite(metrics["loss"]) and metrics["rewardQueries"] > 0
    assert any(not torch.equal(b, a) for b, a in zip(before, model.adapter_parameters()))
