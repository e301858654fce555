"""Composed rewards inside trainers: each named term logged per step beside the total, recorded with
its version and weight digest, and the frames every term needs decoded (or the job refused) when the
trainer is built, not inside the first step."""

from __future__ import annotations

import pytest

from support import QUICK_BASELINES, QUICK_DDIM, make_trainer, tiny_model, vader_trainer
from vader_bridge.protocol import ConfigInvalid
from vader_bridge.world.clips import FRAMES as WORLD_FRAMES


def named(name: str, **options) -> dict:
    return {"kind": "named", "name": name, "options": options}


BRIGHT_AND_HALF_CONTRAST = {"kind": "sum", "terms": [named("brightness"), {"kind": "scaled", "factor": 0.5, "reward": named("contrast")}]}


@pytest.fixture(scope="module")
def model():
    return tiny_model(frames=4, height=16, width=16)


def test_vader_logs_each_term_beside_the_total(model):
    trainer = vader_trainer(model, BRIGHT_AND_HALF_CONTRAST, scheduler=QUICK_DDIM, batchSize=2, seed=3)
    metrics = trainer.step(["a dog"])
    terms = metrics["rewardTerms"]
    assert set(terms) == {"brightness", "contrast"}
    assert metrics["reward"]["mean"] == pytest.approx(terms["brightness"]["mean"] + 0.5 * terms["contrast"]["mean"], rel=1e-5)
    assert trainer.step(["a dog"])["rewardTerms"].keys() == terms.keys()  # reset each step, not accumulated


def test_repeated_names_get_numbered_labels_and_records_carry_digests(model):
    reward = {"kind": "sum", "terms": [named("brightness"), named("brightness", target=0.5), named("removal", digit=3)]}
    trainer = vader_trainer(model, reward, scheduler=QUICK_DDIM)
    assert trainer.term_labels == ["brightness", "brightness#2", "removal"]
    records = trainer.reward_records()
    assert [record["label"] for record in records] == trainer.term_labels
    assert records[1]["options"]["target"] == 0.5 and records[0]["files"] == {}
    weights = records[2]["files"]["weights"]
    assert len(weights["sha256"]) == 64 and weights["path"].endswith("digit")


@pytest.mark.parametrize("algorithm", ["ddpo", "grpo", "dpo"])
def test_the_baselines_log_terms_too(model, algorithm):
    metrics = make_trainer(algorithm, model, BRIGHT_AND_HALF_CONTRAST, **QUICK_BASELINES[algorithm]).step(["a dog"])
    assert set(metrics["rewardTerms"]) == {"brightness", "contrast"}
    assert all(term["std"] >= 0 for term in metrics["rewardTerms"].values())


def test_vader_decodes_every_frame_when_a_term_names_frames(model, monkeypatch):
    decoded = []
    original = model.decode_frames
    monkeypatch.setattr(model, "decode_frames", lambda latents, indices=None: decoded.append(indices) or original(latents, indices))
    picky = {"kind": "sum", "terms": [named("brightness"), named("contrast", frames={"mode": "indices", "indices": [3]})]}
    vader_trainer(model, picky, scheduler=QUICK_DDIM).step(["a dog"])
    vader_trainer(model, named("brightness"), scheduler=QUICK_DDIM).step(["a dog"])
    assert decoded[0] is None and len(decoded[1]) == 1  # all frames; then the paper's one random frame


def test_a_term_needing_every_frame_refuses_a_partial_decode(model):
    picky = named("contrast", frames={"mode": "indices", "indices": [3]})
    with pytest.raises(ConfigInvalid, match=r"config.decodeFrames: decodes random frames, but the 'contrast' reward .* needs every frame"):
        vader_trainer(model, picky, scheduler=QUICK_DDIM, decodeFrames={"mode": "random", "count": 1})


def test_the_issues_digit_plus_motion_example_decodes_whole_clips():
    """`Reward.named("digit").plus(Reward.named("motion").times(0.5))` with VADER's defaults used to fail
    inside the first step ("scores whole clips of 8 frames, got 1"); now the trainer decodes every frame."""
    world_sized = tiny_model(frames=WORLD_FRAMES, height=16, width=16)
    composed = {"kind": "sum", "terms": [named("digit"), {"kind": "scaled", "factor": 0.5, "reward": named("motion")}]}
    metrics = vader_trainer(world_sized, composed, scheduler=QUICK_DDIM).step(["digit 3 moving left"])
    assert set(metrics["rewardTerms"]) == {"digit", "motion"}
    assert metrics["reward"]["mean"] == pytest.approx(metrics["rewardTerms"]["digit"]["mean"] + 0.5 * metrics["rewardTerms"]["motion"]["mean"], rel=1e-5)


def test_a_whole_clip_reward_of_another_length_is_refused_when_built(model):
    # The issue's example: digit + 0.5 x motion on a model whose clips are not the world's 8 frames.
    composed = {"kind": "sum", "terms": [named("digit"), {"kind": "scaled", "factor": 0.5, "reward": named("motion")}]}
    with pytest.raises(ConfigInvalid, match=rf"reward: the 'motion' reward scores whole clips of {WORLD_FRAMES} frames, but the model generates 4"):
        vader_trainer(model, composed, scheduler=QUICK_DDIM)
