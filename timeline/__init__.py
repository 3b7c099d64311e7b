"""timeline: turn a folder of news articles about one story into one browsable timeline."""

from __future__ import annotations

__version__ = "0.1.0"
