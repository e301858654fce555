"""Every reward's gradient with respect to the pixels, checked in float64 against central finite
differences on its tiny version: a wrong preprocessing step that cuts or bends the graph (a PIL
round trip, an integer cast, a detached branch) shows up here."""

from __future__ import annotations

import pytest
import torch

from vader_bridge.registry import names
from vader_bridge.rewards import build_reward
from vader_bridge.rewards.tiny_weights import write_all_tiny_rewards

PROMPTS = ["a cat drinking beer"]
# The world's classifiers, the error-path reward and users' Python functions are checked elsewhere
# (test_world_rewards.py, test_rewards.py, test_user_rewards.py).
OTHERS = {"digit", "motion", "removal", "testing-exception", "python"}


@pytest.fixture(scope="module")
def options(tmp_path_factory) -> dict[str, dict]:
    return write_all_tiny_rewards(tmp_path_factory.mktemp("tiny-rewards"))


def in_float64(reward) -> None:
    """Every module the reward holds, at any depth of plain attributes, in float64 (and its prompt caches emptied)."""
    seen: set[int] = set()

    def visit(value) -> None:
        if id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, torch.nn.Module):
            value.double()
        elif hasattr(value, "__dict__"):
            for name, inner in vars(value).items():
                if name == "_prompts" and isinstance(inner, dict):
                    inner.clear()
                else:
                    visit(inner)
        elif isinstance(value, (list, tuple)):
            for inner in value:
                visit(inner)

    visit(reward)


@pytest.mark.parametrize("name", sorted(set(names("reward")) - OTHERS))
def test_the_pixel_gradient_matches_finite_differences(name, options):
    reward = build_reward({"kind": "named", "name": name, "options": options.get(name, {})})
    in_float64(reward)
    generator = torch.Generator().manual_seed(0)
    frames = (0.25 + 0.5 * torch.rand(1, 4, 3, 32, 32, generator=generator, dtype=torch.float64)).requires_grad_(True)
    direction = torch.randn(frames.shape, generator=generator, dtype=torch.float64)
    reward(frames, PROMPTS).sum().backward()
    if name == "temporal-consistency":
        # V-JEPA's targets are detached by design (a stop-gradient, as it trains): the gradient is that of
        # the prediction branch, so the finite differences hold the targets at this clip's.
        with torch.no_grad():
            fixed = reward.targets(reward.pixel_values(frames))
        reward.targets = lambda pixels: fixed
    along_gradient = (frames.grad * direction).sum().item()
    assert frames.grad.abs().sum() > 0, f"{name}: no gradient reaches the pixels"
    step = 1e-5
    with torch.no_grad():
        plus, minus = (reward(frames + sign * step * direction, PROMPTS).sum().item() for sign in (1, -1))
    finite_difference = (plus - minus) / (2 * step)
    assert along_gradient == pytest.approx(finite_difference, rel=1e-4, abs=1e-9), name
