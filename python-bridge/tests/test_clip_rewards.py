"""The embedding rewards (aesthetic, aesthetic-v2.5, hpsv2, pickscore, clip-score) on tiny random
weights written in the original formats: they load, score, pass gradients to the frames, compute
what the original code computes, preprocess as the transformers processors do, and refuse missing
or unsafe files with messages that say what to do."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from vader_bridge.registry import configured
from vader_bridge.rewards.clip_embedding import ImageInput
from vader_bridge.rewards.hpsv2 import open_clip_to_transformers
from vader_bridge.rewards.tiny_clip_checkpoints import (
    HEADS,
    IMAGE_SIZE,
    build_clip_tokenizer,
    transformers_to_open_clip,
    write_hps_checkpoint,
    write_tiny_reward_weights,
)
from vader_bridge.rewards.weight_files import UnsafeCheckpoint, WeightFilesMissing

NAMES = ["aesthetic", "aesthetic-v2.5", "hpsv2", "pickscore", "clip-score"]
PROMPTS = ["a photo of a dog playing guitar", "a red car in the city at night"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Every tiny weight file, written once for the module; reward name -> its options."""
    return write_tiny_reward_weights(tmp_path_factory.mktemp("tiny-rewards"))



def load(name: str, options: dict):
    """The reward as the bridge builds a named one (options checked against its generated schema)."""
    implementation, config = configured("reward", name, options)
    return implementation(config)


@pytest.fixture(scope="module")
def rewards(tiny):
    return {name: load(name, tiny[name]) for name in NAMES}


def frames(seed: int = 0, *, batch: int = 2, count: int = 3, height: int = 40, width: int = 48) -> torch.Tensor:
    return torch.rand(batch, count, 3, height, width, generator=torch.Generator().manual_seed(seed))


def smooth_image(seed: int = 0, height: int = 45, width: int = 60) -> np.ndarray:
    """A uint8 RGB image without pixel-level noise, where resampling filters differ least."""
    coarse = torch.rand(1, 3, 5, 6, generator=torch.Generator().manual_seed(seed))
    fine = F.interpolate(coarse, size=(height, width), mode="bilinear", align_corners=False)[0]
    return (fine.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)


@pytest.mark.parametrize("name", NAMES)
def test_each_reward_scores_videos_and_passes_gradients_to_the_frames(rewards, name):
    video = frames().requires_grad_()
    scores = rewards[name](video, PROMPTS)
    assert scores.shape == (2,) and torch.isfinite(scores).all()
    scores.sum().backward()
    assert video.grad is not None and torch.isfinite(video.grad).all() and video.grad.abs().sum() > 0
    reward = rewards[name]
    assert all(not parameter.requires_grad for module in _modules(reward) for parameter in module.parameters())
    assert all(not module.training for module in _modules(reward))


def _modules(reward) -> list[torch.nn.Module]:
    found = [value for value in vars(reward).values() if isinstance(value, torch.nn.Module)]
    embedder = getattr(reward, "embedder", None)
    return found + ([embedder.model] if embedder is not None else [])


@pytest.mark.parametrize("name", NAMES)
def test_a_video_scores_the_mean_of_the_frames_it_selects(tiny, rewards, name):
    video = frames(1)
    every = rewards[name](video, PROMPTS)
    per_frame = torch.stack([rewards[name](video[:, [index]], PROMPTS) for index in range(video.shape[1])], dim=1)
    torch.testing.assert_close(every, per_frame.mean(dim=1), atol=1e-5, rtol=1e-5)
    second = load(name, {**tiny[name], "frames": {"mode": "indices", "indices": [1]}})
    torch.testing.assert_close(second(video, PROMPTS), per_frame[:, 1], atol=1e-5, rtol=1e-5)


def test_weights_are_recorded_with_their_digests(rewards, tiny):
    record = rewards["aesthetic"].record()
    assert record["name"] == "aesthetic" and set(record["files"]) == {"clip", "head"}
    assert record["files"]["head"]["path"] == tiny["aesthetic"]["head"] and len(record["files"]["head"]["sha256"]) == 64
    assert set(rewards["hpsv2"].weight_files()) == {"checkpoint"}
    assert set(rewards["pickscore"].weight_files()) == {"model"}


def test_place_is_free_when_the_weights_are_there(rewards):
    for reward in rewards.values():
        assert reward.place(torch.device("cpu")) is reward


def test_aesthetic_is_the_original_linear_mlp_on_the_unit_clip_embedding(rewards, tiny):
    from transformers import CLIPModel

    reward = rewards["aesthetic"]
    images = frames(2)[:, 0]
    pixels = ImageInput.read([tiny["aesthetic"]["clip"]], image_size=IMAGE_SIZE)(images)
    clip = CLIPModel.from_pretrained(tiny["aesthetic"]["clip"], local_files_only=True).eval()
    with torch.no_grad():
        embedding = clip.get_image_features(pixel_values=pixels)
        embedding = getattr(embedding, "pooler_output", embedding)  # transformers 5 returns an output object
    embedding = embedding / embedding.norm(dim=-1, keepdim=True)
    head = torch.load(tiny["aesthetic"]["head"], weights_only=True)
    assert sorted(head) == sorted(f"layers.{index}.{kind}" for index in (0, 2, 4, 6, 7) for kind in ("weight", "bias"))
    expected = embedding
    for index in (0, 2, 4, 6, 7):  # no activations: the predictor's "linearMSE" head
        expected = expected @ head[f"layers.{index}.weight"].T + head[f"layers.{index}.bias"]
    with torch.no_grad():
        scores = reward.score_images(images, ["unused"] * len(images))
    torch.testing.assert_close(scores, expected.squeeze(-1), atol=1e-5, rtol=1e-5)


def test_aesthetic_v25_is_its_head_on_the_unit_pooled_siglip_output(rewards, tiny):
    from transformers import SiglipVisionModel

    reward = rewards["aesthetic-v2.5"]
    images = frames(3)[:, 0]
    pixels = (F.interpolate(images, size=(IMAGE_SIZE, IMAGE_SIZE), mode="bicubic", antialias=True).clamp(0, 1) - 0.5) / 0.5
    vision = SiglipVisionModel.from_pretrained(tiny["aesthetic-v2.5"]["siglip"], local_files_only=True).eval()
    head = torch.load(tiny["aesthetic-v2.5"]["head"], weights_only=True)
    with torch.no_grad():
        expected = vision(pixel_values=pixels).pooler_output
        expected = expected / expected.norm(dim=-1, keepdim=True)
        for index in (0, 2, 4, 6, 8):
            expected = expected @ head[f"scoring_head.{index}.weight"].T + head[f"scoring_head.{index}.bias"]
        scores = reward.score_images(images, ["unused"] * len(images))
    torch.testing.assert_close(scores, expected.squeeze(-1), atol=1e-5, rtol=1e-5)


def test_clip_preprocessing_matches_the_transformers_processor(tiny):
    from transformers import CLIPImageProcessor

    folder = tiny["clip-score"]["model"]
    image = smooth_image()
    expected = CLIPImageProcessor.from_pretrained(folder)(images=Image.fromarray(image), return_tensors="pt").pixel_values
    ours = ImageInput.read([folder], image_size=IMAGE_SIZE)(torch.from_numpy(image).permute(2, 0, 1).float().div(255)[None])
    assert ours.shape == expected.shape == (1, 3, IMAGE_SIZE, IMAGE_SIZE)
    assert (ours - expected).abs().mean() < 0.02


def test_siglip_preprocessing_matches_the_transformers_processor(tiny, rewards):
    from transformers import SiglipImageProcessor

    folder = tiny["aesthetic-v2.5"]["siglip"]
    image = smooth_image(1)
    expected = SiglipImageProcessor.from_pretrained(folder)(images=Image.fromarray(image), return_tensors="pt").pixel_values
    ours = rewards["aesthetic-v2.5"].image_input(torch.from_numpy(image).permute(2, 0, 1).float().div(255)[None])
    assert ours.shape == expected.shape == (1, 3, IMAGE_SIZE, IMAGE_SIZE)
    assert (ours - expected).abs().mean() < 0.02


def test_processor_config_sizes_are_read_not_assumed():
    config = {"size": {"shortest_edge": 256}, "do_center_crop": True, "crop_size": {"height": 224, "width": 224},
              "image_mean": [0.5, 0.5, 0.5], "image_std": [0.25, 0.25, 0.25]}
    image_input = ImageInput.from_processor_config(config, image_size=224, mean=(0, 0, 0), std=(1, 1, 1))
    assert (image_input.shortest_edge, image_input.crop, image_input.mean) == (256, (224, 224), (0.5, 0.5, 0.5))
    assert image_input(torch.rand(2, 3, 300, 400)).shape == (2, 3, 224, 224)


# ---- HPSv2: the open_clip checkpoint on a transformers CLIPModel --------------------------------


def clip_features(model, pixels: torch.Tensor, tokens) -> tuple[torch.Tensor, torch.Tensor]:
    """Projected image and text features of a transformers CLIPModel."""
    with torch.no_grad():
        image = model.visual_projection(model.vision_model(pixel_values=pixels).pooler_output)
        text = model.text_projection(model.text_model(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"]).pooler_output)
    return image, text


def open_clip_block(x: torch.Tensor, state: dict, prefix: str, mask: torch.Tensor | None) -> torch.Tensor:
    """One open_clip ResidualAttentionBlock (pre-norm, nn.MultiheadAttention, GELU MLP), from its state dict."""
    width = x.shape[-1]
    normed = F.layer_norm(x, (width,), state[f"{prefix}ln_1.weight"], state[f"{prefix}ln_1.bias"])
    sequence_first = normed.transpose(0, 1)
    attended, _ = F.multi_head_attention_forward(
        sequence_first, sequence_first, sequence_first, width, HEADS,
        state[f"{prefix}attn.in_proj_weight"], state[f"{prefix}attn.in_proj_bias"], None, None, False, 0.0,
        state[f"{prefix}attn.out_proj.weight"], state[f"{prefix}attn.out_proj.bias"], training=False,
        need_weights=False, attn_mask=mask)
    x = x + attended.transpose(0, 1)
    normed = F.layer_norm(x, (width,), state[f"{prefix}ln_2.weight"], state[f"{prefix}ln_2.bias"])
    hidden = F.gelu(F.linear(normed, state[f"{prefix}mlp.c_fc.weight"], state[f"{prefix}mlp.c_fc.bias"]))
    return x + F.linear(hidden, state[f"{prefix}mlp.c_proj.weight"], state[f"{prefix}mlp.c_proj.bias"])


def open_clip_features(state: dict, pixels: torch.Tensor, input_ids: torch.Tensor, layers: int) -> tuple[torch.Tensor, torch.Tensor]:
    """open_clip's encode_image and encode_text (before normalisation), written from its state dict layout."""
    with torch.no_grad():
        patches = F.conv2d(pixels, state["visual.conv1.weight"], stride=state["visual.conv1.weight"].shape[-1])
        x = patches.flatten(2).transpose(1, 2)
        width = x.shape[-1]
        x = torch.cat([state["visual.class_embedding"].expand(x.shape[0], 1, width), x], dim=1) + state["visual.positional_embedding"]
        x = F.layer_norm(x, (width,), state["visual.ln_pre.weight"], state["visual.ln_pre.bias"])
        for index in range(layers):
            x = open_clip_block(x, state, f"visual.transformer.resblocks.{index}.", None)
        pooled = F.layer_norm(x[:, 0], (width,), state["visual.ln_post.weight"], state["visual.ln_post.bias"])
        image = pooled @ state["visual.proj"]

        length = input_ids.shape[1]
        x = state["token_embedding.weight"][input_ids] + state["positional_embedding"][:length]
        causal = torch.full((length, length), float("-inf")).triu(1)
        for index in range(layers):
            x = open_clip_block(x, state, f"transformer.resblocks.{index}.", causal)
        x = F.layer_norm(x, (width,), state["ln_final.weight"], state["ln_final.bias"])
        text = x[torch.arange(x.shape[0]), input_ids.argmax(dim=-1)] @ state["text_projection"]
    return image, text


def test_an_open_clip_checkpoint_loads_into_the_model_it_was_written_from(tiny, tmp_path):
    from transformers import CLIPConfig, CLIPModel

    clip_folder = tiny["hpsv2"]["clip"]
    torch.manual_seed(7)
    original = CLIPModel(CLIPConfig.from_pretrained(clip_folder)).eval()
    checkpoint = write_hps_checkpoint(tmp_path / "HPS_v2_compressed.pt", original, ddp_prefix=True)
    saved = torch.load(checkpoint, weights_only=True)["state_dict"]
    assert "module.visual.transformer.resblocks.0.attn.in_proj_weight" in saved and "module.visual.proj" in saved

    reward = load("hpsv2", {"version": "v2.0", "checkpoint": str(checkpoint), "clip": clip_folder})
    pixels = torch.randn(2, 3, IMAGE_SIZE, IMAGE_SIZE, generator=torch.Generator().manual_seed(0))
    tokens = build_clip_tokenizer()(PROMPTS, padding=True, return_tensors="pt")
    original_image, original_text = clip_features(original, pixels, tokens)
    loaded_image, loaded_text = clip_features(reward.embedder.model, pixels, tokens)
    assert (loaded_image - original_image).abs().max() < 1e-5
    assert (loaded_text - original_text).abs().max() < 1e-5

    # And what open_clip itself computes from that state dict (its own layouts, not our mapping).
    layers = original.config.vision_config.num_hidden_layers
    unprefixed = {key.removeprefix("module."): tensor for key, tensor in saved.items()}
    reference_image, reference_text = open_clip_features(unprefixed, pixels, tokens["input_ids"], layers)
    assert (loaded_image - reference_image).abs().max() < 1e-5
    assert (loaded_text - reference_text).abs().max() < 1e-5


def test_hps_is_the_cosine_of_image_and_prompt_features(rewards, tiny):
    reward = rewards["hpsv2"]
    images = frames(4)[:, 0]
    with torch.no_grad():
        scores = reward.score_images(images, PROMPTS)
        image = reward.embedder.image_features(images)
        text = reward.embedder.text_features(PROMPTS)
    torch.testing.assert_close(scores, F.cosine_similarity(image, text, dim=-1), atol=1e-5, rtol=1e-5)


def test_the_open_clip_mapping_refuses_unknown_keys():
    with pytest.raises(ValueError, match="visual.attn_pool.query"):
        open_clip_to_transformers({"visual.attn_pool.query": torch.zeros(1), "logit_scale": torch.zeros(())})


def test_the_exporter_and_the_mapping_are_inverse(tiny):
    from transformers import CLIPConfig, CLIPModel

    model = CLIPModel(CLIPConfig.from_pretrained(tiny["hpsv2"]["clip"]))
    state = model.state_dict()
    exported = transformers_to_open_clip(state, vision_layers=2, text_layers=2)
    mapped = open_clip_to_transformers(exported)
    assert set(mapped) == {key for key in state if not key.endswith("position_ids")}
    assert all(torch.equal(mapped[key], state[key]) for key in mapped)


# ---- PickScore and CLIP score -----------------------------------------------------------------


def test_pickscore_takes_its_tokenizer_from_the_processor_folder_and_scales_by_logit_scale(rewards, tiny):
    reward = rewards["pickscore"]
    assert reward.processor_path is not None and str(reward.processor_path) == tiny["pickscore"]["processor"]
    images = frames(5)[:, 0]
    with torch.no_grad():
        scores = reward.score_images(images, PROMPTS)
        cosine = F.cosine_similarity(reward.embedder.image_features(images), reward.embedder.text_features(PROMPTS), dim=-1)
    torch.testing.assert_close(scores, reward.embedder.model.logit_scale.exp() * cosine, atol=1e-4, rtol=1e-5)


def test_prompt_embeddings_are_cached_per_prompt(rewards):
    embedder = rewards["clip-score"].embedder
    first = embedder.text_embeddings(["a dog", "a cat", "a dog"])
    assert {"a dog", "a cat"} <= set(embedder._prompts)
    calls = []
    tokenizer = embedder.tokenizer
    embedder.tokenizer = lambda *args, **kwargs: calls.append(args) or tokenizer(*args, **kwargs)
    try:
        again = embedder.text_embeddings(["a cat", "a dog"])
    finally:
        embedder.tokenizer = tokenizer
    assert not calls and torch.equal(again, first[[1, 0]]) and not again.requires_grad


# ---- missing and unsafe files -----------------------------------------------------------------


def test_a_missing_weight_file_names_the_option_and_the_path(tiny, tmp_path):
    absent = tmp_path / "nowhere" / "aesthetic-model.pth"
    with pytest.raises(WeightFilesMissing) as raised:
        load("aesthetic", {**tiny["aesthetic"], "head": str(absent)})
    message = str(raised.value)
    assert "reward 'aesthetic' option 'head'" in message and str(absent) in message and "does not exist; give the local path" in message
    with pytest.raises(WeightFilesMissing, match="option 'checkpoint'.*xswu/HPSv2"):
        load("hpsv2", {"version": "v2.0", "clip": tiny["hpsv2"]["clip"]})


class Payload:
    """Any class instance makes a pickle that weights_only loading refuses (it would run code)."""

    def __init__(self):
        self.note = "not a tensor"


def test_a_checkpoint_that_would_execute_code_is_refused(tiny, tmp_path):
    head = torch.load(tiny["aesthetic"]["head"], weights_only=True)
    unsafe = tmp_path / "aesthetic-model.pth"
    torch.save({**head, "extra": Payload()}, unsafe)
    with pytest.raises(UnsafeCheckpoint, match="would execute code"):
        load("aesthetic", {**tiny["aesthetic"], "head": str(unsafe)})


def test_a_head_of_the_wrong_width_says_which_width_it_needs(tiny):
    with pytest.raises(ValueError, match=r"takes 32-wide embeddings from the SigLIP vision tower"):
        load("aesthetic-v2.5", {**tiny["aesthetic-v2.5"], "head": tiny["aesthetic"]["head"]})


@pytest.mark.parametrize("name", ["pickscore", "clip-score"])
def test_pickscore_and_clip_score_equal_clipmodels_own_logits(rewards, name):
    """The independent reference: transformers' CLIPModel forward on the same pixels and tokens gives
    logits_per_image = logit_scale.exp() x cosine; PickScore is its diagonal, CLIP score that over the scale."""
    reward = rewards[name]
    images = frames(7)[:, 0]
    embedder = reward.embedder
    tokens = embedder.tokenizer(PROMPTS, padding=True, truncation=True, max_length=embedder.max_length, return_tensors="pt")
    with torch.no_grad():
        scores = reward.score_images(images, PROMPTS)
        logits = embedder.model(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"],
                                pixel_values=embedder.image_input(images)).logits_per_image.diagonal()
    expected = logits if name == "pickscore" else logits / embedder.model.logit_scale.exp()
    torch.testing.assert_close(scores, expected, atol=1e-5, rtol=1e-5)
