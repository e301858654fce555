"""Checked reading of a named reward's options: errors name the reward, the option, the problem and the fix."""

from __future__ import annotations

import math
from typing import Any


class RewardOptionError(ValueError):
    """A named reward was given an option it does not accept, or a value it cannot use."""


class OptionReader:
    """Read each option once, then `finish()` rejects whatever was not read (likely a typo)."""

    def __init__(self, reward_name: str, options: Any):
        if options is None:
            options = {}
        if not isinstance(options, dict):
            raise RewardOptionError(
                f"reward {reward_name!r}: options must be an object, got {type(options).__name__}; pass {{}} for none"
            )
        self.reward_name = reward_name
        self.options = options
        self.read: list[str] = []

    def number(self, option: str, *, default: float | None, minimum: float, maximum: float) -> float | None:
        self.read.append(option)
        value = self.options.get(option, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise RewardOptionError(
                f"reward {self.reward_name!r}: option {option!r} must be a finite number, got {value!r}; "
                f"pass a number from {minimum} to {maximum}" + (" or leave it out" if default is None else "")
            )
        if not minimum <= value <= maximum:
            raise RewardOptionError(
                f"reward {self.reward_name!r}: option {option!r} is {value}, outside [{minimum}, {maximum}]; "
                f"pass a number from {minimum} to {maximum}"
            )
        return float(value)

    def string(self, option: str, *, default: str) -> str:
        self.read.append(option)
        value = self.options.get(option, default)
        if not isinstance(value, str):
            raise RewardOptionError(
                f"reward {self.reward_name!r}: option {option!r} must be a string, got {value!r}"
            )
        return value

    def finish(self) -> dict:
        """The options as used (defaults filled in), after rejecting unknown ones."""
        unknown = sorted(set(self.options) - set(self.read))
        if unknown:
            accepted = ", ".join(self.read) if self.read else "none"
            raise RewardOptionError(
                f"reward {self.reward_name!r} does not accept option(s) {', '.join(map(repr, unknown))}; "
                f"accepted options: {accepted}; remove the unknown option(s)"
            )
        return {option: self.options[option] for option in self.read if option in self.options}
