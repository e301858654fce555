from __future__ import annotations

import json
import os

import pytest
import torch

from support import QUICK_DDIM, add_adapter, perturb_adapter, scheduler, tiny_model
from vader_bridge.device import resolve_placement
from vader_bridge.models import TextToVideoModel, VideoModel, create_model
from vader_bridge.models.tokenizer import tokenize
from vader_bridge.prompts import ANIMAL_ACTIVITIES
from vader_bridge.registry import lookup
from vader_bridge.sampling import rollout, sample_videos


@pytest.fixture
def model() -> TextToVideoModel:
    return tiny_model()


def sample(model: VideoModel, prompts: list[str], seed: int) -> torch.Tensor:
    return sample_videos(model, scheduler(model), prompts, seed=seed)


def assert_same_weights(first: VideoModel, second: VideoModel) -> None:
    for part, module in first.parts().items():
        first_state, second_state = module.state_dict(), second.parts()[part].state_dict()
        assert first_state.keys() == second_state.keys(), part
        for key, value in first_state.items():
            assert value.dtype == second_state[key].dtype and torch.equal(value, second_state[key]), f"{part}.{key}"


def test_registered_and_described(model):
    assert lookup("model", "text-to-video") is TextToVideoModel and isinstance(model, VideoModel)
    info = model.info()
    json.dumps(info)  # plain JSON for the wire
    assert info["family"] == "text-to-video"
    assert (info["frames"], info["height"], info["width"]) == (8, 32, 32)
    assert model.latent_shape == [4, 8, 16, 16]
    assert info["device"] == str(resolve_placement().device) and info["adapterDtype"] == "float32"
    assert 1_000_000 < sum(p.numel() for p in model.unet.parameters()) < 2_000_000
    assert info["parameters"]["trainable"] == 0 and info["adapters"] == {} and info["activeAdapter"] is None
    assert info["notes"] == []  # the tiny model ships a schedule that needs no repair


def test_tiny_is_a_function_of_the_seed():
    assert_same_weights(tiny_model(seed=3), tiny_model(seed=3))
    assert not torch.equal(tiny_model(seed=3).unet.conv_in.weight, tiny_model(seed=4).unet.conv_in.weight)


def test_tiny_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    tiny_model()
    assert torch.equal(torch.rand(3), expected)


def test_save_load_round_trip_is_bit_exact(model, tmp_path):
    model.save(str(tmp_path))
    for folder in ("unet", "vae", "text_encoder", "tokenizer", "scheduler"):
        assert os.path.isdir(tmp_path / folder)
    assert json.loads((tmp_path / "vader_model.json").read_text()) == {"family": "text-to-video", "frames": 8, "height": 32, "width": 32}
    loaded = create_model({"kind": "directory", "directory": str(tmp_path)}, resolve_placement())
    assert isinstance(loaded, TextToVideoModel)
    assert_same_weights(model, loaded)
    assert loaded.noise_schedule == model.noise_schedule
    assert loaded.info() == model.info()
    assert tokenize(loaded.tokenizer, ANIMAL_ACTIVITIES).tolist() == tokenize(model.tokenizer, ANIMAL_ACTIVITIES).tolist()
    assert torch.equal(sample(loaded, ["a dog"], 5), sample(model, ["a dog"], 5))


def test_loading_dispatches_on_the_family_on_disk(model, tmp_path):
    model.save(str(tmp_path / "ours"))
    os.remove(tmp_path / "ours" / "vader_model.json")
    (tmp_path / "ours" / "model_index.json").write_text(json.dumps({"_class_name": "TextToVideoSDPipeline"}))
    loaded = create_model({"kind": "directory", "directory": str(tmp_path / "ours")}, resolve_placement())
    assert isinstance(loaded, TextToVideoModel) and loaded.frames == 16  # a ModelScope checkpoint's frame count
    (tmp_path / "ours" / "model_index.json").write_text(json.dumps({"_class_name": "FluxPipeline"}))
    with pytest.raises(ValueError, match="'FluxPipeline', which no model family loads"):
        create_model({"kind": "directory", "directory": str(tmp_path / "ours")}, resolve_placement())


def test_a_folder_can_be_loaded_at_another_size(model, tmp_path):
    model.save(str(tmp_path))
    source = {"kind": "directory", "directory": str(tmp_path), "frames": 4, "height": 48, "width": 40}
    resized = create_model(source, resolve_placement())
    assert (resized.info()["frames"], resized.info()["height"], resized.info()["width"]) == (4, 48, 40)
    assert any("not the folder's 8 of 32x32" in note for note in resized.info()["notes"])
    assert sample(resized, ["a dog"], 0).shape == (1, 4, 48, 40, 3)
    assert_same_weights(model, resized)
    with pytest.raises(ValueError, match="height 41 and width 40 must be multiples of the VAE's downsampling factor 2"):
        create_model({**source, "height": 41}, resolve_placement())


def test_load_explains_a_wrong_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="neither vader_model.json .* nor model_index.json"):
        create_model({"kind": "directory", "directory": str(tmp_path)}, resolve_placement())
    with pytest.raises(FileNotFoundError, match="lacks unet/"):
        TextToVideoModel.load(str(tmp_path), resolve_placement())


def test_save_refuses_to_mix_base_and_adapters(model, tmp_path):
    add_adapter(model, rank=2)
    with pytest.raises(ValueError, match="save_adapter"):
        model.save(str(tmp_path))


def test_add_adapter_leaves_only_its_lora_trainable(model):
    add_adapter(model, rank=4, alpha=8)
    lora = model.adapter_parameters()
    assert lora and all(parameter.requires_grad and parameter.dtype == torch.float32 for parameter in lora)
    lora_ids = {id(parameter) for parameter in lora}
    for part, module in model.parts().items():
        for name, parameter in module.named_parameters():
            assert parameter.requires_grad == (id(parameter) in lora_ids), f"{part}.{name}"
    info = model.info()
    assert info["adapters"] == {"default": {"rank": 4, "alpha": 8.0, "targetModules": ["to_k", "to_out.0", "to_q", "to_v"]}}
    assert info["activeAdapter"] == "default"
    assert info["parameters"]["trainable"] == sum(p.numel() for p in lora)
    assert all(".lora_" in key for key in model.adapter_state_dict("default"))


def test_a_name_is_added_once_until_deleted(model):
    add_adapter(model, rank=4)
    with pytest.raises(ValueError, match="delete_adapter"):
        add_adapter(model, rank=8)
    model.delete_adapter("default")
    assert model.info()["adapters"] == {} and model.active_adapter is None and model.adapter_parameters() == []
    assert not any(p.requires_grad for p in model.unet.parameters())
    add_adapter(model, rank=8)
    assert model.info()["adapters"]["default"]["rank"] == 8


def test_lora_starts_as_the_base_model(model):
    before = sample(model, ["a cat"], 1)
    add_adapter(model, rank=4)
    assert torch.equal(sample(model, ["a cat"], 1), before)


def test_named_adapters_switch_and_switch_off(model):
    base = sample(model, ["a cat"], 1)
    add_adapter(model, "first", seed=1)
    perturb_adapter(model, seed=1)
    first = sample(model, ["a cat"], 1)
    add_adapter(model, "second", seed=2)
    perturb_adapter(model, seed=2)
    second = sample(model, ["a cat"], 1)
    assert model.active_adapter == "second" and not torch.equal(first, second) and not torch.equal(first, base)
    with model.adapters_disabled():  # Diffusion-DPO's reference model
        assert torch.equal(sample(model, ["a cat"], 1), base)
    assert torch.equal(sample(model, ["a cat"], 1), second)
    assert all(parameter.requires_grad for parameter in model.adapter_parameters("second"))
    model.set_active_adapter("first")
    assert torch.equal(sample(model, ["a cat"], 1), first)
    assert not any(parameter.requires_grad for parameter in model.adapter_parameters("second"))
    model.set_active_adapter(None)
    assert torch.equal(sample(model, ["a cat"], 1), base)
    assert set(model.fingerprint()["adapters"]) == {"first", "second"}


def test_adapter_save_load_reproduces_samples_bit_exactly(model, tmp_path):
    base_sample = sample(model, ANIMAL_ACTIVITIES[:2], 7)
    add_adapter(model, rank=4, alpha=4)
    perturb_adapter(model, seed=11)
    tuned_sample = sample(model, ANIMAL_ACTIVITIES[:2], 7)
    assert not torch.equal(tuned_sample, base_sample)

    weights_path = model.save_adapter("default", str(tmp_path / "lora"))
    assert weights_path == str(tmp_path / "lora" / "adapter_model.safetensors")
    saved_config = json.loads((tmp_path / "lora" / "adapter_config.json").read_text())
    assert saved_config["r"] == 4 and saved_config["lora_alpha"] == 4

    fresh = tiny_model()
    fresh.load_adapter("tuned", str(tmp_path / "lora"))
    assert fresh.info()["adapters"]["tuned"] == model.info()["adapters"]["default"]
    assert torch.equal(sample(fresh, ANIMAL_ACTIVITIES[:2], 7), tuned_sample)
    assert fresh.fingerprint()["adapters"]["tuned"] == model.fingerprint()["adapters"]["default"]


def test_load_adapter_refuses_a_different_adapter(model, tmp_path):
    add_adapter(model, rank=4)
    model.save_adapter("default", str(tmp_path))
    other = tiny_model()
    add_adapter(other, rank=2)
    with pytest.raises(ValueError, match="delete_adapter"):
        other.load_adapter("default", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="adapter_model.safetensors"):
        other.load_adapter("default", str(tmp_path / "missing"))


def test_lora_target_modules_must_match_a_layer(model):
    from vader_bridge.models import AdapterSettings

    with pytest.raises(ValueError, match="matched no layer"):
        model.add_adapter("default", AdapterSettings(rank=4, alpha=None, target_modules=["nope"]))


def test_decode_shapes_range_and_frame_choice(model):
    latents = torch.randn(2, *model.latent_shape, generator=torch.Generator().manual_seed(0)).to(model.device)
    frames = model.decode_frames(latents)
    assert frames.shape == (2, 8, 3, 32, 32) and frames.dtype == torch.float32
    assert frames.min() >= 0 and frames.max() <= 1
    picked = model.decode_frames(latents, [5, 1])
    assert torch.allclose(picked, frames[:, [5, 1]], atol=1e-6)
    with pytest.raises(ValueError, match="frame_indices"):
        model.decode_frames(latents, [8])


def test_encode_videos_gives_latents_the_decoder_takes(model):
    frames = torch.rand(2, 8, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    latents = model.encode_videos(frames)
    assert list(latents.shape) == [2, *model.latent_shape] and latents.dtype == torch.float32
    assert model.decode_frames(latents).shape == frames.shape


def test_sample_is_uint8_video_and_seeded(model):
    video = sample(model, ["a dog", "a cat"], 0)
    assert video.dtype == torch.uint8 and video.shape == (2, 8, 32, 32, 3) and video.device.type == "cpu"
    assert torch.equal(video, sample(model, ["a dog", "a cat"], 0))
    assert not torch.equal(video, sample(model, ["a dog", "a cat"], 1))


def count_unet_calls(model: TextToVideoModel) -> list[tuple[bool, int]]:
    """Records (grad enabled, batch) for each UNet forward."""
    calls: list[tuple[bool, int]] = []
    model.unet.register_forward_pre_hook(lambda module, args: calls.append((torch.is_grad_enabled(), args[0].shape[0])))
    return calls


def run_rollout(model: TextToVideoModel, *, steps: int = 4, grad_last_steps: int = 0, guidance_scale: float = 1.0, checkpointing: bool = False):
    embeddings = model.encode_prompts(["a dog"], unconditional=guidance_scale > 1)
    return rollout(model, scheduler(model, steps), embeddings, generator=torch.Generator().manual_seed(0),
                   guidance_scale=guidance_scale, grad_last_steps=grad_last_steps, checkpointing=checkpointing)


@pytest.mark.parametrize("checkpointing", [True, False])
def test_only_the_last_k_unet_calls_build_graph(model, checkpointing):
    add_adapter(model, rank=2)
    calls = count_unet_calls(model)
    trajectory = run_rollout(model, steps=6, grad_last_steps=2, checkpointing=checkpointing)
    assert [grad for grad, _ in calls] == [False] * 4 + [True] * 2
    assert trajectory.latents.requires_grad


def test_classifier_free_guidance_doubles_the_unet_batch(model):
    calls = count_unet_calls(model)
    with torch.no_grad():
        guided = run_rollout(model, guidance_scale=7.5).latents
        plain = run_rollout(model).latents
    assert [batch for _, batch in calls] == [2] * 4 + [1] * 4
    assert not torch.equal(guided, plain)


def test_a_rollout_can_record_its_chain_and_log_probabilities(model):
    with torch.no_grad():
        embeddings = model.encode_prompts(["a dog", "a cat"])
        trajectory = rollout(model, scheduler(model), embeddings, generator=torch.Generator().manual_seed(0),
                             record_states=True, with_log_probs=True)
    assert len(trajectory.states) == 5 and torch.equal(trajectory.states[-1], trajectory.latents)
    assert trajectory.log_probs.shape == (2, 4) and torch.isfinite(trajectory.log_probs).all()
    assert trajectory.timesteps == sorted(trajectory.timesteps, reverse=True)


def lora_gradient(model: TextToVideoModel, *, steps: int, grad_last_steps: int, checkpointing: bool) -> list[torch.Tensor]:
    for parameter in model.adapter_parameters():
        parameter.grad = None
    latents = run_rollout(model, steps=steps, grad_last_steps=grad_last_steps, checkpointing=checkpointing).latents
    model.decode_frames(latents, [0]).mean().backward()
    return [parameter.grad.clone() for parameter in model.adapter_parameters()]


def test_truncated_and_full_backprop_give_finite_nonzero_gradients(model):
    add_adapter(model, rank=2)
    perturb_adapter(model, seed=0)  # B = 0 at init would leave A's gradient zero
    for grad_last_steps in (1, 4):
        gradients = lora_gradient(model, steps=4, grad_last_steps=grad_last_steps, checkpointing=True)
        norm = torch.stack([gradient.norm() for gradient in gradients]).norm()
        assert torch.isfinite(norm) and norm > 0, grad_last_steps


def test_checkpointing_does_not_change_the_gradient(model):
    add_adapter(model, rank=2)
    perturb_adapter(model, seed=0)
    with_checkpoints = lora_gradient(model, steps=4, grad_last_steps=2, checkpointing=True)
    without = lora_gradient(model, steps=4, grad_last_steps=2, checkpointing=False)
    for first, second in zip(with_checkpoints, without):
        assert torch.allclose(first, second, rtol=1e-5, atol=1e-12)


def test_rollout_rejects_k_beyond_the_schedule(model):
    with pytest.raises(ValueError, match="grad_last_steps"):
        run_rollout(model, grad_last_steps=5)


def test_half_precision_weights_with_fp32_lora():
    """The paper's mixed precision (GPU default), checked on this machine's device in bf16."""
    model = tiny_model(precision="bf16")
    add_adapter(model, rank=2)
    assert {p.dtype for p in model.unet.parameters() if not p.requires_grad} == {torch.bfloat16}
    assert model.info()["weightsDtype"] == "bfloat16"
    assert {p.dtype for p in model.adapter_parameters()} == {torch.float32}
    perturb_adapter(model, seed=0)
    gradients = lora_gradient(model, steps=2, grad_last_steps=1, checkpointing=True)
    assert all(gradient.dtype == torch.float32 and torch.isfinite(gradient).all() for gradient in gradients)
    assert any(gradient.abs().sum() > 0 for gradient in gradients)
