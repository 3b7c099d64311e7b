"""A cache of per-article results, keyed by content.

An entry's key is a hash of everything its result depends on: the file's bytes and name, the
build options that reach the per-article stages, and a fingerprint of the tool itself (every
source and resource file of the package, so an edited rule invalidates it as surely as a new
release). Entries live in `.timeline-cache/<sources>/` beside the output folder, never inside
it; each is written to a temporary name and renamed, so a killed build leaves no torn entry.
A build that completes prunes the entries it did not use.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import timeline

CACHE_DIR = ".timeline-cache"
FORMAT = b"timeline-cache-1"
_MARKERS = {
    ".gitignore": "# Created by timeline: per-article results, safe to delete.\n*\n",
    "CACHEDIR.TAG": "Signature: 8a477f597d28d172789f06886806bc55\n# timeline's cache\n",
}


class Cache:
    """Pickled results in one folder, one file per key."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.used: set[str] = set()

    @classmethod
    def beside(cls, out: Path, sources: Path) -> Cache:
        """The cache for one sources folder, next to the output folder."""
        tag = hashlib.sha256(os.fsencode(sources.resolve())).hexdigest()[:16]
        return cls(out.resolve().parent / CACHE_DIR / tag)

    def get(self, key: str) -> Any | None:
        """The result stored under `key`, or None."""
        self.used.add(key)
        try:
            data = (self.folder / key).read_bytes()
        except OSError:
            return None
        try:
            return pickle.loads(data)
        except Exception:  # a corrupt or foreign entry is a miss, never a failed build
            return None

    def put(self, key: str, data: bytes) -> None:
        """Store pickled `data` under `key`, atomically."""
        self.used.add(key)
        if not self.folder.is_dir():
            _make(self.folder)
        tmp = self.folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, self.folder / key)

    def prune(self) -> int:
        """Remove entries this build did not use; how many went."""
        if not self.folder.is_dir():
            return 0
        stale = [p for p in self.folder.iterdir() if p.name not in self.used]
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)


def _make(folder: Path) -> None:
    """The cache folder, marked so that git and backup tools leave it alone (as pytest does)."""
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.parent
    for name, text in _MARKERS.items():
        if not (root / name).exists():
            (root / name).write_text(text, "utf-8")


def key(data: bytes, rel: str, options: Iterable[object]) -> str:
    """The cache key of one file's per-article results."""
    h = hashlib.sha256(FORMAT)
    h.update(fingerprint().encode())
    h.update(repr(tuple(options)).encode())
    h.update(os.fsencode(rel) + b"\0")
    h.update(data)
    return h.hexdigest()


@cache
def fingerprint() -> str:
    """A hash of the tool's own code and language data."""
    root = Path(timeline.__file__).parent
    h = hashlib.sha256(timeline.__version__.encode())
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix not in (".pyc",) and "__pycache__" not in path.parts:
            h.update(path.relative_to(root).as_posix().encode() + b"\0")
            h.update(path.read_bytes())
    return h.hexdigest()
