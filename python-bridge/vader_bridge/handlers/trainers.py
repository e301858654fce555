"""trainer.create and trainer.fit: any registered algorithm, one shared fit loop."""

from __future__ import annotations

from typing import Any

from .. import distributed
from ..call import Call, Handler
from ..checkpoints import load_latest_checkpoint, save_checkpoint
from ..early_stopping import HeldOutStopping
from ..protocol import ConfigInvalid, Issue
from ..run_directory import RunDirectory
from ..tensorboard_log import TensorBoardLog
from ..trainers import Trainer, create_trainer
from .context import BridgeContext
from .models import model_info


def methods(context: BridgeContext) -> dict[str, Handler]:
    handles = context.handles

    def create(params: dict[str, Any], call: Call) -> dict[str, Any]:
        group = distributed.current()
        if group is not None and params["algorithm"] not in DATA_PARALLEL:
            raise ConfigInvalid([Issue(("algorithm",), (
                f"{params['algorithm']!r} does not split its batch across ranks yet (only {sorted(DATA_PARALLEL)} do), so each of the "
                f"{group.world_size} processes would train on the same videos; run it with one process"))])
        model = handles.get(params["model"], "model")
        reward = context.rewards.build(params["reward"])
        trainer = create_trainer(params["algorithm"], model, reward, params["config"])
        return {"handle": handles.add("trainer", trainer), "model": model_info(params["model"], model)}

    def fit(params: dict[str, Any], call: Call) -> dict[str, Any]:
        trainer: Trainer = handles.get(params["handle"], "trainer")
        steps, save_every, directory_path = params["steps"], params.get("saveEvery"), params.get("runDirectory")
        # Only the leader of a data-parallel run writes the run directory (the ranks hold the same LoRA).
        run = RunDirectory(directory_path) if directory_path and distributed.is_leader() else None
        if run:
            run.save_reward_records(trainer.reward_records())
        board_path = params.get("tensorboardDirectory")
        board = TensorBoardLog(board_path) if board_path and distributed.is_leader() else None
        early = params.get("earlyStop")
        stopping = HeldOutStopping.from_options(trainer, context.rewards.build(early["reward"], ("earlyStop", "reward")), early,
                                                params["prompts"]) if early else None
        call.emit("fit-start", {"steps": steps})
        last, lora_path, completed = None, None, 0
        if stopping:
            stopping.observe()  # the held-out score the fit starts from

        def save_point() -> str:
            # The LoRA for users, then the full state for --resume; both describe step trainer.steps_done.
            saved = run.save_lora(trainer.model, trainer.adapter)
            save_checkpoint(run.path, trainer.steps_done, trainer.state_dict())
            return saved

        for index in range(steps):
            if distributed.leader_value(call.cancelled):  # every rank stops at the same step
                break  # at a step boundary: the last completed step is fully on disk
            try:
                last = trainer.step(params["prompts"])
            except FloatingPointError as error:
                raise FloatingPointError(f"{error}. {_last_checkpoint_note(run)}") from error
            completed = index + 1
            if run:
                run.append_metrics(last)
                if save_every and trainer.steps_done % save_every == 0:
                    lora_path = save_point()
            if board:
                board.add_step(last)
            call.emit("fit-delta", last)
            if stopping and stopping.observe():
                break  # at a step boundary, its metrics written
        if run and completed > 0 and (save_every is None or trainer.steps_done % save_every != 0):
            lora_path = save_point()
        stopped_early = stopping.finish() if stopping else None
        if run and stopped_early:  # the checkpoint above is the last step's; the LoRA is the one kept
            if stopped_early["keptStep"] != trainer.steps_done:
                lora_path = run.save_lora(trainer.model, trainer.adapter)
            run.save_early_stop(stopped_early)
        if board:
            board.close()
        call.emit("fit-end", {"steps": completed})
        saved = f"; the metrics and LoRA of step {completed} are in {directory_path}" if run and completed else ""
        call.raise_if_cancelled(f"after {completed} of {steps} steps{saved}")
        return {"steps": completed, "last": last, "loraPath": lora_path, **({"earlyStop": stopped_early} if stopped_early else {})}

    def restore(params: dict[str, Any], call: Call) -> dict[str, Any]:
        """Loads a run's newest good checkpoint into a fresh trainer built from the run's own job, and
        drops metrics of steps after it (they ran after the last save, and will run again)."""
        trainer: Trainer = handles.get(params["handle"], "trainer")
        # The leader reads the checkpoint and hands it to every rank (the run directory is on its disk).
        step, state, warnings = distributed.on_leader(lambda: load_latest_checkpoint(RunDirectory(params["runDirectory"]).path))
        trainer.load_state_dict(state)
        if distributed.is_leader():
            RunDirectory(params["runDirectory"]).keep_metrics_through(step)
        return {"step": step, "warnings": warnings}

    return {"trainer.create": create, "trainer.fit": fit, "trainer.restore": restore}


# Algorithms whose step splits its batch across data-parallel ranks (shards.py).
DATA_PARALLEL = frozenset({"vader"})


def _last_checkpoint_note(run: RunDirectory | None) -> str:
    """Where a stopped run can continue from: its newest checkpoint is left as it was."""
    if run is None:
        return "Nothing was saved (no run directory)"
    saved = sorted((run.path / "checkpoints").glob("step-??????"))
    if not saved:
        return f"No checkpoint was saved yet in {run.path} (set saveEvery to save every N steps)"
    return f"The run's last checkpoint ({saved[-1].name}) in {run.path} is intact: continue with `vader train --resume {run.path}`"
