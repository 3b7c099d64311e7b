"""Render results kept between builds, so that a build after a small edit renders only what
the edit changed.

A cached page is stored under a key: a hash of everything it is rendered from (see
`render._Keys`). A page whose key is known is not rendered again: its content digest is known
at once, and its bytes are read back only if the writer needs them (a file the current site
already holds is hard-linked instead; a file over `KEPT_BYTES` is kept by digest only, and
made again in the rare build that needs its bytes). Pieces of larger files (one entry's JSON,
one VEVENT, one row of sources.html, a period page without its overview strip) are kept the
same way, in UTF-8, one table of pieces per kind. Keys err on the side of including too much:
a needless re-render costs a millisecond, a stale page is a wrong site.

Everything lives in one SQLite file in the cache folder the build gives (`render-2.sqlite`); a
damaged or unreadable cache is a cache miss, never a failed build. A build keeps only what it
used (and the pieces it was told to keep for the next one).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import operator
import pickle
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from timeline import model
from timeline.cache import vocabulary
from timeline.write import content_digest

FORMAT = b"timeline-render-6"
DB_FILE = "render-2.sqlite"
# Larger files are kept by digest only: the writer nearly always finds their bytes in the
# current site, and storing them again after every edit (timeline.json holds every event)
# would cost more than the rare render they save.
KEPT_BYTES = 1 << 20
_SCHEMA = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = OFF",  # a cache: a damaged file is replaced by an empty one
    "CREATE TABLE IF NOT EXISTS pages (key BLOB PRIMARY KEY, digest TEXT, data BLOB)",
    "CREATE TABLE IF NOT EXISTS pieces (kind TEXT, key BLOB, text TEXT, PRIMARY KEY (kind, key))",
    "CREATE TABLE IF NOT EXISTS salts (kind TEXT PRIMARY KEY, salt BLOB)",
)


def digest(*parts: object) -> bytes:
    """A key for `parts`: any picklable values."""
    return hashlib.blake2b(pickle.dumps(parts, protocol=5), digest_size=16).digest()


def model_digest(*parts: object) -> bytes:
    """A key for `parts` that hold objects of the model (articles, mentions, entries)."""
    return ModelDigest()(*parts)


class ModelDigest:
    """`model_digest` for many keys in a row: one pickler, primed once, in fast mode (it adds
    nothing to its memo, so each key's bytes hold the whole of its parts, and priming it
    again for every key would cost a third of the time). One per thread."""

    def __init__(self) -> None:
        self._out = io.BytesIO()
        self._pickler = pickle.Pickler(self._out, protocol=5)
        self._pickler.memo = _known_objects()
        self._pickler.fast = True  # the model is acyclic; shared objects are written out again

    def __call__(self, *parts: object) -> bytes:
        out = self._out
        out.seek(0)
        out.truncate()
        self._pickler.dump(parts)
        with out.getbuffer() as written:
            return hashlib.blake2b(written, digest_size=16).digest()

    def mentions(self, article: model.Article, mentions: Sequence[model.Mention]) -> bytes:
        """The key of an article and its mentions: each taken as the tuple of its fields
        (those of a nested value spelled out), which pickles in half the time of the objects
        and covers the same."""
        return self(_fields(model.Article)(article), tuple(map(_fields(model.Mention), mentions)))

    def entry(self, entry: model.Entry, versions: Mapping[str, str] | None = None) -> bytes:
        """The key of an entry: every field of it and of its events, spelled out (an event
        of an article with a version as that version and its id: `event_fields`)."""
        return self(_entry_fields(entry, versions or {}))

    def event(self, event: model.Event, versions: Mapping[str, str] | None = None) -> bytes:
        """The key of an event (see `event_fields`)."""
        return self(event_fields(event, versions or {}))


def event_fields(event: model.Event, versions: Mapping[str, str]) -> tuple[Any, ...]:
    """An event as its article's version and its id, the version made it; or else every
    field of it and of its mention, spelled out."""
    version = versions.get(event.article_id)
    return (version, event.id) if version else _fields(model.Event)(event)


# Fields of the model that hold one object of the model: spelled out field by field in keys.
_NESTED: dict[tuple[type, str], type] = {
    (model.Mention, "value"): model.TimeValue,
    (model.Event, "mention"): model.Mention,
    (model.DateVote, "value"): model.TimeValue,
    (model.Entry, "value"): model.TimeValue,
}
# Fields that hold a tuple of the model's objects: spelled out by `_entry_fields`.
_MANY = frozenset({(model.Entry, "events"), (model.Entry, "disagreement")})


def _spelled(cls: type, prefix: str = "") -> list[str]:
    """The dotted names of every field of `cls`, nested ones spelled out."""
    names: list[str] = []
    for field in dataclasses.fields(cls):
        nested = _NESTED.get((cls, field.name))
        if (cls, field.name) in _MANY:
            continue
        if nested is None:
            names.append(prefix + field.name)
        else:
            names.extend(_spelled(nested, f"{prefix}{field.name}."))
    return names


@cache
def _fields(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    """Every field of an object of `cls`, and of the model's objects it holds in place of
    them (`_NESTED`), as one tuple."""
    return operator.attrgetter(*_spelled(cls))


def _entry_fields(entry: model.Entry, versions: Mapping[str, str]) -> tuple[Any, ...]:
    vote = _fields(model.DateVote)
    events = tuple(event_fields(e, versions) for e in entry.events)
    return _fields(model.Entry)(entry), events, tuple(map(vote, entry.disagreement))


@cache
def _known_objects() -> dict[int, tuple[int, Any]]:
    """A pickler's memo that already holds the model's vocabulary (`cache.vocabulary`: the
    datetime types, the model's classes, enum members and field names): each digest refers
    to them by number instead of naming them again (a third of the time of digesting an
    article and its mentions)."""
    pickler = pickle.Pickler(io.BytesIO(), protocol=5)
    pickler.dump(vocabulary((model.__name__,)))
    return pickler.memo.copy()


class _Pieces:
    """The kept pieces of one export: those of the last build, and those this one used."""

    def __init__(self, salt: bytes, old: dict[bytes, bytes], fresh: bool) -> None:
        self.salt, self.old, self.fresh = salt, old, fresh
        self.used: dict[bytes, bytes] = {}
        self.touched: set[bytes] = set()  # kept, though not needed by this build


class RenderCache:
    """Pages and export pieces from earlier builds; with no folder, a cache that never hits."""

    def __init__(self, folder: Path | None) -> None:
        self._db = _open(folder / DB_FILE) if folder is not None else None
        self._known: dict[bytes, str] = {}
        self._new: dict[bytes, tuple[str, bytes | None]] = {}
        self._used: set[bytes] = set()
        self._pieces: dict[str, _Pieces] = {}
        self._touched: dict[str, set[bytes]] = {}
        if self._db is not None:
            self._known = dict(self._safe("SELECT key, digest FROM pages", ()))

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def known(self, key: bytes) -> str | None:
        """The content digest of the page stored under `key`, if any."""
        found = self._known.get(key)
        if found is not None:
            self._used.add(key)
        return found

    def load(self, key: bytes) -> bytes | None:
        """The bytes stored under `key` (None if another build dropped them meanwhile, or they
        were too large to keep)."""
        rows = self._safe("SELECT data FROM pages WHERE key = ?", (key,))
        return bytes(rows[0][0]) if rows and rows[0][0] is not None else None

    def put(self, key: bytes, data: bytes) -> str:
        """Keep `data` under `key` (only its digest when it is large); its content digest."""
        found = content_digest(data)
        if self._db is not None:
            self._new[key] = (found, data if len(data) <= KEPT_BYTES else None)
            self._used.add(key)
        return found

    def piece(self, kind: str, salt: bytes, key: bytes, make: Callable[[], str]) -> bytes:
        """The piece of export `kind` stored under `key` (in UTF-8), made and kept when
        missing. `salt` stands for what every piece of the kind depends on (the code): when it
        changes, the pieces kept under another go."""
        table = self._table(kind, salt)
        data = table.old.get(key)
        if data is None:
            data = make().encode("utf-8")
        table.used[key] = data
        return data

    def touch(self, kind: str, key: bytes) -> None:
        """Keep the piece of `kind` under `key`, if there is one, though this build did not
        ask for it (one it may need next time: pieces no build asks for go)."""
        self._touched.setdefault(kind, set()).add(key)

    def save(self) -> None:
        """Store what this build made and drop what it did not use."""
        db = self._db
        if db is None:
            return
        try:
            self._save(db)
        except sqlite3.Error:  # another build holds the file: this one's results go unsaved
            db.rollback()

    def _save(self, db: sqlite3.Connection) -> None:
        rows = ((k, d, data) for k, (d, data) in self._new.items())
        db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?, ?)", rows)
        gone = ((k,) for k in self._known.keys() - self._used)
        db.executemany("DELETE FROM pages WHERE key = ?", gone)
        for kind, table in self._pieces.items():
            table.touched = self._touched.get(kind, set())
            self._save_pieces(db, kind, table)
        db.commit()
        self._known.update((k, d) for k, (d, _) in self._new.items())
        self._new.clear()

    @staticmethod
    def _save_pieces(db: sqlite3.Connection, kind: str, table: _Pieces) -> None:
        if table.fresh:
            db.execute("DELETE FROM pieces WHERE kind = ?", (kind,))
            db.execute("INSERT OR REPLACE INTO salts VALUES (?, ?)", (kind, table.salt))
        added = ((kind, k, t) for k, t in table.used.items() if k not in table.old)
        db.executemany("INSERT OR REPLACE INTO pieces VALUES (?, ?, ?)", added)
        gone = ((kind, k) for k in table.old.keys() - table.used.keys() - table.touched)
        db.executemany("DELETE FROM pieces WHERE kind = ? AND key = ?", gone)

    def _table(self, kind: str, salt: bytes) -> _Pieces:
        if kind not in self._pieces:
            stored = self._safe("SELECT salt FROM salts WHERE kind = ?", (kind,))
            if stored and stored[0][0] == salt:
                rows = self._safe("SELECT key, text FROM pieces WHERE kind = ?", (kind,))
                self._pieces[kind] = _Pieces(salt, dict(rows), fresh=False)
            else:
                self._pieces[kind] = _Pieces(salt, {}, fresh=True)
        return self._pieces[kind]

    def _safe(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        if self._db is None:
            return []
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.Error:
            return []


def _open(path: Path) -> sqlite3.Connection | None:
    """The cache file, created when missing; None when it cannot be used."""
    for _ in range(2):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=60)
        except (OSError, sqlite3.Error):
            return None
        try:
            for statement in _SCHEMA:
                db.execute(statement)
            return db
        except sqlite3.OperationalError:  # locked, read-only: no cache for this build
            db.close()
            return None
        except sqlite3.DatabaseError:  # not a cache file: start a new one
            db.close()
            try:
                path.unlink(missing_ok=True)
            except OSError:
                return None
    return None
