"""A cache of per-article results, keyed by content.

An entry's key is a hash of everything its result depends on: the file's bytes and name, the
build options that reach the per-article stages, and a fingerprint of the code those stages run
(every module they import and every resource file, so an edited rule invalidates it as surely
as a new release, while an edited template does not). Entries live in
`.timeline-cache/<sources>/` beside the output folder, never inside it; each is written to a
temporary name and renamed, so a killed build leaves no torn entry. A build that completes
prunes the entries it did not use.
"""

from __future__ import annotations

import ast
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
def fingerprint(entry: str = "execute") -> str:
    """A hash of the code the per-article stages run (the modules `timeline.<entry>` imports,
    directly or not) and of the language data; an edit to the renderer leaves it alone."""
    root = Path(timeline.__file__).parent
    h = hashlib.sha256(timeline.__version__.encode())
    data = [p for p in (root / "resources").rglob("*") if p.is_file()]
    for path in sorted(data + [root / f"{m}.py" for m in _imported(root, entry)]):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def _imported(root: Path, entry: str) -> set[str]:
    """`entry` and every module of the package it imports, found by reading the code."""
    seen: set[str] = set()
    todo = [entry]
    while todo:
        name = todo.pop()
        path = root / f"{name}.py"
        if name in seen or not path.is_file():
            continue
        seen.add(name)
        for node in ast.walk(ast.parse(path.read_bytes())):
            todo.extend(_package_imports(node))
    return seen


def _package_imports(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name.split(".")[1] for a in node.names if a.name.startswith("timeline.")]
    if isinstance(node, ast.ImportFrom) and node.module == "timeline":
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("timeline."):
        return [(node.module or "").split(".")[1]]
    return []
