"""Users' own rewards: a Python function named `module:function` or `file.py:function` (the `python`
reward: loaded, checked, differentiable, recorded with its file's sha256, trained by every trainer),
and the gradient-free TypeScript function term (asked for its scores mid-call; refused by VADER)."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
import torch

from support import QUICK_BASELINES, QUICK_DDIM, make_trainer, tiny_model, vader_trainer
from vader_bridge.answers import PendingAnswers, QuestionFailed, QuestionTimedOut
from vader_bridge.call import Call
from vader_bridge.control import CancelRegistry
from vader_bridge.protocol import Cancelled, ConfigInvalid
from vader_bridge.rewards import build_reward
from vader_bridge.rewards.function_loading import FunctionNotLoaded
from vader_bridge.rewards.python_function import FunctionReturnedBadScores
from vader_bridge.rewards.typescript_function import TypeScriptRewardFailed

FOLDER = Path(__file__).with_name("user_rewards")
FILE = FOLDER / "user_reward_functions.py"


def python_reward(function: str, **options) -> dict:
    return {"kind": "named", "name": "python", "options": {"function": function, **options}}


def typescript_reward(name: str, timeout_ms: int = 300_000) -> dict:
    return {"kind": "typescript", "name": name, "timeoutMs": timeout_ms}


@pytest.fixture(autouse=True)
def importable(monkeypatch):
    monkeypatch.syspath_prepend(str(FOLDER))


@pytest.fixture(scope="module")
def model():
    return tiny_model(frames=2, height=8, width=8)


def frames(batch: int = 2, count: int = 3) -> torch.Tensor:
    return torch.rand(batch, count, 3, 8, 8, generator=torch.Generator().manual_seed(0)).requires_grad_()


@pytest.mark.parametrize("reference", ["user_reward_functions:mean_red", f"{FILE}:mean_red"])
def test_loads_from_a_module_or_a_file_and_the_gradient_reaches_the_frames(reference):
    reward, video = build_reward(python_reward(reference)), frames()
    scores = reward(video, ["a", "b"])
    assert torch.allclose(scores, video[:, :, 0].mean(dim=(1, 2, 3)))
    scores.sum().backward()
    assert video.grad is not None and video.grad[:, :, 0].abs().sum() > 0 and video.grad[:, :, 1:].abs().sum() == 0
    record = reward.record()
    assert reward.label == "mean_red" and record["options"]["function"] == reference
    assert record["files"]["function"] == {"path": str(FILE.resolve()), "sha256": hashlib.sha256(FILE.read_bytes()).hexdigest()}


def test_frames_option_and_whole_clip():
    video = frames(count=4)
    assert build_reward(python_reward("user_reward_functions:frame_count"))(video, ["a", "b"]).tolist() == [4.0, 4.0]
    every_other = python_reward("user_reward_functions:frame_count", frames={"mode": "every", "every": 2})
    assert build_reward(every_other)(video, ["a", "b"]).tolist() == [2.0, 2.0]
    whole = build_reward(python_reward("user_reward_functions:frame_count", wholeClip=True))
    assert whole.whole_clip and whole.frame_selection is None
    with pytest.raises(FunctionNotLoaded, match="drop its frames option"):
        build_reward(python_reward("user_reward_functions:frame_count", wholeClip=True, frames={"mode": "random"}))


@pytest.mark.parametrize("reference, message", [
    ("no_such_module_here:score", "there is no module 'no_such_module_here' on the bridge's Python path; put its folder on PYTHONPATH"),
    ("/nowhere/rewards.py:score", "there is no file /nowhere/rewards.py"),
    ("user_reward_functions:mean_blue", "user_reward_functions has no attribute 'mean_blue'; callables there: detached, frame_count, mean_red, not_a_number"),
    ("user_reward_functions:NOT_CALLABLE", "NOT_CALLABLE is a int, not a function"),
])
def test_load_errors_name_the_function_and_the_fix(reference, message):
    with pytest.raises(FunctionNotLoaded) as raised:
        build_reward(python_reward(reference))
    assert f"the python reward's function {reference!r}" in str(raised.value) and message in str(raised.value)


def test_a_reference_without_a_function_is_refused_by_the_schema():
    with pytest.raises(ConfigInvalid, match="reward.options.function must match"):  # zod words it better in TypeScript
        build_reward(python_reward("user_reward_functions"))


@pytest.mark.parametrize("function, error, message", [
    ("per_frame_scores", FunctionReturnedBadScores, "returned shape [2, 3] for 2 videos"),
    ("whole_numbers", FunctionReturnedBadScores, "returned torch.int64 scores; return a floating tensor"),
    ("plain_list", FunctionReturnedBadScores, "returned a list; return a torch tensor of 2 scores"),
    ("not_a_number", FloatingPointError, "returned non-finite scores"),
    ("detached", FunctionReturnedBadScores, "returned scores without a graph to the frames"),
])
def test_bad_scores_name_the_function_and_the_fix(function, error, message):
    with pytest.raises(error) as raised:
        build_reward(python_reward(f"user_reward_functions:{function}"))(frames(), ["a", "b"])
    assert f"'user_reward_functions:{function}'" in str(raised.value) and message in str(raised.value)


def test_vader_step_moves_the_lora_and_logs_the_function_by_name(model):
    reward = {"kind": "sum", "terms": [python_reward(f"{FILE}:mean_red"), {"kind": "named", "name": "brightness", "options": {}}]}
    trainer = vader_trainer(model, reward, scheduler=QUICK_DDIM, lr=1e-2, seed=1)
    before = [parameter.detach().clone() for parameter in trainer.parameters]
    metrics = trainer.step(["a red fox"])
    assert set(metrics["rewardTerms"]) == {"mean_red", "brightness"} and metrics["gradNorm"] > 0
    assert any(not torch.equal(old, new) for old, new in zip(before, trainer.parameters))
    assert trainer.reward_records()[0]["files"]["function"]["sha256"] == hashlib.sha256(FILE.read_bytes()).hexdigest()


@pytest.mark.parametrize("algorithm", ["ddpo", "grpo", "dpo"])
def test_the_baselines_train_on_a_python_function(model, algorithm):
    metrics = make_trainer(algorithm, model, python_reward("user_reward_functions:mean_red"), **QUICK_BASELINES[algorithm]).step(["a red fox"])
    assert set(metrics["rewardTerms"]) == {"mean_red"} and torch.isfinite(torch.tensor(metrics["loss"]))


# ---- the TypeScript function term: a question on the call, answered on the control channel --------


class AnsweringCaller:
    """Stands in for TypeScript: answers each reward-request from another thread, as the control thread delivers."""

    def __init__(self, answer):
        self.answers, self.cancels, self.requests = PendingAnswers(), CancelRegistry(), []
        self.answer = answer

    def send(self, identity: bytes, header: dict) -> None:
        if header["event"] != "reward-request":
            return
        self.requests.append(header["data"])
        reply = self.answer(header["data"])
        if reply is not None:
            threading.Thread(target=self.answers.deliver, args=(header["data"]["question"], reply)).start()

    def call(self) -> Call:
        return Call(self.send, self.cancels, b"ts", 7, "trainer.fit", self.answers)


def mean_red_answer(data: dict) -> dict:
    video = data["video"]  # uint8 [B, F, H, W, 3]
    return {"status": "ok", "result": {"scores": video[..., 0].float().mean(dim=(1, 2, 3)).div(255).tolist()}}


def test_a_typescript_term_asks_its_call_and_grpo_trains_on_the_answer(model):
    caller = AnsweringCaller(mean_red_answer)
    reward = {"kind": "sum", "terms": [typescript_reward("mean-red"), {"kind": "named", "name": "brightness", "options": {}}]}
    trainer = make_trainer("grpo", model, reward, **QUICK_BASELINES["grpo"])
    with caller.call().serving():
        metrics = trainer.step(["a red fox"])
    request = caller.requests[0]
    assert request["term"] == "mean-red" and request["video"].dtype == torch.uint8 and list(request["video"].shape) == [2, 2, 8, 8, 3]
    assert set(metrics["rewardTerms"]) == {"mean-red", "brightness"} and len(caller.answers) == 0
    assert trainer.reward_records()[0] == {"label": "mean-red", "name": "typescript", "version": "1", "options": {"name": "mean-red", "timeoutMs": 300000}, "files": {}}


def test_vader_refuses_a_typescript_term_and_says_why(model):
    reward = {"kind": "sum", "terms": [{"kind": "named", "name": "brightness", "options": {}}, typescript_reward("mean-red")]}
    with pytest.raises(ConfigInvalid) as raised:
        vader_trainer(model, reward, scheduler=QUICK_DDIM)
    message = str(raised.value)
    assert "'mean-red' term is a TypeScript function, which scores videos without a gradient" in message
    assert "backpropagates the reward's gradient into the LoRA" in message and "Python function reward" in message and "GRPO, DDPO or DPO" in message


def test_a_typescript_error_timeout_or_cancel_fails_the_score_with_the_term_name():
    video = frames().detach()
    failing = AnsweringCaller(lambda data: {"status": "error", "message": "it threw Error: no red today"})
    with failing.call().serving(), pytest.raises(TypeScriptRewardFailed, match="the TypeScript reward 'mean-red' failed: it threw Error: no red today"):
        build_reward(typescript_reward("mean-red"))(video, ["a", "b"])
    silent = AnsweringCaller(lambda data: None)
    with silent.call().serving(), pytest.raises(TypeScriptRewardFailed, match="'slow' did not answer within 0.2 s"):
        build_reward(typescript_reward("slow", 200))(video, ["a", "b"])
    silent.cancels.cancel(7)
    with silent.call().serving(), pytest.raises(Cancelled, match="while waiting for the answer to its reward-request"):
        build_reward(typescript_reward("slow"))(video, ["a", "b"])
    short = AnsweringCaller(lambda data: {"status": "ok", "result": {"scores": [1.0]}})
    with short.call().serving(), pytest.raises(TypeScriptRewardFailed, match=r"not \{scores: \[2 numbers\]\}"):
        build_reward(typescript_reward("short"))(video, ["a", "b"])
    with pytest.raises(TypeScriptRewardFailed, match="can only score inside a call from TypeScript"):
        build_reward(typescript_reward("nowhere"))(video, ["a", "b"])


def test_late_answers_are_refused():
    answers = PendingAnswers()
    question = answers.open()
    with pytest.raises(QuestionTimedOut):
        answers.wait(question, 0.05, lambda: None)
    assert answers.deliver(question, {"status": "ok", "result": {}}) is False
    question = answers.open()
    assert answers.deliver(question, {"status": "error", "message": "boom"}) is True
    with pytest.raises(QuestionFailed, match="boom"):
        answers.wait(question, 1, lambda: None)
