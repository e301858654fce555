from __future__ import annotations

import json
import os

import pytest
import torch

from vader_bridge.models import TextToVideoModel
from vader_bridge.models.tokenizer import tokenize
from vader_bridge.prompts import ANIMAL_ACTIVITIES
from vader_bridge.registry import lookup
from vader_bridge.schedulers import build_scheduler

QUICK_DDIM = {"name": "ddim", "steps": 4, "eta": 1.0}
PARTS = ("unet", "vae", "text_encoder")


@pytest.fixture
def tiny_model() -> TextToVideoModel:
    return TextToVideoModel.tiny(seed=0)


def assert_same_weights(first: TextToVideoModel, second: TextToVideoModel) -> None:
    for part in PARTS:
        first_state, second_state = getattr(first, part).state_dict(), getattr(second, part).state_dict()
        assert first_state.keys() == second_state.keys(), part
        for key, value in first_state.items():
            assert value.dtype == second_state[key].dtype and torch.equal(value, second_state[key]), f"{part}.{key}"


def perturb_lora(model: TextToVideoModel, seed: int) -> None:
    """Stand-in for training: visible, reproducible LoRA weights."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.lora_parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.3)


def test_registered_and_described(tiny_model):
    assert lookup("model", "text-to-video") is TextToVideoModel
    info = tiny_model.info()
    json.dumps(info)  # plain JSON for the wire
    assert info["family"] == "text-to-video"
    assert (info["frames"], info["height"], info["width"]) == (8, 32, 32)
    assert info["latent_shape"] == [4, 8, 16, 16]
    assert 1_000_000 < info["parameters"]["unet"] < 2_000_000
    assert info["parameters"]["trainable"] == 0 and info["lora"] is None


def test_tiny_is_a_function_of_the_seed():
    assert_same_weights(TextToVideoModel.tiny(seed=3), TextToVideoModel.tiny(seed=3))
    other = TextToVideoModel.tiny(seed=4)
    assert not torch.equal(TextToVideoModel.tiny(seed=3).unet.conv_in.weight, other.unet.conv_in.weight)


def test_tiny_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    TextToVideoModel.tiny(seed=0)
    assert torch.equal(torch.rand(3), expected)


def test_save_load_round_trip_is_bit_exact(tiny_model, tmp_path):
    tiny_model.save(str(tmp_path))
    for folder in ("unet", "vae", "text_encoder", "tokenizer", "scheduler"):
        assert os.path.isdir(tmp_path / folder)
    assert json.loads((tmp_path / "vader_model.json").read_text()) == {
        "family": "text-to-video", "frames": 8, "height": 32, "width": 32,
    }
    loaded = TextToVideoModel.load(str(tmp_path))
    assert_same_weights(tiny_model, loaded)
    assert loaded.scheduler_config == tiny_model.scheduler_config
    assert loaded.info() == tiny_model.info()
    assert tokenize(loaded.tokenizer, ANIMAL_ACTIVITIES).tolist() == tokenize(tiny_model.tokenizer, ANIMAL_ACTIVITIES).tolist()
    assert torch.equal(
        loaded.sample(["a dog"], scheduler_spec=QUICK_DDIM, seed=5),
        tiny_model.sample(["a dog"], scheduler_spec=QUICK_DDIM, seed=5),
    )


def test_load_explains_a_wrong_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="lacks unet/"):
        TextToVideoModel.load(str(tmp_path))


def test_save_refuses_to_mix_base_and_adapter(tiny_model, tmp_path):
    tiny_model.add_lora(rank=2)
    with pytest.raises(ValueError, match="save_lora"):
        tiny_model.save(str(tmp_path))


def test_add_lora_leaves_only_lora_trainable(tiny_model):
    tiny_model.add_lora(rank=4, alpha=8)
    lora = tiny_model.lora_parameters()
    assert lora and all(parameter.requires_grad for parameter in lora)
    lora_ids = {id(parameter) for parameter in lora}
    for part in PARTS:
        for name, parameter in getattr(tiny_model, part).named_parameters():
            assert parameter.requires_grad == (id(parameter) in lora_ids), name
    info = tiny_model.info()
    assert info["lora"] == {"rank": 4, "alpha": 8.0, "target_modules": ["to_k", "to_out.0", "to_q", "to_v"]}
    assert info["parameters"]["trainable"] == info["parameters"]["lora"] == sum(p.numel() for p in lora)
    assert set(tiny_model.lora_state_dict()) and all(".lora_" in key for key in tiny_model.lora_state_dict())


def test_add_lora_twice_is_refused_until_removed(tiny_model):
    tiny_model.add_lora(rank=4)
    with pytest.raises(ValueError, match="remove_lora"):
        tiny_model.add_lora(rank=8)
    tiny_model.remove_lora()
    assert tiny_model.info()["lora"] is None and tiny_model.lora_parameters() == []
    assert not any(p.requires_grad for p in tiny_model.unet.parameters())
    tiny_model.add_lora(rank=8)
    assert tiny_model.info()["lora"]["rank"] == 8


def test_lora_starts_as_the_base_model(tiny_model):
    before = tiny_model.sample(["a cat"], scheduler_spec=QUICK_DDIM, seed=1)
    tiny_model.add_lora(rank=4)
    assert torch.equal(tiny_model.sample(["a cat"], scheduler_spec=QUICK_DDIM, seed=1), before)


@pytest.mark.parametrize(
    ("arguments", "needle"),
    [({"rank": 0}, "rank"), ({"rank": 4, "alpha": -1}, "alpha"), ({"rank": 4, "target_modules": ["nope"]}, "matched no layer")],
)
def test_bad_lora_settings_are_explained(tiny_model, arguments, needle):
    with pytest.raises(ValueError, match=needle):
        tiny_model.add_lora(**arguments)


def test_lora_save_load_reproduces_samples_bit_exactly(tiny_model, tmp_path):
    base_sample = tiny_model.sample(ANIMAL_ACTIVITIES[:2], scheduler_spec=QUICK_DDIM, seed=7)
    tiny_model.add_lora(rank=4, alpha=4)
    perturb_lora(tiny_model, seed=11)
    tuned_sample = tiny_model.sample(ANIMAL_ACTIVITIES[:2], scheduler_spec=QUICK_DDIM, seed=7)
    assert not torch.equal(tuned_sample, base_sample)

    weights_path = tiny_model.save_lora(str(tmp_path / "lora"))
    assert weights_path == str(tmp_path / "lora" / "adapter_model.safetensors")
    saved_config = json.loads((tmp_path / "lora" / "adapter_config.json").read_text())
    assert saved_config["r"] == 4 and saved_config["lora_alpha"] == 4

    fresh = TextToVideoModel.tiny(seed=0)
    fresh.load_lora(str(tmp_path / "lora"))
    assert fresh.info()["lora"] == tiny_model.info()["lora"]
    assert torch.equal(fresh.sample(ANIMAL_ACTIVITIES[:2], scheduler_spec=QUICK_DDIM, seed=7), tuned_sample)


def test_load_lora_refuses_a_different_adapter(tiny_model, tmp_path):
    tiny_model.add_lora(rank=4)
    tiny_model.save_lora(str(tmp_path))
    other = TextToVideoModel.tiny(seed=0)
    other.add_lora(rank=2)
    with pytest.raises(ValueError, match="remove_lora"):
        other.load_lora(str(tmp_path))
    with pytest.raises(FileNotFoundError, match="adapter_model.safetensors"):
        other.load_lora(str(tmp_path / "missing"))


def test_decode_shapes_range_and_frame_choice(tiny_model):
    latents = torch.randn(2, *tiny_model.latent_shape, generator=torch.Generator().manual_seed(0))
    frames = tiny_model.decode(latents)
    assert frames.shape == (2, 8, 3, 32, 32)
    assert frames.min() >= 0 and frames.max() <= 1
    picked = tiny_model.decode(latents, [5, 1])
    assert torch.allclose(picked, frames[:, [5, 1]], atol=1e-6)
    with pytest.raises(ValueError, match="frame_indices"):
        tiny_model.decode(latents, [8])


def test_sample_is_uint8_video_and_seeded(tiny_model):
    video = tiny_model.sample(["a dog", "a cat"], scheduler_spec=QUICK_DDIM, seed=0)
    assert video.dtype == torch.uint8 and video.shape == (2, 8, 32, 32, 3)
    assert torch.equal(video, tiny_model.sample(["a dog", "a cat"], scheduler_spec=QUICK_DDIM, seed=0))
    assert not torch.equal(video, tiny_model.sample(["a dog", "a cat"], scheduler_spec=QUICK_DDIM, seed=1))


def count_unet_calls(model: TextToVideoModel) -> list[tuple[bool, int]]:
    """Records (grad enabled, batch) for each UNet forward."""
    calls: list[tuple[bool, int]] = []
    model.unet.register_forward_pre_hook(lambda module, args: calls.append((torch.is_grad_enabled(), args[0].shape[0])))
    return calls


@pytest.mark.parametrize("checkpointing", [True, False])
def test_only_the_last_k_unet_calls_build_graph(tiny_model, checkpointing):
    tiny_model.add_lora(rank=2)
    schedule = build_scheduler({"name": "ddim", "steps": 6, "eta": 1.0}, tiny_model.scheduler_config)
    calls = count_unet_calls(tiny_model)
    latents = tiny_model.rollout(["a dog"], scheduler=schedule, generator=torch.Generator().manual_seed(0),
                                 guidance_scale=1.0, grad_last_steps=2, checkpointing=checkpointing)
    assert [grad for grad, _ in calls] == [False] * 4 + [True] * 2
    assert latents.requires_grad


def test_classifier_free_guidance_doubles_the_unet_batch(tiny_model):
    schedule = build_scheduler(QUICK_DDIM, tiny_model.scheduler_config)
    calls = count_unet_calls(tiny_model)
    with torch.no_grad():
        guided = tiny_model.rollout(["a dog"], scheduler=schedule, generator=torch.Generator().manual_seed(0),
                                    guidance_scale=7.5, grad_last_steps=0)
        plain = tiny_model.rollout(["a dog"], scheduler=schedule, generator=torch.Generator().manual_seed(0),
                                   guidance_scale=1.0, grad_last_steps=0)
    assert [batch for _, batch in calls] == [2] * 4 + [1] * 4
    assert not torch.equal(guided, plain)


def lora_gradient(model: TextToVideoModel, *, steps: int, grad_last_steps: int, checkpointing: bool) -> list[torch.Tensor]:
    schedule = build_scheduler({"name": "ddim", "steps": steps, "eta": 1.0}, model.scheduler_config)
    for parameter in model.lora_parameters():
        parameter.grad = None
    latents = model.rollout(["a dog"], scheduler=schedule, generator=torch.Generator().manual_seed(0),
                            guidance_scale=1.0, grad_last_steps=grad_last_steps, checkpointing=checkpointing)
    model.decode(latents, [0]).mean().backward()
    return [parameter.grad.clone() for parameter in model.lora_parameters()]


def test_truncated_and_full_backprop_give_finite_nonzero_gradients(tiny_model):
    tiny_model.add_lora(rank=2)
    perturb_lora(tiny_model, seed=0)  # B = 0 at init would leave A's gradient zero
    for grad_last_steps in (1, 4):
        gradients = lora_gradient(tiny_model, steps=4, grad_last_steps=grad_last_steps, checkpointing=True)
        norm = torch.stack([gradient.norm() for gradient in gradients]).norm()
        assert torch.isfinite(norm) and norm > 0, grad_last_steps


def test_checkpointing_does_not_change_the_gradient(tiny_model):
    tiny_model.add_lora(rank=2)
    perturb_lora(tiny_model, seed=0)
    with_checkpoints = lora_gradient(tiny_model, steps=4, grad_last_steps=2, checkpointing=True)
    without = lora_gradient(tiny_model, steps=4, grad_last_steps=2, checkpointing=False)
    for first, second in zip(with_checkpoints, without):
        assert torch.allclose(first, second, rtol=1e-5, atol=1e-12)


def test_rollout_rejects_k_beyond_the_schedule(tiny_model):
    schedule = build_scheduler(QUICK_DDIM, tiny_model.scheduler_config)
    with pytest.raises(ValueError, match="grad_last_steps"):
        tiny_model.rollout(["a dog"], scheduler=schedule, generator=torch.Generator(), guidance_scale=1.0,
                           grad_last_steps=5)
