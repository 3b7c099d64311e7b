"""The file index: a rebuild reads only the files whose stat facts moved, and never serves a
result made from bytes a file no longer holds, whatever the edit (same size, modification time
put back, renamed, swapped, replaced by a new file, written within a timestamp's tick)."""

from __future__ import annotations

import ast
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import timeline
from timeline import cache, execute
from timeline.cache import DB_FILE, SETTLE_NS, Cache, FileIndex, imported, key, package_imports
from timeline.execute import Analysed, Analysis, Execution, analyse_folder

SETTLE = 0.2  # seconds; the tests' file system (ext4, tmpfs) ticks in milliseconds

TEXTS = {
    "a.md": "Talks opened on March 3, 2023, in Geneva.",
    "b.md": "The ministers met again on April 14, 2023.",
    "c.md": "A deal was signed on May 20, 2023, after a long night.",
    "d.md": "Officials said on June 9, 2023, that the deal would hold.",
}


def write(folder: Path, rel: str, sentence: str) -> None:
    text = f"---\ntitle: {rel}\npublished: 2023-09-05T00:00:00+00:00\n---\n{sentence}\n"
    (folder / rel).write_text(text, "utf-8")


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """Four articles, settled (older than the settling time) before the first build."""
    monkeypatch.setattr(cache, "SETTLE_NS", int(SETTLE * 1e9))
    source = tmp_path / "articles"
    source.mkdir()
    for rel, sentence in TEXTS.items():
        write(source, rel, sentence)
    time.sleep(SETTLE * 1.5)
    return source


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The files the per-article stage reads, in order."""
    seen: list[str] = []
    real = execute.read_bytes

    def counting(path, rel, limit=None):
        seen.append(rel)
        return real(path, rel, limit)

    monkeypatch.setattr(execute, "read_bytes", counting)
    return seen


def analysed(source: Path, cached: bool = True) -> Analysed:
    where = Cache(source.parent / "cache") if cached else None
    return analyse_folder(source, Analysis(), Execution(executor="serial", cache=where))


def append(source: Path) -> None:
    with (source / "a.md").open("a", encoding="utf-8") as f:
        f.write("They met once more on March 10, 2023.\n")


def same_size_and_mtime(source: Path) -> None:
    """`touch -d` back to the old modification time: only the change time tells."""
    path = source / "a.md"
    before = path.stat()
    path.write_text(path.read_text("utf-8").replace("March 3", "March 4"), "utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def renamed(source: Path) -> None:
    (source / "a.md").rename(source / "e.md")


def swapped(source: Path) -> None:
    """Two files trade names: each name now has the other's size, times and inode."""
    (source / "a.md").rename(source / "tmp.md")
    (source / "b.md").rename(source / "a.md")
    (source / "tmp.md").rename(source / "b.md")


def replaced(source: Path) -> None:
    """A new file (new inode) moved over the old one, with its size and modification time."""
    path, new = source / "a.md", source.parent / "new.md"
    before = path.stat()
    new.write_text(path.read_text("utf-8").replace("March 3", "March 5"), "utf-8")
    os.utime(new, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(new, path)


def deleted(source: Path) -> None:
    (source / "a.md").unlink()


def added(source: Path) -> None:
    write(source, "e.md", "A second round began on July 1, 2023.")


EDITS: dict[str, tuple[Callable[[Path], None], set[str]]] = {
    "nothing": (lambda source: None, set()),
    "text appended": (append, {"a.md"}),
    "same size, modification time put back": (same_size_and_mtime, {"a.md"}),
    "renamed": (renamed, {"e.md"}),
    "two files swapped names": (swapped, {"a.md", "b.md"}),
    "replaced by a new file": (replaced, {"a.md"}),
    "deleted": (deleted, set()),
    "added": (added, {"e.md"}),
}


@pytest.mark.parametrize(("edit", "read"), list(EDITS.values()), ids=list(EDITS))
def test_a_rebuild_reads_only_what_changed_and_equals_a_fresh_analysis(project, reads, edit, read):
    first = analysed(project)
    assert sorted(reads) == sorted(TEXTS)
    edit(project)
    reads.clear()
    again = analysed(project)
    assert set(reads) == read
    assert again == analysed(project, cached=False)
    assert (again == first) == (not read and edit is not deleted)


def test_a_file_written_just_before_a_build_is_read_again_by_the_next(tmp_path, reads):
    """Racy files: one changed within a timestamp's tick of being read could change again
    without its times moving, so the index does not vouch for it yet."""
    source = tmp_path / "articles"
    source.mkdir()
    for rel, sentence in TEXTS.items():
        write(source, rel, sentence)
    analysed(source)
    reads.clear()
    analysed(source)
    assert sorted(reads) == sorted(TEXTS)


@pytest.mark.parametrize(("age", "vouched"), [(0.0, False), (SETTLE * 0.5, False), (60.0, True)])
def test_on_a_file_system_with_coarse_times_an_edit_in_the_same_tick_is_seen(
    project, reads, monkeypatch, age, vouched
):
    """Where times are too coarse to move (FAT's 2 s), a file whose facts were recent when
    it was read is read again: an edit in the same tick is seen. One long settled is
    vouched for, as the change time of a real file would move on any write."""
    stamp = time.time_ns() - int(age * 1e9)
    monkeypatch.setattr(execute, "_stat", lambda path: (0, stamp, stamp, 1, 1))
    analysed(project)
    reads.clear()
    same_size_and_mtime(project)
    again = analysed(project)
    assert bool(reads) is not vouched
    if not vouched:
        assert again == analysed(project, cached=False)


def facts_at(offset_mtime: float, offset_ctime: float, started: int) -> tuple[int, ...]:
    return (10, started + int(offset_mtime * 1e9), started + int(offset_ctime * 1e9), 7, 1)


@pytest.mark.parametrize(
    ("mtime", "ctime", "kept"),
    [
        (-3.0, -3.0, True),
        (-3.0, -1.0, False),  # changed (e.g. chmod, or touch -d) within the settling time
        (-1.0, -3.0, False),
        (5.0, -3.0, False),  # a modification time in the future
        (-3.0, 5.0, False),
    ],
)
def test_the_index_keeps_only_files_that_had_settled_when_read(mtime, ctime, kept):
    started = time.time_ns()
    index = FileIndex({}, started)
    index.note("a.md", facts_at(mtime, ctime, started), b"digest")
    assert ("a.md" in index.seen) is kept
    assert SETTLE_NS >= 2_000_000_000, "FAT's 2 s tick is covered"


@pytest.mark.parametrize("field", range(5))
def test_the_index_vouches_only_for_the_very_same_facts(field):
    stored = (10, 1, 2, 3, 4)
    index = FileIndex({"a.md": (stored, b"digest")}, time.time_ns())
    assert index.digest("a.md", stored) == b"digest"
    moved = tuple(v + 1 if i == field else v for i, v in enumerate(stored))
    assert index.digest("a.md", moved) is None  # type: ignore[arg-type]
    assert index.digest("b.md", stored) is None


def test_a_damaged_row_of_the_index_is_read_again(project, reads):
    first = analysed(project)
    [path] = (project.parent / "cache").glob(DB_FILE)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE file_index SET size = 'ten' WHERE rel = 'b.md'")
        db.execute("UPDATE file_index SET digest = 'text' WHERE rel = 'c.md'")
    reads.clear()
    assert analysed(project) == first
    assert sorted(reads) == ["b.md", "c.md"]


def test_an_index_laid_out_by_another_version_is_started_again(project, reads):
    first = analysed(project)
    [path] = (project.parent / "cache").glob(DB_FILE)
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE file_index")
        db.execute("CREATE TABLE file_index (rel TEXT PRIMARY KEY, facts TEXT)")
    reads.clear()
    assert analysed(project) == first
    assert sorted(reads) == sorted(TEXTS)
    reads.clear()
    assert analysed(project) == first
    assert reads == []


def stored_keys(source: Path) -> set[str]:
    [path] = (source.parent / "cache").glob(DB_FILE)
    with sqlite3.connect(path) as db:
        return {k for (k,) in db.execute("SELECT key FROM entries")}


def current_keys(source: Path, options: Analysis | None = None) -> set[str]:
    options = options or Analysis()
    return {key(p.read_bytes(), p.name, (repr(options),)) for p in source.glob("*.md")}


@pytest.mark.parametrize("edit", [append, deleted, renamed, swapped, lambda source: None])
def test_only_the_entries_of_the_files_as_they_are_now_are_kept(project, edit):
    analysed(project)
    edit(project)
    analysed(project)
    assert stored_keys(project) == current_keys(project)


def test_entries_made_with_other_options_are_swept(project):
    other = Analysis(date_order="DMY")
    where = Cache(project.parent / "cache")
    analyse_folder(project, other, Execution(executor="serial", cache=where))
    assert stored_keys(project) == current_keys(project, other)
    append(project)
    analysed(project)
    assert stored_keys(project) == current_keys(project)


def test_the_collector_is_as_it_was_after_the_stage(project):
    import gc

    assert gc.isenabled()
    analysed(project)
    assert gc.isenabled()


# -- the fingerprint's import finder -------------------------------------------------------------

ROOT = Path(timeline.__file__).parent


def by_ast(source: str) -> set[str]:
    """The package's modules imported by `source`, as Python's parser sees them."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("timeline."))
        elif isinstance(node, ast.ImportFrom) and node.module == "timeline" and not node.level:
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("timeline."):
            found.add((node.module or "").split(".")[1])
    return found


@pytest.mark.parametrize("module", sorted(p.stem for p in ROOT.glob("*.py")))
def test_the_import_finder_misses_nothing_the_parser_sees(module):
    source = (ROOT / f"{module}.py").read_text("utf-8")
    assert by_ast(source) <= package_imports(source)


@pytest.mark.parametrize(
    "source",
    [
        "import timeline.load\n",
        "import os, timeline.load as loading\n",
        "from timeline import load\n",
        "from timeline import (\n    find,  # the finder (see below)\n    load,\n)\n",
        "from timeline import find as f, load\n",
        "from timeline.load import scan\n",
        "from timeline.load.deeper import scan\n",
        "from timeline . load import scan\n",
        "def f():\n    from timeline.load import scan\n",
        "if True: from timeline.load import scan\n",
        "x = 1; import timeline.load\n",
        "from timeline import \\\n    load\n",
        "import os, \\\n    timeline.load\n",
    ],
)
def test_the_import_finder_reads_every_form_of_import(source):
    assert by_ast(source) <= package_imports(source)
    assert "load" in package_imports(source)


def test_the_fingerprint_follows_the_per_article_modules_only():
    modules = imported(ROOT, "execute")
    assert {"load", "decode", "find", "resolve", "events", "model", "cache"} <= modules
    assert not modules & {"render", "write", "build", "cli", "merge"}
