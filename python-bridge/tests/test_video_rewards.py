"""The paper's detection and video rewards (object-removal, action, temporal-consistency) on tiny
random-weight checkpoints saved by the real transformers classes: loading, ranges, gradients to the
frames, agreement with transformers' own processing, and the errors users meet."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from vader_bridge.rewards import build_reward
from vader_bridge.rewards import tiny_video_checkpoints as tiny
from vader_bridge.rewards.action import ActionReward
from vader_bridge.rewards.object_removal import DETECTION_THRESHOLD, ObjectRemovalReward, yolos_resized_shape
from vader_bridge.rewards.temporal_consistency import TemporalConsistencyReward, token_masks
from vader_bridge.rewards.weight_files import WeightFilesMissing


def named(name: str, **options) -> dict:
    return {"kind": "named", "name": name, "options": options}


def random_frames(batch: int = 2, frames: int = 3, height: int = 24, width: int = 24, seed: int = 0) -> torch.Tensor:
    return torch.rand(batch, frames, 3, height, width, generator=torch.Generator().manual_seed(seed))


def smooth_image(height: int, width: int) -> np.ndarray:
    """A uint8 HWC image of gentle gradients, on which PIL's and torch's resizing nearly agree."""
    rows, columns = np.meshgrid(np.linspace(0, 1, height), np.linspace(0, 1, width), indexing="ij")
    image = np.stack([rows, columns, 0.5 + 0.4 * np.sin(3 * rows + 2 * columns)], axis=-1)
    return (image * 255).round().astype(np.uint8)


def frame_gradient(reward, frames: torch.Tensor, prompts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    frames = frames.clone().requires_grad_(True)
    scores = reward(frames, prompts)
    scores.sum().backward()
    return scores.detach(), frames.grad


@pytest.fixture(scope="module")
def yolos_options(tmp_path_factory) -> dict:
    return tiny.write_tiny_yolos(tmp_path_factory.mktemp("tiny-yolos"))


@pytest.fixture(scope="module")
def videomae_options(tmp_path_factory) -> dict:
    return tiny.write_tiny_videomae(tmp_path_factory.mktemp("tiny-videomae"))


@pytest.fixture(scope="module")
def vjepa_options(tmp_path_factory) -> dict:
    return tiny.write_tiny_vjepa2(tmp_path_factory.mktemp("tiny-vjepa2"))


@pytest.fixture(scope="module")
def removal(yolos_options) -> ObjectRemovalReward:
    return build_reward(named("object-removal", **yolos_options))


@pytest.fixture(scope="module")
def action(videomae_options) -> ActionReward:
    return build_reward(named("action", **videomae_options))


@pytest.fixture(scope="module")
def consistency(vjepa_options) -> TemporalConsistencyReward:
    return build_reward(named("temporal-consistency", **vjepa_options))


# ---- shared behaviour ------------------------------------------------------------------------


@pytest.mark.parametrize("fixture, prompts", [
    ("removal", ["a cat", "a dog"]),
    ("action", ["a man drinking beer", "someone playing piano"]),
    ("consistency", ["a teddy bear", "a rocket"]),
])
def test_scores_are_finite_in_range_and_reach_the_frames(request, fixture, prompts):
    reward = request.getfixturevalue(fixture)
    scores, gradient = frame_gradient(reward, random_frames(), prompts)
    assert scores.shape == (2,) and torch.isfinite(scores).all()
    if fixture == "consistency":
        assert (scores <= 0).all()
    else:
        assert ((scores >= 0) & (scores <= 1)).all()
    assert gradient.abs().sum() > 0 and torch.isfinite(gradient).all()


@pytest.mark.parametrize("fixture", ["removal", "action", "consistency"])
def test_weights_are_frozen_and_recorded(request, fixture):
    reward = request.getfixturevalue(fixture)
    module = {"removal": "detector", "action": "classifier", "consistency": "model"}[fixture]
    weights = getattr(reward, module)
    assert not weights.training and not any(parameter.requires_grad for parameter in weights.parameters())
    assert reward.place(torch.device("cpu")) is reward
    record = reward.record()
    assert set(record["files"]) == {"model"} and len(record["files"]["model"]["sha256"]) == 64
    assert reward.whole_clip is (fixture != "removal") and reward.clip_frames is None


def test_a_missing_model_folder_says_where_it_looked_and_how_to_fetch(tmp_path):
    with pytest.raises(WeightFilesMissing, match=r"option 'model'.*no-such-yolos does not exist; give the local path"):
        build_reward(named("object-removal", model=str(tmp_path / "no-such-yolos"), object="dog"))
    with pytest.raises(WeightFilesMissing, match=r"`hf download MCG-NJU/videomae-base-finetuned-kinetics`"):
        build_reward(named("action"))
    with pytest.raises(WeightFilesMissing, match=r"`hf download facebook/vjepa2-vitl-fpc64-256`"):
        build_reward(named("temporal-consistency"))


# ---- object-removal --------------------------------------------------------------------------


def test_object_removal_is_one_minus_the_detection_confidence_of_transformers_post_processing(removal):
    from transformers import YolosImageProcessorPil

    frames = random_frames(seed=1)
    scores = removal(frames, ["", ""])
    images = frames.flatten(0, 1)
    with torch.no_grad():
        outputs = removal.detector(pixel_values=removal.pixel_values(images))
    detections = YolosImageProcessorPil().post_process_object_detection(outputs, threshold=DETECTION_THRESHOLD)
    book = removal.detector.config.label2id["book"]
    confidences = []
    for found in detections:
        mine = found["scores"][found["labels"] == book]
        confidences.append(mine.mean() if len(mine) else torch.tensor(0.0))
    expected = (1 - torch.stack(confidences)).reshape(2, 3).mean(dim=1)
    torch.testing.assert_close(scores, expected)
    assert (expected < 1).all(), "the tiny detector should find some books, or this test checks nothing"


def test_object_removal_prepares_pixels_as_the_yolos_image_processor(removal):
    from transformers import YolosImageProcessorPil

    image = smooth_image(24, 36)
    processor = YolosImageProcessorPil.from_pretrained(removal.model_path)
    expected = processor(images=[image], return_tensors="pt")["pixel_values"]
    mine = removal.pixel_values(torch.from_numpy(image).permute(2, 0, 1).unsqueeze(0).float() / 255)
    assert mine.shape == expected.shape == (1, 3, 32, 48)
    torch.testing.assert_close(mine, expected, atol=0.05, rtol=0)
    # The processor's size rule, with its rounding down to multiples of 16.
    assert yolos_resized_shape(480, 640, 800, 1333) == (800, 1056)
    assert yolos_resized_shape(512, 2048, 800, 1333) == (320, 1328)
    assert yolos_resized_shape(640, 480, 800, 1333) == (1056, 800)


def test_object_removal_frames_option_picks_the_frames_it_scores(yolos_options, removal):
    frames = random_frames(frames=4, seed=2)
    picked = build_reward(named("object-removal", **yolos_options, frames={"mode": "indices", "indices": [1, 3]}))
    torch.testing.assert_close(picked(frames, ["", ""]), removal(frames[:, [1, 3]], ["", ""]))
    assert not torch.allclose(picked(frames, ["", ""]), removal(frames[:, :1], ["", ""]))


def test_object_removal_refuses_an_unknown_class_naming_close_or_valid_ones(yolos_options):
    with pytest.raises(ValueError, match=r"option 'object': the model has no class 'bok'; did you mean 'book'\?"):
        build_reward(named("object-removal", model=yolos_options["model"], object="bok"))
    with pytest.raises(ValueError, match=r"no class 'zebra'; valid names: 'book', 'dining table', 'dog', 'person'$"):
        build_reward(named("object-removal", model=yolos_options["model"], object="zebra"))
    assert build_reward(named("object-removal", model=yolos_options["model"], object="Dining Table")).class_index == 4


# ---- action ----------------------------------------------------------------------------------


def test_action_reads_the_longest_label_the_prompt_names(action):
    labels = action.classifier.config.label2id
    assert action.action_index("A man DRINKING BEER in a pub", 0) == labels["drinking beer"]
    assert action.action_index("a man drinking tea", 0) == labels["drinking"]
    assert action.action_index("someone playing piano.", 0) == labels["playing piano"]
    refused = r"prompt 1 \('a cat sleeping'\) names none of the model's 5 action labels.*`action` option"
    with pytest.raises(ValueError, match=refused):
        action(random_frames(), ["eating doughnuts", "a cat sleeping"])


def test_action_option_overrides_the_prompt_and_unknown_labels_are_refused(videomae_options, action):
    fixed = build_reward(named("action", **videomae_options, action="baking cookies"))
    frames = random_frames(seed=3)
    with torch.no_grad():
        probabilities = action.classifier(pixel_values=action.pixel_values(frames)).logits.softmax(dim=-1)
    baking = action.classifier.config.label2id["baking cookies"]
    torch.testing.assert_close(fixed(frames, ["a cat", "playing piano"]), probabilities[:, baking])
    refused = r"option 'action': the model has no class 'baking cookie'; did you mean 'baking cookies'"
    with pytest.raises(ValueError, match=refused):
        build_reward(named("action", **videomae_options, action="baking cookie"))


def test_action_matches_the_transformers_processor_path_on_a_static_clip(action):
    from transformers import VideoMAEImageProcessorPil

    image = smooth_image(40, 48)
    processor = VideoMAEImageProcessorPil.from_pretrained(action.model_path)
    inputs = processor([image] * action.num_frames, return_tensors="pt")
    with torch.no_grad():
        expected = action.classifier(**inputs).logits.softmax(dim=-1)[0, action.classifier.config.label2id["drinking beer"]]
    # Six frames of the same image: resampled to the model's four, so the clip is the same.
    clip = (torch.from_numpy(image).permute(2, 0, 1).float() / 255).expand(1, 6, 3, 40, 48)
    score = action(clip, ["a man drinking beer"])
    torch.testing.assert_close(score, expected.unsqueeze(0), atol=5e-3, rtol=0)


# ---- temporal-consistency --------------------------------------------------------------------


def test_the_mask_is_seeded_spans_all_time_and_hides_the_requested_share(vjepa_options, consistency):
    context, target = consistency.context_index, consistency.target_index
    steps, height, width = consistency.grid
    assert (steps, height, width) == (2, 4, 4)
    assert len(target) == steps * round(0.5 * height * width) and len(context) + len(target) == steps * height * width
    cells = height * width
    assert set((target[target < cells] + cells).tolist()) == set(target[target >= cells].tolist())  # tubes through time
    again = token_masks(steps, height, width, 0.5, 0)
    assert torch.equal(again[1], target)
    assert not torch.equal(token_masks(steps, height, width, 0.5, 1)[1], target)
    sparse = build_reward(named("temporal-consistency", **vjepa_options, maskRatio=0.2, seed=7))
    assert len(sparse.target_index) == steps * round(0.2 * cells)


def test_temporal_consistency_is_deterministic(vjepa_options, consistency):
    frames = random_frames(frames=5, seed=4)
    first = consistency(frames, ["", ""])
    torch.testing.assert_close(consistency(frames, ["", ""]), first, rtol=0, atol=0)
    rebuilt = TemporalConsistencyReward(TemporalConsistencyReward.Config(model=vjepa_options["model"]))
    torch.testing.assert_close(rebuilt(frames, ["", ""]), first)


def test_temporal_consistency_targets_are_detached(consistency):
    frames = random_frames(frames=4, height=32, width=32, seed=5)
    _, reward_gradient = frame_gradient(consistency, frames, ["", ""])

    def manual_gradient(detach: bool) -> torch.Tensor:
        pixels_from = frames.clone().requires_grad_(True)
        pixels = consistency.pixel_values(pixels_from)
        features = consistency.model.encoder(pixel_values_videos=pixels).last_hidden_state
        targets = F.layer_norm(features, features.shape[-1:])[:, consistency.target_index]
        targets = targets.detach() if detach else targets
        loss = (consistency.predictions(pixels) - targets).abs().mean(dim=(1, 2))
        (-loss).sum().backward()
        return pixels_from.grad

    torch.testing.assert_close(reward_gradient, manual_gradient(detach=True))
    assert not torch.allclose(reward_gradient, manual_gradient(detach=False), atol=1e-6)


def test_the_context_branch_never_sees_the_hidden_tubes(consistency):
    # 32x32 frames and four of them: the model's own size, so pixels map one-to-one onto patches.
    frames = random_frames(batch=1, frames=4, height=32, width=32, seed=6)
    width = consistency.grid[2]
    hidden_cell = int(consistency.target_index[0])
    row, column = divmod(hidden_cell, width)
    patch = (..., slice(row * 8, (row + 1) * 8), slice(column * 8, (column + 1) * 8))
    changed = frames.clone()
    changed[patch] = 1 - changed[patch]
    with torch.no_grad():
        torch.testing.assert_close(consistency.predictions(consistency.pixel_values(changed)),
                                   consistency.predictions(consistency.pixel_values(frames)))
        assert not torch.allclose(consistency.targets(consistency.pixel_values(changed)),
                                  consistency.targets(consistency.pixel_values(frames)))
