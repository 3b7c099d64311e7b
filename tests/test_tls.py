"""TLS date selection: the tilse protocol's arithmetic, windows, rankers and a tiny end-to-end."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from timeline.errors import BuildError
from timeline.evaluate.tls import (
    GoldTimeline,
    SystemScore,
    TimelineScore,
    Window,
    entry_weight,
    evaluate,
    format_report,
    most_published_days,
    read_gold,
    score_dates,
    window,
)
from timeline.model import (
    Anchor,
    Article,
    Entry,
    Event,
    Granularity,
    Mention,
    Status,
    TimeValue,
)

D = date.fromisoformat


def gold(name: str, *days: str, first: str | None = None, last: str | None = None) -> GoldTimeline:
    dates = frozenset(D(d) for d in days)
    return GoldTimeline(
        name, dates, D(first) if first else min(dates), D(last) if last else max(dates)
    )


def article(article_id: str, published: str, body: str = "Nothing dated here.") -> Article:
    when = datetime.fromisoformat(published).replace(tzinfo=UTC)
    return Article(article_id, f"{article_id}.md", article_id, when, body)


@pytest.mark.parametrize(
    ("days", "predicted", "precision", "recall"),
    [
        (("2009-04-27", "2009-04-28"), ("2009-04-27", "2009-04-28"), 1.0, 1.0),
        (("2009-04-27", "2009-04-28"), ("2009-04-27", "2009-05-01"), 0.5, 0.5),
        (("2009-04-27", "2009-04-28"), ("2009-04-27",), 1.0, 0.5),
        (("2009-04-27", "2009-04-28"), (), 0.0, 0.0),
        # Only num_dates predictions count, and a repeated date counts once.
        (("2009-04-27", "2009-04-28"), ("2009-05-01", "2009-05-01", "2009-04-27"), 0.5, 0.5),
        (("2009-04-27", "2009-04-28"), ("2009-05-01", "2009-05-02", "2009-04-27"), 0.0, 0.0),
    ],
)
def test_score_dates(
    days: tuple[str, ...], predicted: tuple[str, ...], precision: float, recall: float
) -> None:
    score = score_dates(gold("t", *days), [D(d) for d in predicted])
    assert (score.precision, score.recall) == (precision, recall)


def test_precision_and_recall_are_averaged_before_f1() -> None:
    a = TimelineScore("a", 2, 0, (D("2009-01-01"),), 1)  # P 1.0, R 0.5
    b = TimelineScore("b", 2, 0, (D("2009-01-01"), D("2009-01-02")), 1)  # P 0.5, R 0.5
    system = SystemScore("s", (a, b))
    assert system.precision == pytest.approx(0.75)
    assert system.recall == pytest.approx(0.5)
    assert system.f1 == pytest.approx(0.6)
    mean_of_f1 = (2 * 1 * 0.5 / 1.5 + 0.5) / 2
    assert system.f1 != pytest.approx(mean_of_f1)


def test_window_keeps_only_articles_published_inside() -> None:
    articles = [
        article("early", "2009-04-19"),
        article("first", "2009-04-20"),
        article("last", "2009-04-30"),
        article("late", "2009-05-01"),
    ]
    win = window(
        gold("t", "2009-04-20", "2009-04-30"), articles, dict.fromkeys((a.id for a in articles), ())
    )
    assert [a.id for a in win.articles] == ["first", "last"]


def test_most_published_days_breaks_ties_by_the_earlier_day() -> None:
    articles = tuple(
        article(f"a{n}", day)
        for n, day in enumerate(["2009-04-28", "2009-04-27", "2009-04-28", "2009-04-29"])
    )
    win = Window(D("2009-04-01"), D("2009-04-30"), 2, articles, ())
    assert most_published_days(win) == [D("2009-04-28"), D("2009-04-27")]


def test_read_gold_falls_back_to_the_entries_dates(tmp_path: Path) -> None:
    path = tmp_path / "gold.json"
    entries = [{"date": "2009-04-24", "summary": ["x"]}, {"date": "2009-04-28", "summary": ["y"]}]
    path.write_text(json.dumps({"timelines": [{"name": "t", "entries": entries}]}), "utf-8")
    (timeline,) = read_gold(path)
    assert (timeline.first, timeline.last, timeline.num_dates) == (
        D("2009-04-24"),
        D("2009-04-28"),
        2,
    )


def write_article(folder: Path, name: str, published: str, body: str) -> None:
    text = f"---\npublished: {published}\nsource: wire\n---\n\nFlu news\n\n{body}\n"
    (folder / f"{name}.md").write_text(text, "utf-8")


def test_a_day_that_later_articles_name_beats_a_busy_publishing_day(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    closure = "Mexico City closed all its schools on April 24, 2009, to slow the new flu."
    write_article(articles, "a", "2009-04-26", closure)
    write_article(articles, "b", "2009-04-28", closure)
    write_article(articles, "c", "2009-04-28", "Health officials met to discuss vaccines.")
    write_article(articles, "c2", "2009-04-28", "Officials met again.")
    write_article(articles, "d", "2009-04-27", "Markets were quiet.")
    write_article(articles, "e", "2009-04-27", "Travel agents reported cancellations.")
    timeline = {
        "name": "wire",
        "first_date": "2009-04-20",
        "last_date": "2009-04-30",
        "entries": [
            {"date": "2009-04-24", "summary": ["Mexico City closes its schools."]},
            {"date": "2009-04-28", "summary": ["Officials meet."]},
        ],
    }
    (tmp_path / "gold.json").write_text(json.dumps({"timelines": [timeline]}), "utf-8")

    report = evaluate(tmp_path)

    assert report.articles == 6
    assert report.system.timelines[0].predicted == (D("2009-04-24"), D("2009-04-28"))
    assert report.baseline.timelines[0].predicted == (D("2009-04-28"), D("2009-04-27"))
    assert (report.system.f1, report.baseline.f1) == (1.0, 0.5)
    text = format_report(report)
    assert "wire" in text and "most published days" in text


def test_an_entry_counts_more_when_later_articles_tell_it() -> None:
    start = datetime(2009, 4, 24, tzinfo=UTC)
    value = TimeValue("2009-04-24", "DATE", Granularity.DAY, start, start.replace(day=25))
    mention = Mention(0, 1, "x", value, Anchor.PUBLISHED)

    def told_by(*article_ids: str) -> Entry:
        events = tuple(
            Event(f"{a}-0", a, mention, "x", 0, "x", Status.REPORTED) for a in article_ids
        )
        return Entry("e", value, "x", "x", Status.REPORTED, events, importance=2.0)

    published = {"same": D("2009-04-24"), "later": D("2009-04-26")}
    day = D("2009-04-24")
    assert entry_weight(told_by("later"), day, published) == 2.0
    assert entry_weight(told_by("same"), day, published) == 1.0
    assert entry_weight(told_by("same", "later"), day, published) == 1.5


def test_a_folder_without_gold_or_articles_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="gold timelines"):
        evaluate(tmp_path)
    (tmp_path / "gold.json").write_text(json.dumps({"timelines": []}), "utf-8")
    with pytest.raises(BuildError, match="articles/"):
        evaluate(tmp_path)
