"""A cache of per-article results, keyed by content.

An entry's key is a hash of everything its result depends on: the file's bytes and name, the
build options that reach the per-article stages, and a fingerprint of the code those stages run
(every module they import and every resource file, so an edited rule invalidates it as surely
as a new release, while an edited template does not). Entries live in
`.timeline-cache/<sources>/results.sqlite` beside the output folder, never inside it. A build
that completes prunes the entries it did not use.

Beside the entries, a file index (as git's) remembers each source file's digest with the stat
facts it had when it was read: size, modification and change times, inode and device. A file
whose facts are the same is not read again. The index is trusted only for files that had
settled when read: a file changed within `SETTLE_NS` of the build that read it could change
again without its times moving (a timestamp's tick can be as coarse as 2 s), so it is read
again by the next build. A write to a file always sets its change time to the present, which
the user cannot set back (`touch -d` sets only the modification time), so a file written after
it was read never keeps the facts it was read with.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import hashlib
import importlib
import io
import os
import pickle
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import timeline

CACHE_DIR = ".timeline-cache"
FORMAT = b"timeline-cache-2"
DB_FILE = "results.sqlite"
SETTLE_NS = 2_000_000_000  # the coarsest timestamp tick of common file systems (FAT: 2 s)
_COMMIT_EVERY = 1000
_QUERY_KEYS = 500  # keys per lookup query (SQLite allows 32,766 parameters)
_MARKERS = {
    ".gitignore": "# Created by timeline: per-article results, safe to delete.\n*\n",
    "CACHEDIR.TAG": "Signature: 8a477f597d28d172789f06886806bc55\n# timeline's cache\n",
}
_FACTS = ("size", "mtime_ns", "ctime_ns", "inode", "device")
_TABLES = (
    "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, data BLOB)",
    f"CREATE TABLE IF NOT EXISTS file_index (rel TEXT PRIMARY KEY, {', '.join(_FACTS)}, digest)",
)
# Rows as this version writes them; anything else (a damaged row) is left out.
_READ_INDEX = (
    f"SELECT rel, {', '.join(_FACTS)}, digest FROM file_index WHERE typeof(digest) = 'blob'"
    + "".join(f" AND typeof({name}) = 'integer'" for name in _FACTS)
)

Facts = tuple[int, int, int, int, int]  # size, mtime_ns, ctime_ns, inode, device


def facts(st: os.stat_result) -> Facts:
    """What a file's stat says about its content, for the file index."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


class FileIndex:
    """Source files' digests by their stat facts: the last build's, and this build's."""

    def __init__(self, known: dict[str, tuple[Facts, bytes]], started_ns: int) -> None:
        self.known = known
        self.started_ns = started_ns  # taken before this build stats or reads any file
        self.seen: dict[str, tuple[Facts, bytes]] = {}

    def digest(self, rel: str, now: Facts) -> bytes | None:
        """The digest of `rel` if its facts are those it had when read, else None."""
        entry = self.known.get(rel)
        if entry is None or entry[0] != now:
            return None
        self.seen[rel] = entry
        return entry[1]

    def replaced(self) -> list[tuple[str, bytes]]:
        """Files (and their digests) as the last build knew them, that have changed or gone."""
        return [(rel, d) for rel, (f, d) in self.known.items() if self.seen.get(rel) != (f, d)]

    def note(self, rel: str, before: Facts, digest: bytes) -> None:
        """`rel` was read after it was stat'ed as `before`; its digest is kept for the next
        build if the file had settled, that is, if it changed long enough before this build."""
        if max(before[1], before[2]) < self.started_ns - SETTLE_NS:
            self.seen[rel] = (before, digest)
        else:
            self.seen.pop(rel, None)


class Cache:
    """Pickled results in one SQLite file: one file, not one per article, because creating
    a file costs a millisecond on a busy disk and a corpus has tens of thousands of articles.
    Writes are committed in batches; a killed build loses at most its last batch, never the
    file's consistency."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.used: set[str] = set()
        self.stored: set[str] = set()  # keys this build found or put: in the file, and used
        self._db: sqlite3.Connection | None = None
        self._pending = 0
        self._index: FileIndex | None = None

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
                    found[k] = loads(data)
                except Exception:  # a corrupt or foreign entry is a miss, never a failed build
                    continue
        self.stored.update(found)
        return found

    def put(self, key: str, data: bytes) -> None:
        """Store pickled `data` under `key`."""
        self.used.add(key)
        self.stored.add(key)
        self.db.execute("INSERT OR REPLACE INTO entries (key, data) VALUES (?, ?)", (key, data))
        self._pending += 1
        if self._pending >= _COMMIT_EVERY:
            self.db.commit()
            self._pending = 0

    def files(self) -> FileIndex:
        """The file index, as the last completed build left it; read once per build."""
        if self._index is None:
            started = time.time_ns()
            try:
                rows = self.db.execute(_READ_INDEX).fetchall()
            except sqlite3.OperationalError:  # laid out by another version: start it again
                self.db.execute("DROP TABLE file_index")
                self.db.execute(_TABLES[1])
                rows = []
            known = {row[0]: (row[1:6], row[6]) for row in rows}
            self._index = FileIndex(known, started)
        return self._index

    def prune(self, stale: Iterable[str] = ()) -> int:
        """Remove the entries this build did not use, save the file index, and commit; how
        many entries went. Deleting the `stale` keys (those of files changed or gone, known
        from the index) is often all there is to do; the whole table is swept otherwise."""
        db = self.db
        gone = db.executemany(
            "DELETE FROM entries WHERE key = ?", ((k,) for k in set(stale) - self.used)
        ).rowcount
        (left,) = db.execute("SELECT count(*) FROM entries").fetchone()
        if left != len(self.stored):  # entries used are all stored: any other is unused
            db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY)")
            db.execute("DELETE FROM used")
            db.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((k,) for k in self.used))
            sweep = "DELETE FROM entries WHERE key NOT IN (SELECT key FROM used)"
            gone += db.execute(sweep).rowcount
        if self._index is not None:
            _save(db, self._index)
            self._index = None
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


def _save(db: sqlite3.Connection, index: FileIndex) -> None:
    """Write the rows of the index that changed in this build; files gone are let go."""
    gone = [(rel,) for rel in index.known.keys() - index.seen.keys()]
    new = [(r, *f, d) for r, (f, d) in index.seen.items() if index.known.get(r) != (f, d)]
    db.executemany("DELETE FROM file_index WHERE rel = ?", gone)
    db.executemany("INSERT OR REPLACE INTO file_index VALUES (?, ?, ?, ?, ?, ?, ?)", new)


def _open(path: Path) -> sqlite3.Connection:
    for _ in range(2):
        db = sqlite3.connect(path, timeout=60)
        try:
            for table in _TABLES:
                db.execute(table)
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


# -- pickles -------------------------------------------------------------------------------------
# A result refers to a few dozen classes, enum members and field names, each first met in every
# pickle: spelt out by name, looked up by import, decoded and interned each time, they cost a
# third of unpickling 10,000 results. Pickles here name them by their number in a table made
# from the per-article stages' data classes instead, which `loads` looks up in C. The table
# follows the code; its digest heads every pickle, so a pickle made by another version (a Dask
# worker's) is refused rather than read with the wrong names.
_SHARED_MODULES = ("timeline.model", "timeline.execute")
_STDLIB = (datetime.datetime, datetime.date, datetime.timezone, datetime.timedelta, datetime.UTC)


class _Shared(NamedTuple):
    objects: list[object]
    numbers: dict[tuple[type, object], int]
    digest: bytes


def vocabulary(modules: Sequence[str]) -> list[object]:
    """What every pickle of the tool's data would spell out again and again: the datetime
    types, then each class the `modules` define (by name), each enum's members and each data
    class's field names (interned, as attribute names are). The same list in every process.
    Cache pickles and render keys (`timeline.render_cache`) refer to these by number."""
    objects: list[object] = [*_STDLIB]
    for name in modules:
        module = importlib.import_module(name)
        for cls in (v for _, v in sorted(vars(module).items()) if _defined_in(v, name)):
            objects.append(cls)
            if issubclass(cls, enum.Enum):
                objects.extend(cls)
            elif dataclasses.is_dataclass(cls):
                objects.extend(sys.intern(f.name) for f in dataclasses.fields(cls))
    return objects


@cache
def _shared() -> _Shared:
    objects = vocabulary(_SHARED_MODULES)
    numbers: dict[tuple[type, object], int] = {}
    for n, obj in enumerate(objects):
        numbers.setdefault((type(obj), obj), n)
    spelt = "\n".join(_spelt(obj) for obj in objects)
    return _Shared(objects, numbers, hashlib.sha256(spelt.encode()).digest()[:8])


def _defined_in(value: object, module: str) -> bool:
    return isinstance(value, type) and value.__module__ == module


def _spelt(obj: object) -> str:
    if isinstance(obj, type):
        return f"{obj.__module__}.{obj.__qualname__}"
    if isinstance(obj, enum.Enum):
        return f"{_spelt(type(obj))}.{obj.name}"
    return repr(obj)


class _Pickler(pickle.Pickler):
    def __init__(self, out: io.BytesIO, numbers: dict[tuple[type, object], int]) -> None:
        super().__init__(out, protocol=pickle.HIGHEST_PROTOCOL)
        self.numbers = numbers

    def persistent_id(self, obj: Any) -> int | None:
        kind = type(obj)
        if kind is str or kind is type or isinstance(obj, enum.Enum):
            return self.numbers.get((kind, obj))
        return None


def dumps(result: object) -> bytes:
    """A result pickled for the cache, shared names by number (see above)."""
    shared = _shared()
    out = io.BytesIO()
    out.write(shared.digest)
    _Pickler(out, shared.numbers).dump(result)
    return out.getvalue()


def loads(data: bytes) -> Any:
    """A result pickled by `dumps` of this version; ValueError for any other pickle."""
    shared = _shared()
    if data[: len(shared.digest)] != shared.digest:
        raise ValueError("pickled by another version of timeline")
    unpickler = pickle.Unpickler(io.BytesIO(memoryview(data)[len(shared.digest) :]))
    unpickler.persistent_load = shared.objects.__getitem__  # type: ignore[method-assign]
    return unpickler.load()


def content_digest(data: bytes) -> bytes:
    """The digest of one file's bytes, as the file index keeps it."""
    return hashlib.sha256(data).digest()


def key(data: bytes, rel: str, options: Iterable[object]) -> str:
    """The cache key of one file's per-article results."""
    return keyer(options)(content_digest(data), rel)


def keyer(options: Iterable[object]) -> Callable[[bytes, str], str]:
    """The cache key of a file's per-article results from its name and digest, for a build
    with `options`; what every key shares is hashed once."""
    shared = hashlib.sha256(FORMAT)
    shared.update(fingerprint().encode())
    shared.update(repr(tuple(options)).encode())

    def key_of(digest: bytes, rel: str) -> str:
        h = shared.copy()
        h.update(os.fsencode(rel) + b"\0")
        h.update(digest)
        return h.hexdigest()

    return key_of


@cache
def fingerprint(entry: str = "execute") -> str:
    """A hash of the code the per-article stages run (the modules `timeline.<entry>` imports,
    directly or not) and of the language data; an edit to the renderer leaves it alone."""
    root = Path(timeline.__file__).parent
    h = hashlib.sha256(timeline.__version__.encode())
    data = [p for p in (root / "resources").rglob("*") if p.is_file()]
    for path in sorted(data + [root / f"{m}.py" for m in imported(root, entry)]):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def imported(root: Path, entry: str) -> set[str]:
    """`entry` and every module of the package it imports, found by reading the code."""
    seen: set[str] = set()
    todo = [entry]
    while todo:
        name = todo.pop()
        path = root / f"{name}.py"
        if name in seen or not path.is_file():
            continue
        seen.add(name)
        todo.extend(package_imports(path.read_text("utf-8")))
    return seen


# An import statement of the package, found by its text rather than by parsing the module
# (ast.parse of the per-article modules costs 40 ms a build): any `import timeline.x` or
# `from timeline[.x] import ...` starting a line or following `;` or `:`, its names running to
# a closing parenthesis or the end of the line. Text that only looks like one (in a string or a
# comment) adds a module: a wider fingerprint, never a narrower one. tests/test_cache_index.py
# holds it to ast's answer for every module of the package.
_START = r"(?:^|[;:])[ \t]*"
_FROM = re.compile(
    _START + r"from[ \t]+timeline((?:[ \t]*\.[ \t]*\w+)*)[ \t]+import[ \t]*"
    r"(\((?:[^)#]|#[^\n]*)*\)|[^\n]*)",
    re.MULTILINE,
)
_IMPORT = re.compile(_START + r"import[ \t]+([^\n]*)", re.MULTILINE)
_SUBMODULE = re.compile(r"\btimeline[ \t]*\.[ \t]*(\w+)")
_WORD = re.compile(r"\w+")


def package_imports(source: str) -> set[str]:
    """The package's modules that `source` imports (a superset, never less)."""
    source = source.replace("\\\n", " ")  # lines continued with a backslash
    found = {m for rest in _IMPORT.findall(source) for m in _SUBMODULE.findall(rest)}
    for dotted, names in _FROM.findall(source):
        if dotted:
            found.add(_WORD.findall(dotted)[0])
        else:
            found.update(_WORD.findall(re.sub(r"#[^\n]*", "", names)))
    return found
