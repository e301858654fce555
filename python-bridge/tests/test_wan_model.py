"""What is Wan's own (test_model_families.py covers what every family shares): LoRA in ComfyUI's keys
both ways, decoding a prefix of the causal VAE's latent frames, Wan's frame counts and sizes, a
DDIM scheduler refused on a flow model, and Wan 2.2 A14B's two experts: the switch at the boundary,
LoRA on the chosen expert only (files marked with it, loaded by the stock pipeline), every trainer
moving that expert's LoRA alone, and where VADER's gradient reaches."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from diffusers import WanPipeline
from diffusers.loaders.lora_conversion_utils import _convert_non_diffusers_wan_lora_to_diffusers
from safetensors import safe_open
from safetensors.torch import load_file

from support import BRIGHTNESS, QUICK_BASELINES, add_adapter, make_trainer, perturb_adapter, vader_trainer
from vader_bridge.device import Placement
from vader_bridge.handlers import build_methods
from vader_bridge.models import WanModel, create_model
from vader_bridge.protocol import ConfigInvalid
from vader_bridge.rewards import build_reward
from vader_bridge.sampling import rollout, sample_videos
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




# ---- Wan 2.2 A14B: two experts ---------------------------------------------------------------------

A14B = {"seed": 0, "frames": 5, "height": 16, "width": 16, "variant": "2.2-a14b"}


@pytest.fixture(scope="module")
def a14b_folder(tmp_path_factory) -> str:
    directory = str(tmp_path_factory.mktemp("wan-a14b"))
    create_model({"kind": "tiny", "family": "wan", "options": A14B}, CPU).save(directory)
    return directory


def load_a14b(folder: str, expert: str | None = None) -> WanModel:
    return create_model({"kind": "directory", "directory": folder, **({"expert": expert} if expert else {})}, CPU)


def lora_names(module: torch.nn.Module) -> list[str]:
    return [name for name, _ in module.named_parameters() if ".lora_" in name]


def test_a_two_expert_folder_loads_both_experts_and_switches_at_the_boundary(a14b_folder):
    index = json.loads(open(f"{a14b_folder}/model_index.json").read())
    assert index["transformer_2"] == ["diffusers", "WanTransformer3DModel"] and index["boundary_ratio"] == 0.875
    model = load_a14b(a14b_folder)
    assert set(model.parts()) == {"transformer", "transformer_2", "vae", "text_encoder"} and model.boundary_timestep == 875
    assert model.expert == "low-noise" and model.denoiser is model.transformer_2 and "LoRA on the low-noise expert" in model.info()["notes"][-1]
    seen = {"transformer": [], "transformer_2": []}
    hooks = [getattr(model, name).register_forward_pre_hook(
        lambda module, args, keywords, name=name: seen[name].append(round(float(keywords["timestep"][0]))), with_kwargs=True) for name in seen]
    our_frames(model, seed=0, guidance=1.0)
    for hook in hooks:
        hook.remove()
    assert seen == {"transformer": [1000, 961], "transformer_2": [861, 126]}  # t >= 875 on the high-noise expert, as WanPipeline
    latents, text = model.initial_latents(1, torch.Generator().manual_seed(0)), model.encode_prompts(["a dog"]).conditional
    with torch.no_grad():  # the experts are different networks, so the stock comparison (test_model_families.py) can tell them apart
        assert not torch.allclose(model.transformer(latents, torch.tensor([500.0]), text, return_dict=False)[0],
                                  model.transformer_2(latents, torch.tensor([500.0]), text, return_dict=False)[0])


def test_a_batch_that_straddles_the_boundary_sends_each_video_to_its_expert(a14b_folder):
    model = load_a14b(a14b_folder)
    latents = model.initial_latents(3, torch.Generator().manual_seed(1))
    text = model.encode_prompts(["a dog", "a cat", "a dog"]).conditional
    timesteps = torch.tensor([1000.0, 126.0, 875.0])
    with torch.no_grad():
        mixed = model.denoise(latents, timesteps, text, checkpointing=False)
        alone = [model.denoise(latents[i:i + 1], timesteps[i:i + 1], text[i:i + 1], checkpointing=False) for i in range(3)]
    assert torch.allclose(mixed, torch.cat(alone), atol=1e-5)


def test_an_expert_asked_of_a_model_without_two_is_refused_with_the_field_and_the_fix(folder):
    with pytest.raises(ConfigInvalid, match=r"source\.expert.*'high-noise'.*has one transformer.*leave expert out"):
        create_model({"kind": "directory", "directory": folder, "expert": "high-noise"}, CPU)
    with pytest.raises(ConfigInvalid, match=r"expert.*'low-noise'.*has one transformer"):
        create_model({"kind": "tiny", "family": "wan", "options": {**A14B, "variant": "2.1", "expert": "low-noise"}}, CPU)
    with pytest.raises(ConfigInvalid, match=r"source\.expert.*text-to-video model has one denoiser"):
        create_model({"kind": "tiny", "family": "text-to-video", "options": {}}, CPU).choose_expert("low-noise", ("source", "expert"))


@pytest.mark.parametrize("expert", ["high-noise", "low-noise"])
def test_the_lora_goes_on_the_chosen_expert_and_its_files_load_into_that_expert_of_the_stock_pipeline(a14b_folder, expert, tmp_path):
    model = load_a14b(a14b_folder, expert)
    add_adapter(model, "run", rank=4, alpha=2.0)
    perturb_adapter(model, seed=1)
    chosen, other = (model.transformer, model.transformer_2) if expert == "high-noise" else (model.transformer_2, model.transformer)
    assert lora_names(chosen) and not lora_names(other)
    model.save_adapter("run", str(tmp_path))
    for name in ("adapter_model.safetensors", "pytorch_lora_weights.safetensors"):
        with safe_open(str(tmp_path / name), framework="pt") as handle:
            assert handle.metadata()["wan_expert"] == expert
    assert all(key.startswith("transformer.") for key in load_file(tmp_path / "pytorch_lora_weights.safetensors"))  # diffusers' keys for either
    pipeline = WanPipeline.from_pretrained(a14b_folder)
    pipeline.set_progress_bar_config(disable=True)
    pipeline.load_lora_weights(str(tmp_path), load_into_transformer_2=expert == "low-noise")
    stock = pipeline(PROMPTS, num_inference_steps=4, guidance_scale=2.0, generator=torch.Generator().manual_seed(3), output_type="np",
                     num_frames=5, height=16, width=16).frames
    stock = torch.from_numpy((np.asarray(stock) * 255).round().astype(np.uint8))
    ours = our_frames(model, seed=3, guidance=2.0)
    assert int((ours.int() - stock.int()).abs().max()) <= 2
    assert int((ours.int() - our_frames(load_a14b(a14b_folder, expert), seed=3, guidance=2.0).int()).abs().max()) > 2  # the LoRA shows
    other_expert = "low-noise" if expert == "high-noise" else "high-noise"
    with pytest.raises(ValueError, match=f"trained on the {expert} expert.*not on the {other_expert} expert.*expert '{expert}'"):
        load_a14b(a14b_folder, other_expert).load_adapter("run", str(tmp_path))
    fresh = load_a14b(a14b_folder, expert)
    fresh.load_adapter("run", str(tmp_path))
    assert int((our_frames(fresh, seed=3, guidance=2.0).int() - ours.int()).abs().max()) <= 1


@pytest.mark.parametrize(("algorithm", "expert", "k"), [("vader", "low-noise", 1), ("vader", "high-noise", 2), ("ddpo", "low-noise", None),
                                                        ("grpo", "high-noise", None), ("dpo", "low-noise", None)])
def test_every_trainer_moves_the_chosen_experts_lora_only(a14b_folder, algorithm, expert, k):
    model = load_a14b(a14b_folder, expert)
    chosen, other = (model.transformer, model.transformer_2) if expert == "high-noise" else (model.transformer_2, model.transformer)
    # 2 steps (t = 1000 | 126) for VADER and DPO; 4 (1000, 961 | 861, 126) for the policy gradients, whose final step to
    # sigma 0 is deterministic (no log-probability), so that each expert has a stochastic step (they train on the chosen expert's only).
    steps = 4 if algorithm in ("ddpo", "grpo") else 2
    config = {**QUICK_BASELINES.get(algorithm, {}), "scheduler": {"steps": steps, "eta": 0.7}, "lr": 1e-2, "guidanceScale": 1}
    if algorithm == "dpo":
        config["minRewardGap"] = 0
    if k is not None:
        config.update(truncation={"mode": "last", "k": k}, decodeFrames={"mode": "random", "count": 1})
    trainer = make_trainer(algorithm, model, **config)
    frozen = {name: tensor.clone() for part in ("vae", "text_encoder") for name, tensor in model.parts()[part].state_dict().items()}
    other_before = {name: tensor.clone() for name, tensor in other.state_dict().items()}
    before = [parameter.detach().clone() for parameter in model.adapter_parameters()]
    metrics = trainer.step(["a dog"])
    assert np.isfinite(metrics["loss"])
    assert lora_names(chosen) and not lora_names(other)
    assert all(parameter.requires_grad is False for parameter in other.parameters())
    assert all(torch.equal(tensor, other_before[name]) for name, tensor in other.state_dict().items())
    assert all(torch.equal(tensor, frozen[name]) for name, tensor in ((n, t) for part in ("vae", "text_encoder")
                                                                       for n, t in model.parts()[part].state_dict().items()))
    assert any(not torch.equal(b, a) for b, a in zip(before, model.adapter_parameters()))


def vader_gradient(model: WanModel, k: int) -> list[torch.Tensor | None]:
    """The reward gradient on the LoRA through the last k of 2 steps (t = 1000 on the high-noise expert, then 126 on the low-noise one)."""
    steps = build_scheduler({"steps": 2, "eta": 0}, model.noise_schedule_spec)
    latents = rollout(model, steps, model.encode_prompts(["a dog"]), generator=torch.Generator().manual_seed(0), grad_last_steps=k).latents
    if not latents.requires_grad:
        return [None for _ in model.adapter_parameters()]
    build_reward(BRIGHTNESS)(model.decode_frames(latents, [0]), ["a dog"]).sum().backward()
    return [parameter.grad for parameter in model.adapter_parameters()]


@pytest.mark.parametrize(("expert", "k", "reaches"), [("low-noise", 1, True), ("high-noise", 1, False), ("high-noise", 2, True)])
def test_the_vader_gradient_reaches_the_chosen_expert_only_through_steps_it_denoises_or_precedes(a14b_folder, expert, k, reaches):
    """K=1 is the low-noise expert's step: its LoRA gets the gradient; the high-noise expert's LoRA gets none (no step in the window
    runs it: the rollout carries no graph). K=2 spans the boundary: the high-noise LoRA's step is differentiated, and its effect
    reaches the reward through the frozen low-noise expert's step (through that step's input, not its weights)."""
    model = load_a14b(a14b_folder, expert)
    add_adapter(model, rank=2)
    perturb_adapter(model, seed=0)  # B = 0 at init would leave A's gradient zero
    gradient = vader_gradient(model, k)
    assert all((g is not None and bool(g.abs().sum() > 0)) == reaches for g in gradient)
    assert all(parameter.grad is None for part in model.parts().values() for name, parameter in part.named_parameters() if ".lora_" not in name)


def test_vader_refuses_a_window_that_misses_the_trained_expert(a14b_folder):
    model = load_a14b(a14b_folder, "high-noise")
    job = {"scheduler": {"steps": 4, "eta": 0}}
    with pytest.raises(ConfigInvalid, match=r"config.truncation must take the gradient through a step of the trained expert \(\[0, 1\]\); steps \[3\] are the frozen"):
        vader_trainer(model, **job, truncation={"mode": "last", "k": 1})
    with pytest.raises(ConfigInvalid, match=r"config.truncation.mode must be 'last', 'uniform' or 'steps' on a two-expert model: 'random' may draw"):
        vader_trainer(model, **job, truncation={"mode": "random", "k": 1})
    assert vader_trainer(model, **job, truncation={"mode": "last", "k": 3}).step(["a dog"])["gradNorm"] > 0
