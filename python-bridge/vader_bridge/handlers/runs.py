"""run.*: the run directory, written and read by its one owner (run_directory.py)."""

from __future__ import annotations

from typing import Any

from ..call import Call, Handler
from ..run_directory import RunDirectory
from .context import BridgeContext


def methods(context: BridgeContext) -> dict[str, Handler]:
    def save(params: dict[str, Any], call: Call) -> dict[str, Any]:
        return {"path": RunDirectory(params["directory"]).save_config(params["config"])}

    def save_evaluation(params: dict[str, Any], call: Call) -> dict[str, Any]:
        return {"path": RunDirectory(params["directory"]).save_evaluation(params["evaluation"])}

    def save_sample(params: dict[str, Any], call: Call) -> dict[str, Any]:
        return {"path": RunDirectory(params["directory"]).save_sample(params["name"], params["video"], fps=params["fps"])}

    def load(params: dict[str, Any], call: Call) -> dict[str, Any]:
        return RunDirectory.load(params["directory"])

    return {"run.save": save, "run.saveEvaluation": save_evaluation, "run.saveSample": save_sample, "run.load": load}
