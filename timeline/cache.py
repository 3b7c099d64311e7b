"""A cache of per-article results, keyed by content.

An entry's key is a hash of everything its result depends on: the file's bytes and name, the
build options that reach the per-article stages, and a fingerprint of the code those stages run
(every module they import and every resource file, so an edited rule invalidates it as surely
as a new release, while an edited template does not). Entries live in
`.timeline-cache/<sources>/results.sqlite` beside the output folder, never inside it. A build
that completes prunes the entries it did not use.
"""

from __future__ import annotations

import ast
import hashlib
import os
import pickle
import sqlite3
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import timeline

CACHE_DIR = ".timeline-cache"
FORMAT = b"timeline-cache-1"
DB_FILE = "results.sqlite"
_COMMIT_EVERY = 1000
_QUERY_KEYS = 500  # keys per lookup query (SQLite allows 32,766 parameters)
_MARKERS = {
    ".gitignore": "# Created by timeline: per-article results, safe to delete.\n*\n",
    "CACHEDIR.TAG": "Signature: 8a477f597d28d172789f06886806bc55\n# timeline's cache\n",
}


class Cache:
    """Pickled results in one SQLite file: one file, not one per article, because creating
    a file costs a millisecond on a busy disk and a corpus has tens of thousands of articles.
    Writes are committed in batches; a killed build loses at most its last batch, never the
    file's consistency."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.used: set[str] = set()
        self._db: sqlite3.Connection | None = None
        self._pending = 0

    @classmethod
    def beside(cls, out: Path, sources: Path) -> Cache:
        """The cache for one sources folder, next to the output folder."""
        tag = hashlib.sha256(os.fsencode(sources.resolve())).hexdigest()[:16]
        return cls(out.resolve().parent / CACHE_DIR / tag)

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        """The results stored under `keys`, by key; keys with no (readable) entry are left out.
        One query per few hundred keys, not one per key."""
        self.used.update(keys)
        found: dict[str, Any] = {}
        for start in range(0, len(keys), _QUERY_KEYS):
            chunk = list(keys[start : start + _QUERY_KEYS])
            marks = ",".join("?" * len(chunk))
            query = f"SELECT key, data FROM entries WHERE key IN ({marks})"  # placeholders only
            for k, data in self.db.execute(query, chunk):
                try:
                    found[k] = pickle.loads(data)
                except Exception:  # a corrupt or foreign entry is a miss, never a failed build
                    continue
        return found

    def put(self, key: str, data: bytes) -> None:
        """Store pickled `data` under `key`."""
        self.used.add(key)
        self.db.execute("INSERT OR REPLACE INTO entries (key, data) VALUES (?, ?)", (key, data))
        self._pending += 1
        if self._pending >= _COMMIT_EVERY:
            self.db.commit()
            self._pending = 0

    def prune(self) -> int:
        """Remove entries this build did not use, and save; how many went."""
        db = self.db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY)")
        db.execute("DELETE FROM used")
        db.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((k,) for k in self.used))
        gone = db.execute("DELETE FROM entries WHERE key NOT IN (SELECT key FROM used)").rowcount
        db.commit()
        self._pending = 0
        return gone

    @property
    def db(self) -> sqlite3.Connection:
        """The open cache file; a damaged one is replaced by an empty one."""
        if self._db is None:
            _make(self.folder)
            self._db = _open(self.folder / DB_FILE)
        return self._db


def _open(path: Path) -> sqlite3.Connection:
    for _ in range(2):
        db = sqlite3.connect(path, timeout=60)
        try:
            db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, data BLOB)")
            return db
        except sqlite3.DatabaseError:  # not a cache file (damaged, or something else)
            db.close()
            path.unlink(missing_ok=True)
    raise OSError(f"cannot create the cache {path}")


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
