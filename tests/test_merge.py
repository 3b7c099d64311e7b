"""Stage "merge": same event across articles -> one entry; disagreements kept as votes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from timeline.events import extract_events
from timeline.load import load_folder
from timeline.merge import (
    adjacent,
    blocked_pairs,
    level,
    merge_events,
    most_precise,
    periods,
    precision,
)
from timeline.merge_features import ArticleWords, is_placeable, profile
from timeline.merge_space import TextSpace
from timeline.model import Anchor, Article, Entry, Event, Granularity, Mention, Status, TimeValue
from timeline.resolve import resolve_text


def utc(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


def day(y: int, m: int, d: int) -> TimeValue:
    start = utc(y, m, d)
    return TimeValue(start.date().isoformat(), "DATE", Granularity.DAY, start, start + timedelta(1))


def week(y: int, m: int, d: int) -> TimeValue:
    start = utc(y, m, d)
    iso = start.isocalendar()
    value = f"{iso.year}-W{iso.week:02d}"
    return TimeValue(value, "DATE", Granularity.WEEK, start, start + timedelta(7))


def month(y: int, m: int) -> TimeValue:
    end = utc(y + m // 12, m % 12 + 1, 1)
    return TimeValue(f"{y:04d}-{m:02d}", "DATE", Granularity.MONTH, utc(y, m, 1), end)


PAST_REF = TimeValue("PAST_REF", "DATE", Granularity.PAST)
PUBLISHED = utc(2023, 9, 5)


class Corpus:
    """Articles made of one sentence per event, so the merge sees real surroundings."""

    def __init__(self) -> None:
        self.articles: dict[str, Article] = {}
        self.events: list[Event] = []

    def add(
        self,
        article_id: str,
        sentence: str,
        value: TimeValue,
        *,
        status: Status = Status.REPORTED,
        published: datetime = PUBLISHED,
        source: str | None = None,
        when: str = "",
    ) -> Event:
        old = self.articles.get(article_id)
        body = (old.body + "\n\n") if old else ""
        start = len(body)
        body += sentence
        self.articles[article_id] = Article(
            article_id, f"{article_id}.md", article_id, published, body, source=source
        )
        at = start + sentence.index(when) if when else start
        text = when or sentence[:1]
        mention = Mention(at, at + len(text), text, value, Anchor.PUBLISHED)
        event = Event(
            f"{article_id}-{start}", article_id, mention, sentence, start, sentence, status
        )
        self.events.append(event)
        return event

    def merge(self) -> tuple[tuple[Entry, ...], tuple[Event, ...]]:
        result = merge_events(self.events, list(self.articles.values()))
        return result.entries, result.context


def entry_of(entries: tuple[Entry, ...], event: Event) -> Entry:
    (found,) = [e for e in entries if event in e.events]
    return found


NYT = "The New York Times reported that Kim Jong Un would meet Vladimir Putin in Vladivostok."
NYT_AGAIN = "Kim Jong Un will meet Vladimir Putin in Vladivostok, the New York Times reported."
QUAKE = "An earthquake of magnitude 6.1 struck the Peruvian coast near Arequipa."


def test_same_event_in_three_articles_is_one_entry_at_the_most_precise_date() -> None:
    corpus = Corpus()
    a = corpus.add("a", NYT, day(2023, 9, 4))
    b = corpus.add("b", NYT_AGAIN, week(2023, 9, 4))
    c = corpus.add("c", NYT, day(2023, 9, 4))
    entries, _ = corpus.merge()
    assert len(entries) == 1
    (entry,) = entries
    assert set(entry.events) == {a, b, c}
    assert entry.value == day(2023, 9, 4)
    assert entry.article_ids == ("a", "b", "c")
    assert entry.disagreement == ()


def test_different_events_on_the_same_day_stay_apart() -> None:
    corpus = Corpus()
    nyt = corpus.add("a", NYT, day(2023, 9, 4))
    quake = corpus.add("b", QUAKE, day(2023, 9, 4))
    entries, _ = corpus.merge()
    assert entry_of(entries, nyt) != entry_of(entries, quake)


def test_same_words_at_dates_far_apart_stay_apart() -> None:
    corpus = Corpus()
    first = corpus.add("a", NYT, day(2023, 9, 4))
    later = corpus.add("b", NYT, day(2023, 10, 20))
    entries, _ = corpus.merge()
    assert entry_of(entries, first) != entry_of(entries, later)


def test_incompatible_adjacent_dates_are_one_entry_with_votes() -> None:
    visit = "Russian Defence Minister Sergei Shoigu visited Pyongyang for the Victory Day parade."
    corpus = Corpus()
    july = [corpus.add(name, visit, month(2023, 7)) for name in ("a", "b", "c")]
    august = [corpus.add(name, visit, month(2023, 8)) for name in ("d", "e")]
    entries, _ = corpus.merge()
    assert len(entries) == 1
    (entry,) = entries
    assert entry.value == month(2023, 7)
    assert [v.value for v in entry.disagreement] == [month(2023, 7), month(2023, 8)]
    assert entry.disagreement[0].event_ids == tuple(sorted(e.id for e in july))
    assert entry.disagreement[1].event_ids == tuple(sorted(e.id for e in august))


def test_statuses_do_not_mix() -> None:
    corpus = Corpus()
    plan = corpus.add("a", NYT, month(2023, 9), status=Status.EXPECTED)
    report = corpus.add("b", NYT, day(2023, 9, 4))
    entries, _ = corpus.merge()
    assert entry_of(entries, plan).status is Status.EXPECTED
    assert entry_of(entries, report).status is Status.REPORTED
    assert entry_of(entries, plan) != entry_of(entries, report)


def test_vague_and_open_ended_values_are_context() -> None:
    since = TimeValue("2006", "DATE", Granularity.YEAR, utc(2006, 1, 1), utc(2007, 1, 1), "AFTER")
    corpus = Corpus()
    vague = corpus.add("a", "Russia has recently called for closer ties.", PAST_REF)
    open_ended = corpus.add("a", "North Korea has held six tests since 2006.", since)
    placed = corpus.add("b", NYT, day(2023, 9, 4))
    entries, context = corpus.merge()
    assert context == (vague, open_ended)
    assert [e.events for e in entries] == [(placed,)]


def test_importance_grows_with_sources_and_precision_and_marks_key() -> None:
    corpus = Corpus()
    for name, source in (("a", "Reuters"), ("b", "AFP"), ("c", "BBC")):
        corpus.add(name, NYT, day(2023, 9, 4), source=source)
    lone_day = corpus.add("d", QUAKE, day(2023, 9, 1))
    lone_month = corpus.add("e", QUAKE, month(2023, 6))
    entries, _ = corpus.merge()
    told_thrice = entry_of(entries, corpus.events[0])
    assert told_thrice.importance > entry_of(entries, lone_day).importance
    assert entry_of(entries, lone_day).importance > entry_of(entries, lone_month).importance
    assert told_thrice.key
    assert not entry_of(entries, lone_day).key


def test_entries_sorted_by_date_and_ids_stable() -> None:
    corpus = Corpus()
    corpus.add("a", QUAKE, day(2023, 9, 4))
    corpus.add("b", NYT, day(2023, 8, 1))
    corpus.add("c", "Floods closed schools in Lagos.", month(2023, 7))
    entries, _ = corpus.merge()
    starts = [e.value.start for e in entries if e.value.start is not None]
    assert len(starts) == len(entries) and starts == sorted(starts)
    again, _ = corpus.merge()
    assert [e.id for e in again] == [e.id for e in entries]
    assert len({e.id for e in entries}) == len(entries)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (day(2023, 9, 4), day(2023, 9, 5), True),
        (day(2023, 9, 4), day(2023, 9, 7), False),
        (month(2023, 7), month(2023, 8), True),
        (month(2023, 7), month(2023, 9), False),
    ],
)
def test_adjacent(a: TimeValue, b: TimeValue, expected: bool) -> None:
    assert adjacent(a, b) is expected


def test_most_precise_prefers_the_narrowest() -> None:
    assert most_precise([month(2023, 9), day(2023, 9, 4), week(2023, 9, 4)]) == day(2023, 9, 4)


def test_a_range_of_years_is_as_precise_as_a_year() -> None:
    years = TimeValue("1918/1920", "DATE", Granularity.RANGE, utc(1918, 1, 1), utc(1921, 1, 1))
    year = TimeValue("1918", "DATE", Granularity.YEAR, utc(1918, 1, 1), utc(1919, 1, 1))
    days = TimeValue(
        "2023-09-10/2023-09-13", "DATE", Granularity.RANGE, utc(2023, 9, 10), utc(2023, 9, 14)
    )
    assert most_precise([years, year]) == year
    assert [precision(v) for v in (years, year, days)] == [
        Granularity.YEAR,
        Granularity.YEAR,
        Granularity.RANGE,
    ]


def test_blocks_by_day_month_or_year() -> None:
    year = TimeValue("2022", "DATE", Granularity.YEAR, utc(2022, 1, 1), utc(2023, 1, 1))
    assert [level(v) for v in (day(2023, 8, 31), week(2023, 8, 28), month(2023, 8), year)] == [
        0,
        0,
        1,
        2,
    ]
    assert periods(day(2023, 8, 31), 0) == [utc(2023, 8, 31).toordinal()]
    assert periods(week(2023, 8, 28), 1) == [2023 * 12 + 7, 2023 * 12 + 8]
    assert periods(year, 2) == [2022]


def test_blocking_finds_pairs_across_levels_and_adjacent_days() -> None:
    corpus = Corpus()
    monday = corpus.add("a", NYT, day(2023, 9, 4))
    tuesday = corpus.add("b", NYT, day(2023, 9, 5))
    in_month = corpus.add("c", NYT, month(2023, 9))
    far = corpus.add("d", NYT, day(2023, 9, 20))
    other = corpus.add("e", QUAKE, day(2023, 9, 4))
    articles = list(corpus.articles.values())
    events = corpus.events
    profiles = [profile(e, ArticleWords(corpus.articles[e.article_id])) for e in events]
    left, right = blocked_pairs(events, TextSpace(events, profiles).clause)
    found = {frozenset((events[i].id, events[j].id)) for i, j in zip(left, right, strict=True)}
    assert all(i < j for i, j in zip(left, right, strict=True))
    assert found == {
        frozenset((monday.id, tuesday.id)),
        frozenset((monday.id, in_month.id)),
        frozenset((tuesday.id, in_month.id)),
        frozenset((far.id, in_month.id)),
    }
    assert other
    assert merge_events(events, articles).entries


def test_is_placeable() -> None:
    assert is_placeable(day(2023, 9, 4))
    assert not is_placeable(PAST_REF)


def test_one_article_giving_two_dates_is_no_disagreement() -> None:
    year = TimeValue("1918", "DATE", Granularity.YEAR, utc(1918, 1, 1), utc(1919, 1, 1))
    next_year = TimeValue("1919", "DATE", Granularity.YEAR, utc(1919, 1, 1), utc(1920, 1, 1))
    sentence = "The Spanish flu pandemic of 1918-1919 killed tens of millions of people worldwide."
    corpus = Corpus()
    first = corpus.add("a", sentence, year)
    second = corpus.add("a", sentence, next_year)
    entries, _ = corpus.merge()
    assert entry_of(entries, first) != entry_of(entries, second)
    assert all(not e.disagreement for e in entries)


SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def seed_entries() -> tuple[Entry, ...]:
    articles = load_folder(SEEDS).articles
    events = [e for a in articles for e in extract_events(a, resolve_text(a.body, a.published))]
    return merge_events(events, articles).entries


def telling(entries: tuple[Entry, ...], value: str, words: str) -> list[Entry]:
    return [
        e for e in entries if e.value.value == value and any(words in x.sentence for x in e.events)
    ]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed articles ship with the repository")
def test_seed_story_merges_into_its_known_entries(seed_entries: tuple[Entry, ...]) -> None:
    (nyt,) = telling(seed_entries, "2023-09-04", "Times")
    assert len(nyt.article_ids) >= 4
    (remarks,) = telling(seed_entries, "2023-09-04", "Interfax")
    assert len(remarks.article_ids) >= 3
    (visit,) = telling(seed_entries, "2023-07", "Shoigu")
    assert [v.value.value for v in visit.disagreement] == ["2023-07", "2023-08"]
    assert len(visit.disagreement[0].event_ids) > len(visit.disagreement[1].event_ids)
    assert visit.title.startswith("Russian defence minister Sergei Shoigu visited North Korea")
    forum = [e for e in seed_entries if e.value.value == "2023-09-10/2023-09-13"]
    assert len(forum) == 1
    trips = [e for e in seed_entries if e.value.value == "2023-09"]
    assert [e.status for e in trips] == [Status.EXPECTED]


def test_nothing_to_merge() -> None:
    assert merge_events([], []).entries == ()
    corpus = Corpus()
    vague = corpus.add("a", "Russia has recently called for closer ties.", PAST_REF)
    result = merge_events(corpus.events, [])
    assert (result.entries, result.context) == ((), (vague,))


def test_events_whose_article_is_unknown_still_merge() -> None:
    corpus = Corpus()
    first = corpus.add("a", NYT, day(2023, 9, 4))
    second = corpus.add("b", NYT, day(2023, 9, 4))
    (entry,) = merge_events(corpus.events, []).entries
    assert set(entry.events) == {first, second}


def test_dates_that_agree_are_one_side_of_a_disagreement() -> None:
    clock = utc(2009, 5, 21) + timedelta(hours=17, minutes=11)
    at_time = TimeValue(
        "2009-05-21T17:11", "TIME", Granularity.TIME, clock, clock + timedelta(0, 60)
    )
    mutations = "Geneva scientists found Mutations in the Swine virus genome."
    warning = "Margaret Chan warned Ministers about Hospital preparedness."
    corpus = Corpus()
    on_day = [corpus.add(name, mutations, day(2009, 5, 21)) for name in ("a", "b")]
    at_clock = corpus.add("c", warning, at_time)
    next_day = corpus.add("d", f"{mutations} {warning}", day(2009, 5, 22))
    entries, _ = corpus.merge()
    assert len(entries) == 1
    (entry,) = entries
    assert [v.value for v in entry.disagreement] == [at_time, day(2009, 5, 22)]
    assert entry.disagreement[0].event_ids == tuple(sorted(e.id for e in [*on_day, at_clock]))
    assert entry.disagreement[1].event_ids == (next_day.id,)
    assert entry.value == at_time


@pytest.mark.parametrize(("value", "joined"), [(day(2023, 8, 30), True), (month(2023, 8), False)])
def test_a_coarse_date_needs_more_likeness_to_join(value: TimeValue, joined: bool) -> None:
    corpus = Corpus()
    kirby = corpus.add(
        "a",
        "Kirby said Russia and North Korea advanced Arms negotiations at the Kremlin.",
        day(2023, 8, 30),
    )
    sanctions = corpus.add(
        "b", "Treasury sanctioned three Entities over Arms deals with North Korea.", value
    )
    entries, _ = corpus.merge()
    assert (entry_of(entries, kirby) == entry_of(entries, sanctions)) is joined


def test_title_and_text_are_the_best_tellings_not_the_most_typical() -> None:
    aside = (
        "Yonhap cited the agency as saying Russian Defence Minister Sergei Shoigu, who visited "
        "Pyongyang in July, had asked North Korea for artillery shells."
    )
    direct = (
        "Russian Defence Minister Sergei Shoigu visited Pyongyang in July to ask "
        "North Korea for artillery shells."
    )
    corpus = Corpus()
    for name in ("a", "b"):
        corpus.add(name, aside, month(2023, 7), when="July")
    corpus.add("c", direct, month(2023, 7), when="July")
    entries, _ = corpus.merge()
    (entry,) = entries
    assert entry.title == direct  # the telling chosen (Corpus titles are their sentences)
    assert entry.text == direct


@pytest.mark.parametrize(
    ("sentences", "expected"),
    [
        # Shared words count fully, words only one telling has a quarter: the richer wins.
        (
            (
                "Norway ordered the culling of every sheep flock on Wednesday.",
                "Norway ordered the culling of its 20,000 sheep on Wednesday as a precaution "
                "against a new fever, a step the farmers' union called a mistake.",
            ),
            1,
        ),
        # A pronoun opening costs more than a few extra words bring.
        (
            (
                "He ordered the culling of every sheep flock in Norway on Wednesday as a rule.",
                "Norway ordered the culling of every sheep flock on Wednesday.",
            ),
            1,
        ),
    ],
)
def test_entry_text_is_the_most_informative_telling(
    sentences: tuple[str, ...], expected: int
) -> None:
    corpus = Corpus()
    told = [corpus.add(f"a{n}", text, day(2009, 4, 29)) for n, text in enumerate(sentences)]
    entries, _ = corpus.merge()
    assert entry_of(entries, told[0]).text == sentences[expected]


def test_one_telling_of_two_happenings_does_not_chain_them() -> None:
    toddler = (
        "A Mexican Toddler died of Swine flu in Houston, Texas, the first Death outside Mexico."
    )
    alert = "Margaret Chan raised the WHO pandemic Alert level from Four to Five in Geneva."
    bridge = (
        "Margaret Chan raised the WHO pandemic Alert level in Geneva as a Mexican Toddler died "
        "of Swine flu in Houston, Texas."
    )
    corpus = Corpus()
    first = corpus.add("a", toddler, day(2009, 4, 29))
    second = corpus.add("a", alert, day(2009, 4, 29))
    corpus.add("b", bridge, day(2009, 4, 29))
    corpus.add("c", toddler, day(2009, 4, 29))
    corpus.add("d", alert, day(2009, 4, 29))
    entries, _ = corpus.merge()
    assert entry_of(entries, first) != entry_of(entries, second)
    assert len(entry_of(entries, first).article_ids) >= 2
    assert len(entry_of(entries, second).article_ids) >= 2


def test_a_source_does_not_disagree_with_itself() -> None:
    exams = "Alleyn's School in Dulwich postponed its Art Exams after Swine flu cases."
    tests = "Primary Schools will hold the national Sats Tests despite Swine flu."
    bridge = (
        "Alleyn's School in Dulwich postponed Art Exams as primary Schools hold the national "
        "Sats Tests despite Swine flu."
    )
    corpus = Corpus()
    first = corpus.add("a", exams, day(2009, 5, 5))
    second = corpus.add("a", tests, day(2009, 5, 6))
    corpus.add("b", bridge, day(2009, 5, 6))
    entries, _ = corpus.merge()
    assert entry_of(entries, first) != entry_of(entries, second)
