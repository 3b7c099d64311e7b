"""The helper process: a rebuild by the auto executor, in a process that has not loaded the
resolver, hands its few changed files to one process started with the build (which loads the
resolver meanwhile), and gets the same results as analysing them in process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from timeline import execute
from timeline.cache import Cache
from timeline.execute import Analysis, Execution, analyse_folder

SEEDS = Path(__file__).parent.parent / "seeds"


@pytest.fixture
def source(tmp_path) -> Path:
    shutil.copytree(SEEDS, tmp_path / "articles")
    return tmp_path / "articles"


@pytest.fixture
def resolved_here(monkeypatch) -> list[str]:
    """Articles resolved in this process (a forked helper counts in its own copy)."""
    calls: list[str] = []
    real = execute.resolve_article

    def counting(article, date_order):
        calls.append(article.path)
        return real(article, date_order)

    monkeypatch.setattr(execute, "resolve_article", counting)
    return calls


CASES = {
    "auto, cached, resolver not loaded: the helper": ("auto", True, False, False),
    "resolver already loaded here": ("auto", True, True, True),
    "serial": ("serial", True, False, True),
    "no cache (every file to analyse, or a check)": ("auto", False, False, True),
}


@pytest.mark.parametrize(("executor", "cached", "loaded", "here"), CASES.values(), ids=CASES)
def test_the_changed_file_is_analysed_where_expected_with_the_same_result(
    source, resolved_here, monkeypatch, executor, cached, loaded, here
):
    cache = Cache(source.parent / "cache")
    analyse_folder(source, Analysis(), Execution(executor="serial", cache=cache))
    edited = sorted(source.glob("0*.md"))[1]
    edited.write_text(edited.read_text("utf-8") + "\nTalks resumed on 12 October.\n", "utf-8")
    monkeypatch.setattr(execute, "_LOADED", {"en"} if loaded else set())
    resolved_here.clear()
    where = Cache(source.parent / "cache") if cached else None
    execution = Execution(executor=executor, workers=2, cache=where)
    again = analyse_folder(source, Analysis(), execution)
    expected = [edited.name] if cached else sorted(p.name for p in source.glob("0*.md"))
    assert resolved_here == (expected if here else [])
    assert again == analyse_folder(source, Analysis(), Execution(executor="serial"))
    assert any("12 October" in a.body for a in again.articles)
