"""A fit's earlyStop: held-out evaluations every N steps, stopping after `patience` without improvement."""

from __future__ import annotations

import json
from types import SimpleNamespace

import torch

from support import BRIGHTNESS, QUICK_DDIM, tiny_model, vader_trainer
from vader_bridge.configs import checked, method_params_schema
from vader_bridge.early_stopping import HeldOutStopping
from vader_bridge.handlers.context import BridgeContext
from vader_bridge.handlers.trainers import methods
from vader_bridge.rewards import build_reward

PROMPTS = ["a dog running on the beach"]


def options(**overrides) -> dict:
    return {"samplesPerPrompt": 1, "seed": 7, "every": 2, "patience": 2, "minDelta": 0.0, "keep": "best", **overrides}


def scripted(monkeypatch, scores: list[float]) -> list[int]:
    """Held-out scores in this order; returns the steps at which each was asked for."""
    asked, remaining = [], list(scores)

    def score(self) -> float:
        asked.append(self.trainer.steps_done)
        return remaining.pop(0)

    monkeypatch.setattr(HeldOutStopping, "score", score)
    return asked


def fit(params: dict) -> tuple[dict, list[dict]]:
    """trainer.fit through its handler, with a caller that never cancels; returns the result and the step metrics."""
    context = BridgeContext()
    trainer = vader_trainer(tiny_model(), scheduler=QUICK_DDIM, lr=1e-2, seed=0)
    handle = context.handles.add("trainer", trainer)
    deltas: list[dict] = []
    call = SimpleNamespace(cancelled=False, raise_if_cancelled=lambda what="": None,
                           emit=lambda event, data: deltas.append(data) if event == "fit-delta" else None)
    wire = checked(method_params_schema("trainer.fit"), {"handle": handle, "prompts": PROMPTS, **params})
    result = methods(context)["trainer.fit"](wire, call)
    return {**result, "trainer": trainer}, deltas


def test_stops_after_patience_evaluations_without_improvement(monkeypatch):
    # Start 0.5; step 2: 0.6 (best); steps 4 and 6 no better: patience 2 is spent at step 6.
    asked = scripted(monkeypatch, [0.5, 0.6, 0.6, 0.55, 0.9])
    result, deltas = fit({"steps": 20, "earlyStop": {"reward": BRIGHTNESS, **options()}})
    assert asked == [0, 2, 4, 6] and len(deltas) == 6 and result["steps"] == 6
    record = result["earlyStop"]
    assert record["stopped"] and record["bestStep"] == 2 and record["keptStep"] == 2 and record["lastStep"] == 6
    assert [evaluation["step"] for evaluation in record["evaluations"]] == [0, 2, 4, 6]


def test_keep_best_restores_the_best_steps_lora_and_the_run_records_it(monkeypatch, tmp_path):
    scripted(monkeypatch, [0.5, 0.9, 0.1])
    snapshots = {}
    step = HeldOutStopping.observe

    def observe_and_snapshot(self):
        snapshots[self.trainer.steps_done] = [parameter.detach().clone() for parameter in self.trainer.parameters]
        return step(self)

    monkeypatch.setattr(HeldOutStopping, "observe", observe_and_snapshot)
    result, _ = fit({"steps": 10, "runDirectory": str(tmp_path), "earlyStop": {"reward": BRIGHTNESS, **options(every=1, patience=1)}})
    assert result["steps"] == 2 and result["earlyStop"]["keptStep"] == 1
    assert all(torch.equal(live, kept) for live, kept in zip(result["trainer"].parameters, snapshots[1]))
    assert json.loads((tmp_path / "early-stop.json").read_text())["keptStep"] == 1
    assert len((tmp_path / "metrics.jsonl").read_text().splitlines()) == 2


def test_keep_last_leaves_the_last_lora(monkeypatch):
    scripted(monkeypatch, [0.9, 0.1, 0.1])
    result, _ = fit({"steps": 10, "earlyStop": {"reward": BRIGHTNESS, **options(every=1, patience=2, keep="last")}})
    assert result["steps"] == 2 and result["earlyStop"]["bestStep"] == 0 and result["earlyStop"]["keptStep"] == 2


def test_min_delta_counts_small_gains_as_none(monkeypatch):
    scripted(monkeypatch, [0.5, 0.505, 0.51])
    result, _ = fit({"steps": 10, "earlyStop": {"reward": BRIGHTNESS, **options(every=1, minDelta=0.05)}})
    assert result["steps"] == 2 and result["earlyStop"]["bestStep"] == 0


def test_runs_every_step_when_the_reward_keeps_improving(monkeypatch):
    scripted(monkeypatch, [0.1, 0.2, 0.3])
    result, _ = fit({"steps": 4, "earlyStop": {"reward": BRIGHTNESS, **options()}})
    assert result["steps"] == 4 and not result["earlyStop"]["stopped"] and result["earlyStop"]["keptStep"] == 4


def test_without_the_option_a_fit_reports_nothing_of_it():
    result, _ = fit({"steps": 1})
    assert "earlyStop" not in result


def test_the_held_out_score_is_the_rewards_mean_on_fixed_seeds_without_touching_training_streams():
    trainer = vader_trainer(tiny_model(), scheduler=QUICK_DDIM)
    choices, noise = trainer.choices.getstate(), trainer.noise.get_state()
    stopping = HeldOutStopping.from_options(trainer, build_reward(BRIGHTNESS), options(samplesPerPrompt=2), PROMPTS)
    first, second = stopping.score(), stopping.score()
    assert first == second and 0.0 <= first <= 1.0
    assert trainer.choices.getstate() == choices and torch.equal(trainer.noise.get_state(), noise)
