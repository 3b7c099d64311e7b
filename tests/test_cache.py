"""Incremental and parallel builds: unchanged articles are neither loaded nor resolved again,
a process pool gives the same site as one process, and a bug on one article costs only it."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from timeline import execute
from timeline.build import BuildConfig, build
from timeline.cache import CACHE_DIR, DB_FILE, Cache, key

SEEDS = Path(__file__).parent.parent / "seeds"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def project(tmp_path) -> Path:
    shutil.copytree(SEEDS, tmp_path / "articles")
    return tmp_path


@pytest.fixture
def resolved(monkeypatch) -> list[str]:
    """The articles resolved in this process, in order."""
    calls: list[str] = []
    real = execute.resolve_article

    def counting(article, date_order):
        calls.append(article.path)
        return real(article, date_order)

    monkeypatch.setattr(execute, "resolve_article", counting)
    return calls


def config(project: Path, **kw) -> BuildConfig:
    base = {"source": project / "articles", "out": project / "site", "executor": "serial"}
    return BuildConfig(**{**base, **kw})


def test_unchanged_articles_are_not_resolved_again(project, resolved):
    first = build(config(project))
    assert len(resolved) == 5
    second = build(config(project))
    assert len(resolved) == 5, "second build resolved nothing"
    assert (first.articles, first.expressions, first.events) == (
        second.articles,
        second.expressions,
        second.events,
    )


def test_changing_one_article_resolves_only_it(project, resolved):
    build(config(project))
    site = tree(project / "site")
    path = sorted((project / "articles").glob("*.md"))[2]
    path.write_text(path.read_text() + "\nA week later, on September 12, 2023, talks resumed.\n")
    build(config(project))
    assert resolved[5:] == [path.name]
    assert tree(project / "site") != site


def test_cached_build_gives_the_same_bytes(project):
    build(config(project))
    cached = tree(project / "site")
    build(config(project, cache=False, out=project / "fresh"))
    assert tree(project / "fresh") == cached


def test_options_are_part_of_the_key(project, resolved):
    build(config(project))
    build(config(project, date_order="DMY"))
    assert len(resolved) == 10


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((b"x", "a.md", ("o",)), (b"y", "a.md", ("o",))),
        ((b"x", "a.md", ("o",)), (b"x", "b.md", ("o",))),
        ((b"x", "a.md", ("o",)), (b"x", "a.md", ("p",))),
        ((b"x", "a.md", ("o",)), (b"", "a.mdx", ("o",))),
    ],
)
def test_key_depends_on_bytes_name_and_options(a, b):
    assert key(*a) != key(*b)
    assert key(*a) == key(*a)


def test_corrupt_entries_are_misses_and_stale_ones_are_pruned(project, resolved):
    build(config(project))
    path = next((project / CACHE_DIR).glob(f"*/{DB_FILE}"))
    with sqlite3.connect(path) as db:
        keys = sorted(k for (k,) in db.execute("SELECT key FROM entries"))
        db.execute("UPDATE entries SET data = ? WHERE key = ?", (b"not a pickle", keys[0]))
        db.execute("INSERT INTO entries VALUES (?, ?)", ("0" * 64, b"left by an older build"))
    build(config(project))
    assert len(resolved) == 6
    with sqlite3.connect(path) as db:
        assert sorted(k for (k,) in db.execute("SELECT key FROM entries")) == keys


def test_a_damaged_cache_file_is_replaced(project, resolved):
    build(config(project))
    path = next((project / CACHE_DIR).glob(f"*/{DB_FILE}"))
    path.write_bytes(b"this is not SQLite" * 100)
    assert build(config(project)).articles == 5
    assert len(resolved) == 10
    build(config(project))
    assert len(resolved) == 10


def test_cache_sits_beside_the_site_and_is_ignored_by_git(project):
    build(config(project))
    assert not list((project / "site").rglob("*cache*"))
    assert (project / CACHE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"
    assert Cache.beside(project / "site", project / "articles").folder.parent == (
        project / CACHE_DIR
    )


def test_process_pool_gives_the_same_site(project):
    build(config(project, executor="serial", cache=False))
    build(config(project, executor="process", cache=False, out=project / "pooled"))
    assert tree(project / "pooled") == tree(project / "site")


def test_a_bug_on_one_article_costs_only_that_article(project, monkeypatch):
    real = execute.resolve_article

    def failing(article, date_order):
        if article.path.startswith("001"):
            raise ZeroDivisionError("boom")
        return real(article, date_order)

    monkeypatch.setattr(execute, "resolve_article", failing)
    report = build(config(project, cache=False))
    assert report.articles == 5
    [problem] = [p for p in report.problems if "could not be processed" in p.message]
    assert problem.file.startswith("001") and "ZeroDivisionError: boom" in problem.message
    assert "report" in problem.hint


def test_fingerprint_covers_the_per_article_code_only():
    import timeline
    from timeline.cache import imported

    modules = imported(Path(timeline.__file__).parent, "execute")
    assert {"load", "decode", "find", "resolve", "events", "model"} <= modules
    assert not modules & {"render", "write", "build", "cli"}


def test_a_crash_is_not_cached_so_the_next_build_tries_again(project, monkeypatch, resolved):
    real = execute.resolve_article

    def failing(article, date_order):
        if article.path.startswith("001"):
            raise ImportError(
                "a module the machine lacks"
            )  # fixed by installing it, not by editing
        return real(article, date_order)

    monkeypatch.setattr(execute, "resolve_article", failing)
    first = build(config(project))
    assert any("could not be processed" in p.message for p in first.problems)
    monkeypatch.setattr(execute, "resolve_article", real)
    second = build(config(project))
    assert not any("could not be processed" in p.message for p in second.problems)
    assert second.expressions > first.expressions


def test_results_recalled_in_memory_skip_the_cache_and_match_a_clean_build(
    project, resolved, monkeypatch
):
    """`timeline serve` keeps per-article results in memory between rebuilds: a recalled
    result is neither resolved again nor read from the cache, and the site is the same."""
    recall: dict = {}
    build(config(project, recall=recall))
    assert len(recall) == 5 and len(resolved) == 5

    looked_up: list[str] = []

    def cache_reads(self, keys):
        looked_up.extend(keys)
        return {}

    monkeypatch.setattr(Cache, "get_many", cache_reads)
    edited = project / "articles" / sorted(p.name for p in (project / "articles").glob("*.md"))[0]
    edited.write_text(edited.read_text("utf-8") + "\nOn Friday, officials met again.\n", "utf-8")
    build(config(project, recall=recall))
    assert len(looked_up) == 1, "only the edited article was looked up in the cache"
    assert resolved[5:] == [edited.name], "only the edited article was resolved again"
    assert len(recall) == 5, "the edited article's old result was let go"
    build(config(project, out=project / "clean", cache=False))
    assert tree(project / "site") == tree(project / "clean")
