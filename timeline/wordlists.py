"""Word lists kept as data: `resources/<language>/<stage>/<name>.txt`, one entry per line.

Blank lines and lines starting with "#" (comments, examples) are skipped. A language without
its own list falls back to English's.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

FALLBACK_LANGUAGE = "en"


@cache
def word_list(language: str, stage: str, name: str) -> tuple[str, ...]:
    """The entries of one list, trimmed, in file order; empty when no language has it."""
    for lang in dict.fromkeys((language, FALLBACK_LANGUAGE)):
        path = resources.files("timeline").joinpath(f"resources/{lang}/{stage}/{name}.txt")
        if path.is_file():
            lines = (line.strip() for line in path.read_text("utf-8").splitlines())
            return tuple(line for line in lines if line and not line.startswith("#"))
    return ()
