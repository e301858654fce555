"""What the handlers of one bridge share: the handle table, the reward cache, and how to stop."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..handles import HandleTable
from ..rewards import RewardCache


@dataclass
class BridgeContext:
    stop: Callable[[], None] = lambda: None
    handles: HandleTable = field(default_factory=HandleTable)
    rewards: RewardCache = field(default_factory=RewardCache)
