"""Implementations registered from outside the package, as docs/extending.md describes."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from support import tiny_model
from vader_bridge import registry
from vader_bridge.plugins import load_plugins
from vader_bridge.protocol import ConfigInvalid
from vader_bridge.registry import names
from vader_bridge.rewards import build_reward
from vader_bridge.sampling import sample_videos
from vader_bridge.schedulers import build_scheduler

PLUGINS = Path(__file__).parent / "plugins"


@pytest.fixture(scope="module", autouse=True)
def plugins():
    """Loads the test plugins, and takes their names out of the registry afterwards (other tests list the built-ins)."""
    saved = {kind: dict(table) for kind, table in registry._TABLES.items()}
    yield load_plugins(f"{PLUGINS / 'redness_reward.py'},{PLUGINS / 'deterministic_ddim.py'}")
    registry._TABLES.clear()
    registry._TABLES.update(saved)


def test_plugins_register_by_name(plugins):
    assert "test-redness" in names("reward") and "test-deterministic-ddim" in names("scheduler")
    assert load_plugins(str(PLUGINS / "redness_reward.py")) == plugins[:1]  # loading twice is harmless


def test_a_plugin_reward_takes_its_declared_options_with_defaults():
    red = torch.zeros(1, 2, 3, 4, 4)
    red[:, :, 0] = 0.5
    assert build_reward({"kind": "named", "name": "test-redness", "options": {}})(red, ["x"]).item() == pytest.approx(0.5)
    assert build_reward({"kind": "named", "name": "test-redness", "options": {"weight": 3}})(red, ["x"]).item() == pytest.approx(1.5)
    with pytest.raises(ConfigInvalid, match="reward.options.weight must be at most 10"):
        build_reward({"kind": "named", "name": "test-redness", "options": {"weight": 11}})


def test_a_plugin_scheduler_runs_in_the_shared_loop():
    model = tiny_model()
    plugin = build_scheduler({"name": "test-deterministic-ddim", "steps": 4, "eta": 1}, model.noise_schedule)
    deterministic = build_scheduler({"name": "ddim", "steps": 4, "eta": 0}, model.noise_schedule)
    assert plugin.eta == 0
    assert torch.equal(sample_videos(model, plugin, ["a dog"], seed=1), sample_videos(model, deterministic, ["a dog"], seed=1))
    trailing = build_scheduler({"name": "test-deterministic-ddim", "steps": 4, "options": {"trailing": True}}, model.noise_schedule)
    assert trailing.timesteps()[0] == 999
    with pytest.raises(ConfigInvalid, match="scheduler.options.trailing must be a boolean"):
        build_scheduler({"name": "test-deterministic-ddim", "steps": 4, "options": {"trailing": "yes"}}, model.noise_schedule)


def test_a_missing_plugin_file_is_named():
    with pytest.raises(FileNotFoundError, match="nope.py"):
        load_plugins("/nowhere/nope.py")
