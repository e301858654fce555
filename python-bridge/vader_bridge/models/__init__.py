"""Model families, registered by name (("model", "text-to-video"))."""

from __future__ import annotations

from .text_to_video import TextToVideoModel

__all__ = ["TextToVideoModel"]
