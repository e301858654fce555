"""Tiny random-weight checkpoints of every reward that loads published weights, written in the
original formats, for smoke runs and tests of the whole path from TypeScript:

    node scripts/run-python.mjs tiny-rewards OUT_DIR      # prints {reward name: its options} as JSON

Their scores mean nothing (random weights); they exercise loading, preprocessing, gradients and logging.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .tiny_clip_checkpoints import write_tiny_reward_weights
from .tiny_video_checkpoints import write_tiny_videomae, write_tiny_vjepa2, write_tiny_yolos


def write_all_tiny_rewards(folder: Path) -> dict[str, dict[str, Any]]:
    folder = Path(folder)
    return {
        **write_tiny_reward_weights(folder),
        "object-removal": write_tiny_yolos(folder / "yolos"),
        "action": write_tiny_videomae(folder / "videomae"),
        "temporal-consistency": write_tiny_vjepa2(folder / "vjepa2"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="folder to write the checkpoints into")
    print(json.dumps(write_all_tiny_rewards(Path(parser.parse_args().out)), indent=2))


if __name__ == "__main__":
    main()
