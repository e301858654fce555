"""What is Wan's own (test_model_families.py covers what every family shares): LoRA in ComfyUI's keys
both ways, decoding a prefix of the causal VAE's latent frames, Wan's frame counts and sizes, and a
DDIM scheduler refused on a flow model."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from diffusers.loaders.lora_conversion_utils import _convert_non_diffusers_wan_lora_to_diffusers
from safetensors.torch import load_file

from support import add_adapter, perturb_adapter, vader_trainer
from vader_bridge.device import Placement
from vader_bridge.handlers import build_methods
from vader_bridge.models import WanModel, create_model
from vader_bridge.protocol import ConfigInvalid
from vader_bridge.sampling import sample_videos
from vader_bridge.schedulers import build_scheduler

CPU = Placement(torch.device("cpu"), torch.float32)
PROMPTS = ["a dog playing guitar", "a cat"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> str:
    directory = str(tmp_path_factory.mktemp("wan"))
    WanModel.tiny(WanModel.Config(seed=0, frames=9, height=32, width=32, variant="2.1"), CPU).save(directory)
    return directory


@pytest.fixture
def model(folder) -> WanModel:
    return create_model({"kind": "directory", "directory": folder}, CPU)


def our_frames(model: WanModel, *, seed: int, guidance: float, steps: int = 4) -> torch.Tensor:
    return sample_videos(model, build_scheduler({"steps": steps, "eta": 0}, model.noise_schedule_spec), PROMPTS, seed=seed, guidance_scale=guidance)


def test_loadlora_reads_diffusers_and_comfyui_files(folder, model, tmp_path):
    add_adapter(model, "run", rank=4, alpha=8.0)
    perturb_adapter(model, seed=2)
    model.save_adapter("run", str(tmp_path / "run"))
    expected = our_frames(model, seed=4, guidance=1.0)
    exported = str(tmp_path / "comfy.safetensors")
    build_methods()["lora.export"]({"directory": str(tmp_path / "run"), "format": "comfyui", "out": exported}, None)
    for source in (str(tmp_path / "run" / "pytorch_lora_weights.safetensors"), exported):
        fresh = create_model({"kind": "directory", "directory": folder}, CPU)
        fresh.load_adapter("imported", source)
        assert torch.allclose(our_frames(fresh, seed=4, guidance=1.0).float(), expected.float(), atol=1), source


def test_the_comfyui_export_converts_back_through_diffusers_own_converter(model, tmp_path):
    add_adapter(model, "run", rank=4, alpha=8.0)
    add_adapter(model, "ffn", rank=2, alpha=2.0)  # a second adapter on other layers must not leak in
    perturb_adapter(model, seed=3, name="run")
    model.save_adapter("run", str(tmp_path))
    out = str(tmp_path / "comfy.safetensors")
    result = build_methods()["lora.export"]({"directory": str(tmp_path), "format": "comfyui", "out": out}, None)
    comfy = load_file(out)
    assert result["tensors"] == len(comfy) and "diffusion_model.blocks.0.self_attn.q.lora_A.weight" in comfy
    assert "diffusion_model.blocks.1.cross_attn.o.alpha" in comfy and float(comfy["diffusion_model.blocks.1.cross_attn.o.alpha"]) == 8.0
    back = _convert_non_diffusers_wan_lora_to_diffusers(dict(comfy))
    ours = {key: value for key, value in model.adapter_state_dict("run").items()}
    assert {key.removeprefix("transformer.") for key in back} == set(ours)
    for key in (key for key in ours if ".lora_A." in key):
        up = key.replace(".lora_A.", ".lora_B.")
        # diffusers folds alpha / rank into the pair: the product is the update ComfyUI applies.
        assert torch.allclose(back["transformer." + up] @ back["transformer." + key], ours[up] @ ours[key] * 8.0 / 4, atol=1e-6)


def test_decoding_some_frames_decodes_only_the_latent_prefix_they_need(model):
    latents = model.initial_latents(1, torch.Generator().manual_seed(0))
    with torch.no_grad():
        every = model.decode_frames(latents)
        assert every.shape == (1, 9, 3, 32, 32)
        for indices in ([0], [4], [2, 8]):
            assert torch.allclose(model.decode_frames(latents, indices), every[:, indices], atol=1e-6), indices
    calls = []
    original = model.vae.decode
    model.vae.decode = lambda latents, **keywords: calls.append(latents.shape[2]) or original(latents, **keywords)
    with torch.no_grad():
        model.decode_frames(latents, [0])
    assert calls == [1]  # frame 0 alone costs one latent frame


@pytest.mark.parametrize(("size", "message"), [
    ({"frames": 8}, r"frames must be 4k \+ 1 for Wan's VAE.*got 8; try 9"),
    ({"height": 24}, r"height 24 and width 32 must be multiples of 16"),
])
def test_sizes_wan_cannot_generate_are_refused_with_both_numbers(model, size, message):
    with pytest.raises(ValueError, match=message):
        model.resize(**size)


def test_ddim_on_wan_is_refused_by_name(model):
    with pytest.raises(ConfigInvalid, match=r"'ddim' steps a diffusion noise schedule, but the wan model is trained with flow matching"):
        vader_trainer(model, scheduler={"name": "ddim", "steps": 2})


def test_a_two_expert_wan_2_2_folder_is_refused_with_what_it_is(folder, tmp_path):
    copy = shutil.copytree(folder, tmp_path / "wan22")
    index = json.loads((copy / "model_index.json").read_text())
    (copy / "model_index.json").write_text(json.dumps({**index, "transformer_2": ["diffusers", "WanTransformer3DModel"], "boundary_ratio": 0.875}))
    with pytest.raises(ValueError, match="two-expert Wan 2.2 A14B"):
        create_model({"kind": "directory", "directory": str(copy)}, CPU)
