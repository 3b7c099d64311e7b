"""Merge features made once per article (`merge_features.article_features`, cached with the
article's results) give the very entries that merge makes without them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from timeline import merge, merge_features
from timeline.events import event_telling, extract_events
from timeline.execute import FileResult, _article_features, analyse_articles, combine
from timeline.load import load_folder
from timeline.merge import Tellings, merge_events
from timeline.merge_features import ArticleWords, Features, article_features, is_placeable
from timeline.model import Article, Event

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def seeds() -> tuple[Article, ...]:
    if not SEEDS.is_dir():
        pytest.skip("the seed articles ship with the repository")
    return load_folder(SEEDS).articles


@pytest.fixture(scope="module")
def results(seeds: tuple[Article, ...]) -> list[FileResult]:
    return [analyse_articles(a.path, (a,), (), "MDY") for a in seeds]


def test_features_follow_events_and_skip_context(results: list[FileResult]) -> None:
    placed = 0
    for result in results:
        for events, features in zip(result.events, _article_features(result), strict=True):
            assert len(features) == len(events)
            for event, found in zip(events, features, strict=True):
                assert bool(found) == is_placeable(event.value)
                placed += bool(found)
    assert placed > 20


def test_features_are_what_merge_reads(seeds: tuple[Article, ...]) -> None:
    checked = 0
    for article in seeds:
        events = extract_events(article, analyse_articles("x", (article,), (), "MDY").mentions[0])
        text = ArticleWords(article)
        tellings = Tellings({article.id: article})
        for event, packed in zip(events, article_features(article, events), strict=True):
            if not packed:
                continue
            found = Features.unpack(packed)
            assert found.pack() == packed
            expected = merge_features.profile(event, text)
            assert found.profile() == merge_features.Profile(
                list(expected.clause), list(expected.window)
            )
            assert found.rank == event_telling(event, article.language).rank == tellings.rank(event)
            assert found.flawed == tellings.flawed(event)
            assert set(merge_features.split_words(found.content)) == tellings.content(event)
            checked += 1
    assert checked > 20


def test_merge_with_features_gives_the_same_entries(results: list[FileResult]) -> None:
    analysed = combine(results)
    assert len(analysed.features) > 20
    assert merge_events(analysed.events, analysed.articles, analysed.features) == merge_events(
        analysed.events, analysed.articles
    )


def test_merge_reads_no_article_when_every_event_has_features(
    results: list[FileResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    analysed = combine(results)
    expected = merge_events(analysed.events, analysed.articles)

    def unwanted(*args: object, **kwargs: object) -> None:
        raise AssertionError("made again in merge")

    monkeypatch.setattr(merge, "ArticleWords", unwanted)
    monkeypatch.setattr(merge, "event_telling", unwanted)
    monkeypatch.setattr(merge, "content_words", unwanted)
    assert merge_events(analysed.events, analysed.articles, analysed.features) == expected


def test_events_without_features_or_articles_are_read_as_before(
    results: list[FileResult],
) -> None:
    analysed = combine(results)
    half = dict(list(analysed.features.items())[::2])
    assert merge_events(analysed.events, analysed.articles, half) == merge_events(
        analysed.events, analysed.articles
    )
    # Features are made with their article: an event whose article merge is not given is
    # read without it, features or not.
    some = analysed.articles[::3]
    assert merge_events(analysed.events, some, analysed.features) == merge_events(
        analysed.events, some
    )


def test_results_without_features_combine_to_none(results: list[FileResult]) -> None:
    analysed = combine([replace(r, features="") for r in results])
    assert analysed.features == {}
    assert len(analysed.events) == len(combine(results).events)


def test_a_renamed_article_gets_features_under_its_new_event_ids(
    seeds: tuple[Article, ...],
) -> None:
    article = next(a for a in seeds if analyse_articles("x", (a,), (), "MDY").features)
    twin = replace(article, path="elsewhere/" + article.path)
    analysed = combine([analyse_articles(a.path, (a,), (), "MDY") for a in (article, twin)])
    renamed = analysed.articles[1]
    assert renamed.id != article.id
    events: list[Event] = [e for e in analysed.events if e.article_id == renamed.id]
    expected = article_features(renamed, events)
    assert any(expected)
    for event, found in zip(events, expected, strict=True):
        assert analysed.features.get(event.id, "") == found


@pytest.mark.parametrize("rank", [0.0, -1.15, 0.123457, 1 / 3, 1e-7, 0.1 + 0.2])
@pytest.mark.parametrize("flawed", [True, False])
def test_packed_features_read_back_the_same(rank: float, flawed: bool) -> None:
    features = Features("kim\0kim\0pyongyang", "", "met\0talks", rank, flawed)
    assert Features.unpack(features.pack()) == features
    assert Features.unpack(features.pack()).rank.hex() == rank.hex()


def test_one_result_of_many_articles_keeps_each_articles_features(
    seeds: tuple[Article, ...], results: list[FileResult]
) -> None:
    together = analyse_articles("many.jsonl", seeds, (), "MDY")
    one_by_one = [told for r in results for told in _article_features(r)]
    assert _article_features(together) == one_by_one
    assert sum(map(len, one_by_one)) > 20
