"""The merge memo: parts of the link graph an earlier merge grouped from the same inputs are
taken from its memo, and the entries are the ones a merge from scratch makes, whatever the
edit."""

from __future__ import annotations

import hashlib
import pickle
import random
import shutil
from collections.abc import Callable
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pytest

from timeline import merge, site_search
from timeline.build import BuildConfig, _MergeMemo, build
from timeline.events import extract_events
from timeline.load import load_folder
from timeline.merge import MergeResult, merge_events
from timeline.merge_features import article_features, is_placeable
from timeline.model import Article, Event
from timeline.resolve import resolve_text

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


class Corpus:
    """Articles made of the seed articles' paragraphs, shuffled: many tell the same events.
    With `stories`, each article is published in one of that many years, a story each."""

    def __init__(self, seed: int, size: int, stories: int = 1) -> None:
        if not SEEDS.is_dir():
            pytest.skip("the seed articles ship with the repository")
        self.seeds = load_folder(SEEDS).articles
        self.paragraphs = [p for a in self.seeds for p in a.body.split("\n\n") if len(p) > 80]
        self.rng = random.Random(seed)
        self.stories = stories
        self.made = 0
        self.articles: dict[str, Article] = {}
        self.told: dict[str, tuple[tuple[Event, ...], list[str]]] = {}
        for _ in range(size):
            self.add()

    def add(self) -> None:
        self.made += 1
        like = self.rng.choice(self.seeds)
        later = like.published.replace(year=like.published.year + self.rng.randrange(self.stories))
        self.write(f"a{self.made:03d}", replace(like, published=later))

    def write(self, article_id: str, like: Article, body: str | None = None) -> None:
        body = body or "\n\n".join(self.rng.sample(self.paragraphs, self.rng.randrange(2, 7)))
        article = replace(like, id=article_id, path=f"{article_id}.md", body=body)
        events = extract_events(article, resolve_text(body, article.published))
        self.articles[article_id] = article
        self.told[article_id] = (events, list(article_features(article, events)))

    def edit(self) -> None:
        article = self.articles[self.rng.choice(sorted(self.articles))]
        paragraphs = article.body.split("\n\n")
        paragraphs[self.rng.randrange(len(paragraphs))] = self.rng.choice(self.paragraphs)
        self.write(article.id, article, "\n\n".join(paragraphs))

    def delete(self) -> None:
        gone = self.rng.choice(sorted(self.articles))
        del self.articles[gone], self.told[gone]

    def merge(self, memo: merge.MergeMemo | None = None) -> MergeResult:
        events = [e for found, _ in self.told.values() for e in found]
        features = {
            e.id: f
            for found, told in self.told.values()
            for e, f in zip(found, told, strict=True)
            if f
        }
        versions = {
            a.id: hashlib.sha256(a.body.encode()).hexdigest() for a in self.articles.values()
        }
        articles = list(self.articles.values())
        return merge_events(events, articles, features, versions=versions, memo=memo)


def merged(result: MergeResult) -> bytes:
    return pickle.dumps((result.entries, result.context))


def same_memo(one: merge.MergeMemo | None, other: merge.MergeMemo | None) -> bool:
    """Memos alike in every field, the floats to the bit."""
    assert one is not None and other is not None
    found = [pickle.dumps([getattr(memo, f.name) for f in fields(memo)]) for memo in (one, other)]
    return found[0] == found[1]


@pytest.fixture
def recalled(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many events each merge took from its memo."""
    counts: list[int] = []
    original = merge._Parts.recalled

    def counted(self: merge._Parts, *args: Any) -> merge._Recalled:
        found = original(self, *args)
        counts.append(int(found.events.sum()))
        return found

    monkeypatch.setattr(merge._Parts, "recalled", counted)
    return counts


STEPS: dict[str, Callable[[Corpus], None]] = {
    "edit": Corpus.edit,
    "delete": Corpus.delete,
    "add": Corpus.add,
}


@pytest.fixture
def grown(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each merge given a memo took over its words, dates and links."""
    taken: list[bool] = []
    original = merge.MergeMemo.grown

    def counted(self: merge.MergeMemo, *args: Any) -> Any:
        found = original(self, *args)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(merge.MergeMemo, "grown", counted)
    return taken


@pytest.mark.parametrize("seed", range(3))
def test_a_merge_with_the_memo_equals_a_merge_from_scratch(
    seed: int, recalled: list[int], grown: list[bool]
) -> None:
    corpus = Corpus(seed, size=30)
    result = corpus.merge()
    assert result.memo and result.memo.recipes, "parts of two events or more have recipes"
    assert sum(len(e.events) > 1 for e in result.entries) > 5
    for step in random.Random(seed).choices(list(STEPS), k=8):
        STEPS[step](corpus)
        again = corpus.merge(result.memo)
        assert merged(again) == merged(corpus.merge()), step
        assert same_memo(again.memo, corpus.merge().memo)
        result = again
    assert sum(grown) >= 4, "most steps keep the rounded number of events"


def test_an_edit_in_a_larger_corpus_leaves_most_parts_to_the_memo(
    recalled: list[int], grown: list[bool]
) -> None:
    """In a corpus of 30 articles most words are rare and weigh by their exact count, so an
    edit often reaches every part; in a larger one, rounded counts keep some weights. (These
    articles share a few dozen paragraphs, so every word is common enough to cross a step;
    in a real corpus of 10,000 articles an edit leaves all but one or two parts.)"""
    corpus = Corpus(11, size=150, stories=15)
    result = corpus.merge()
    assert result.memo is not None
    corpus.edit()
    events = [e for found, _ in corpus.told.values() for e in found]
    placed = sorted((e for e in events if is_placeable(e.value)), key=merge._event_order)
    assert len(placed) == len(result.memo.keys), "an edit that keeps the number of events"
    again = corpus.merge(result.memo)
    assert grown == [True], "the memo's words, dates and links were taken over"
    assert merged(again) == merged(corpus.merge())
    assert recalled[1] > 0


def test_nothing_changed_nothing_grouped_again(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = Corpus(7, size=30)
    result = corpus.merge()
    calls: list[tuple[int, int]] = []
    original = merge._Groups.join_if_agreeing

    def join(self: merge._Groups, i: int, j: int, threshold: float) -> None:
        calls.append((i, j))
        original(self, i, j, threshold)

    monkeypatch.setattr(merge._Groups, "join_if_agreeing", join)
    assert merged(corpus.merge(result.memo)) == merged(result)
    assert not calls
    corpus.merge()
    assert calls, "without the memo the links are followed"


def test_a_part_is_grouped_again_when_an_article_has_another_version(recalled: list[int]) -> None:
    corpus = Corpus(3, size=20)
    result = corpus.merge()
    corpus.merge(result.memo)
    everything = recalled[-1]
    assert everything > 0
    # The same events, but the article was made from other bytes: its parts are grouped again.
    some = max(corpus.articles, key=lambda a: len(corpus.told[a][0]))
    corpus.articles[some] = replace(corpus.articles[some], body=corpus.articles[some].body + " ")
    assert merged(corpus.merge(result.memo)) == merged(corpus.merge())
    assert 0 < recalled[-2] < everything


def test_without_versions_nothing_is_taken_from_a_memo(recalled: list[int]) -> None:
    corpus = Corpus(4, size=20)
    result = corpus.merge()
    events = [e for found, _ in corpus.told.values() for e in found]
    again = merge_events(events, list(corpus.articles.values()), memo=result.memo)
    assert recalled[-1] == 0
    assert again.memo is None
    assert merged(again) == merged(result)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(site_search, "executable", lambda: None)  # search is not the point
    shutil.copytree(SEEDS, tmp_path / "articles")
    return tmp_path


def config(project: Path) -> BuildConfig:
    return BuildConfig(source=project / "articles", out=project / "site", executor="serial")


@pytest.mark.parametrize(
    "spoil",
    [
        lambda path: path.write_bytes(b"not a pickle"),
        lambda path: path.write_bytes(pickle.dumps(("other code", {b"x": ()}))),
        lambda path: path.write_bytes(pickle.dumps(["a list"])),
        lambda path: path.unlink(),
    ],
    ids=["damaged", "other code", "another shape", "missing"],
)
def test_a_memo_that_cannot_be_used_is_no_memo(
    project: Path, spoil: Callable[[Path], None], recalled: list[int]
) -> None:
    build(config(project))
    memo = _MergeMemo.beside(config(project))
    assert memo is not None and memo._path.is_file()
    site = {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
    spoil(memo._path)
    build(config(project))
    assert recalled[-1] == 0
    assert {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()} == site
    assert memo.recalled(), "the build kept a memo again"
    build(config(project))
    assert recalled[-1] > 0


def test_no_memo_is_kept_without_the_cache(project: Path) -> None:
    build(replace(config(project), cache=False))
    assert _MergeMemo.beside(replace(config(project), cache=False)) is None
    assert not list(project.glob(".timeline-cache/*/merge-memo.pickle"))
    build(config(project))
    assert list(project.glob(".timeline-cache/*/merge-memo.pickle"))
