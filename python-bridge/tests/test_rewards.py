from __future__ import annotations

import pytest
import torch

from vader_bridge.protocol import ConfigInvalid
from vader_bridge.registry import UnknownNameError, names
from vader_bridge.rewards import RewardCache, build_reward


def named(name: str, **options) -> dict:
    return {"kind": "named", "name": name, "options": options}


def solid_video(rgb: tuple[float, float, float], *, batch: int = 1, frames: int = 2, size: int = 4) -> torch.Tensor:
    return torch.tensor(rgb).view(1, 1, 3, 1, 1).expand(batch, frames, 3, size, size).clone()


def random_frames(seed: int = 0) -> torch.Tensor:
    return torch.rand(2, 3, 3, 8, 8, generator=torch.Generator().manual_seed(seed))


PROMPTS = ["a dog", "a cat"]


def test_registered_names():
    assert names("reward") == ["action", "aesthetic", "aesthetic-v2.5", "brightness", "clip-score", "colorfulness", "contrast", "digit", "hpsv2", "motion", "object-removal", "pickscore", "python", "removal", "saturation", "temporal-consistency", "testing-exception"]


def test_simple_values_on_solid_colours():
    grey = solid_video((0.25, 0.25, 0.25))
    red = solid_video((1.0, 0.0, 0.0))
    assert build_reward(named("brightness"))(grey, ["x"]).item() == pytest.approx(0.25)
    assert build_reward(named("brightness"))(red, ["x"]).item() == pytest.approx(0.299)
    assert build_reward(named("brightness", target=0.5))(grey, ["x"]).item() == pytest.approx(-0.25)
    assert build_reward(named("contrast"))(grey, ["x"]).item() == pytest.approx(0.0)
    assert build_reward(named("saturation"))(grey, ["x"]).item() == pytest.approx(0.0)
    assert build_reward(named("saturation"))(red, ["x"]).item() == pytest.approx(1.0)
    assert build_reward(named("colorfulness"))(red, ["x"]).item() > build_reward(named("colorfulness"))(grey, ["x"]).item()


def test_a_video_scores_the_mean_of_its_frames():
    video = torch.cat([solid_video((0.2,) * 3, frames=1), solid_video((0.6,) * 3, frames=3)], dim=1)
    assert build_reward(named("brightness"))(video, ["x"]).item() == pytest.approx((0.2 + 3 * 0.6) / 4)


def test_composition_math():
    frames = random_frames()
    brightness = build_reward(named("brightness"))(frames, PROMPTS)
    contrast = build_reward(named("contrast"))(frames, PROMPTS)
    spec = {
        "kind": "sum",
        "terms": [{"kind": "scaled", "factor": 0.5, "reward": named("brightness")}, named("contrast")],
    }
    composed = build_reward(spec)
    assert torch.allclose(composed(frames, PROMPTS), 0.5 * brightness + contrast)
    every_frame = {"frames": {"mode": "all"}}  # the default the spec left out, filled in
    assert composed.spec() == {"kind": "sum", "terms": [{"kind": "scaled", "factor": 0.5, "reward": named("brightness", **every_frame)},
                                                        named("contrast", **every_frame)]}
    assert build_reward(composed.spec()).spec() == composed.spec()


@pytest.mark.parametrize("name", ["brightness", "contrast", "saturation", "colorfulness"])
def test_gradients_flow_to_the_frames(name):
    frames = random_frames().requires_grad_()
    scores = build_reward({"kind": "scaled", "factor": -2.0, "reward": named(name)})(frames, PROMPTS)
    assert scores.shape == (2,)
    scores.sum().backward()
    assert frames.grad is not None and torch.isfinite(frames.grad).all() and frames.grad.abs().sum() > 0


def test_unknown_reward_lists_known_names():
    with pytest.raises(UnknownNameError) as raised:
        build_reward(named("no-such-reward"))
    assert "unknown reward 'no-such-reward'" in str(raised.value)
    assert ", ".join(names("reward")) in str(raised.value) and "aesthetic-v2.5, brightness" in str(raised.value)


def test_bad_option_value_names_the_option_and_the_limit():
    with pytest.raises(ConfigInvalid) as raised:
        build_reward(named("brightness", target=2))
    assert [issue.describe() for issue in raised.value.issues] == ["reward.options.target must be at most 1 (got 2)"]


def test_misspelt_option_names_it_and_lists_accepted_options():
    with pytest.raises(ConfigInvalid, match="reward.options has unknown field.s. tagret; accepted: frames, target"):
        build_reward(named("brightness", tagret=0.5))
    with pytest.raises(ConfigInvalid, match="unknown field.s. strength; accepted: frames$"):
        build_reward(named("contrast", strength=1))


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ({"name": "brightness"}, r"reward must be one of: kind = \"named\"; kind = \"scaled\"; kind = \"target\"; kind = \"clip\"; kind = \"typescript\"; kind = \"sum\""),
        ({"kind": "sum", "terms": []}, r"reward\.terms must list at least 1 item"),
        ({"kind": "sum", "terms": [named("contrast"), {"kind": "scaled", "reward": named("contrast")}]},
         r"reward\.terms\.1 is missing required field\(s\) factor"),
        ({"kind": "scaled", "factor": float("nan"), "reward": named("contrast")}, r"reward\.factor must be a finite number"),
        ({"kind": "scaled", "factor": 1.0, "reward": named("contrast"), "weight": 2}, "unknown field.*weight"),
        ({"kind": "sum", "terms": [named("contrast"), named("brightness", target=-1)]}, r"reward\.terms\.1\.options\.target must be at least 0"),
        ({"kind": "sum", "terms": [{"kind": "clip", "reward": named("contrast")}]}, r"reward\.terms\.0 must have min, max or both"),
        ({"kind": "clip", "min": 2, "max": 1, "reward": named("contrast")}, r"reward\.max must not be below min"),
    ],
)
def test_malformed_specs_say_where(spec, needle):
    with pytest.raises(ConfigInvalid, match=needle):
        build_reward(spec)


def test_named_rewards_are_built_once_per_cache():
    cache = RewardCache()
    first = cache.build({"kind": "sum", "terms": [named("brightness"), named("contrast")]})
    second = cache.build({"kind": "scaled", "factor": 2.0, "reward": named("brightness")})
    assert len(cache) == 2 and second.inner is first.terms[0]
    # Defaults are filled before the key is made: the default message and an explicit copy of it are one reward.
    explicit = cache.build(named("testing-exception", message="testing-exception reward raised on purpose (it exists to test error reporting)"))
    assert cache.build(named("testing-exception")) is explicit


def test_testing_exception_raises_from_inside_scoring():
    reward = build_reward(named("testing-exception", message="boom from python"))
    with pytest.raises(RuntimeError, match="boom from python"):
        reward(random_frames(), PROMPTS)
    with pytest.raises(RuntimeError, match="on purpose"):
        build_reward(named("testing-exception"))(random_frames(), PROMPTS)


def test_frames_and_prompts_are_checked():
    reward = build_reward(named("brightness"))
    with pytest.raises(ValueError, match=r"\[B, F, 3, H, W\]"):
        reward(torch.rand(2, 3, 8, 8), PROMPTS)
    with pytest.raises(ValueError, match="one prompt per video"):
        reward(random_frames(), ["only one"])


def test_target_and_clip_shape_the_inner_reward():
    frames = random_frames()
    brightness = build_reward(named("brightness"))(frames, PROMPTS)
    target = build_reward({"kind": "target", "target": 0.3, "reward": named("brightness")})
    assert torch.allclose(target(frames, PROMPTS), -(brightness - 0.3).abs())
    clipped = build_reward({"kind": "clip", "max": 0.45, "reward": named("brightness")})
    assert torch.allclose(clipped(frames, PROMPTS), brightness.clamp(max=0.45))
    assert build_reward(clipped.spec()).spec() == clipped.spec() and "min" not in clipped.spec()

    video = frames.clone().requires_grad_(True)  # no gradient where the clip holds the value
    build_reward({"kind": "clip", "max": -1.0, "reward": named("brightness")})(video, PROMPTS).sum().backward()
    assert video.grad.abs().sum() == 0


def test_evaluate_reports_each_named_term_unweighted():
    frames = random_frames()
    spec = {"kind": "sum", "terms": [{"kind": "scaled", "factor": 0.5, "reward": named("brightness")},
                                     {"kind": "target", "target": 0.2, "reward": named("contrast")}, named("brightness", target=0.5)]}
    reward = build_reward(spec)
    total, terms = reward.evaluate(frames, PROMPTS)
    assert [term.name for term, _ in terms] == ["brightness", "contrast", "brightness"] == [term.name for term in reward.named_terms()]
    assert torch.allclose(terms[0][1], build_reward(named("brightness"))(frames, PROMPTS))  # not halved
    assert torch.allclose(total, 0.5 * terms[0][1] - (terms[1][1] - 0.2).abs() + terms[2][1])
    assert not any(values.requires_grad for _, values in terms)


def test_frame_selection_picks_what_a_per_frame_reward_sees():
    levels = torch.tensor([0.1, 0.2, 0.3, 0.4, 0.5])
    video = levels.view(1, 5, 1, 1, 1).expand(2, 5, 3, 4, 4).clone()
    score = lambda frames: build_reward(named("brightness", frames=frames))(video, PROMPTS)  # noqa: E731
    assert torch.allclose(score({"mode": "all"}), torch.full((2,), 0.3))
    assert torch.allclose(score({"mode": "every", "every": 2}), torch.full((2,), 0.3))  # frames 0, 2, 4
    assert torch.allclose(score({"mode": "indices", "indices": [1, 4]}), torch.full((2,), 0.35))
    assert all(round(value, 4) in {0.1, 0.2, 0.3, 0.4, 0.5} for value in score({"mode": "random"}).tolist())
    with pytest.raises(ValueError, match=r"frames.indices \[7\] are past the 5 frames"):
        score({"mode": "indices", "indices": [1, 7]})
    with pytest.raises(ConfigInvalid, match=r"reward.options.frames.every must be"):
        build_reward(named("brightness", frames={"mode": "every", "every": 0}))
