"""Merge throughput: date-blocked candidates vs naive all-pairs, 400 -> 10,000 articles.

Synthetic but news-like input: a story of N articles runs over N/20 days (about twenty articles
a day, as in a busy real collection). Each article is published on some day and tells about ten
events: most happened on or shortly before its publish day, some are dated only by week, month
or year, and some are vague. An event is told with the names of its happening (people, places,
organisations drawn from a pool shared by the whole story), some of its own words, and filler
words, so that different events share words just as real reports of one story do.

The baseline is the same merge with blocking turned off (every pair of events is scored); it is
run on the smallest sizes only, since it grows with the square of the input. A last table
measures what a rebuild gains from the per-article features (`merge_features.article_features`, made
and cached with each article's results): merge given them against merge making them itself, in
the same run, with the same entries; and one what merge gains from coding the features' words as
the features keep them, joined (`joined_profiles`): the same text space, bit for bit. Another
measures merge after one edit given the memo the merge before it left (`merge.MergeMemo`)
against merge from scratch: the same entries. Times are CPU
seconds (wall time wanders on a shared machine), small sizes the best of three runs; the
candidate pairs per event show, without any clock, that the work grows linearly. The peak is
the most memory merge held at once (tracemalloc, numpy's arrays included), from one more run
that is not timed, since tracing slows it down.

    .venv/bin/python benchmarks/bench_merge.py            # full table
    .venv/bin/python benchmarks/bench_merge.py --quick    # 400 and 1,000 articles only
"""

from __future__ import annotations

import os
import random
import sys
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from unittest import mock

import numpy as np

from timeline import merge, merge_features
from timeline.merge_space import TextSpace
from timeline.model import Anchor, Article, Event, Granularity, Mention, Status, TimeValue

START = datetime(2009, 3, 1, tzinfo=UTC)
ARTICLES_PER_DAY = 20
EVENTS_PER_ARTICLE = 10
HAPPENINGS_PER_DAY = 12
SIZES = (400, 1_000, 2_500, 5_000, 10_000)
NAIVE_SIZES = (200, 400)
REPEATS = 3  # timings are the best of this many runs, up to REPEAT_UP_TO articles
REPEAT_UP_TO = 2_500
Made = TypeVar("Made")


def words(rng: random.Random, pool: Sequence[str], n: int) -> list[str]:
    return rng.sample(list(pool), n)


class Story:
    """The happenings of a synthetic news story, each with its day, names and words."""

    def __init__(self, days: int, rng: random.Random) -> None:
        self.rng = rng
        self.names = [f"Name{n}" for n in range(max(200, days * 4))]
        self.vocabulary = [f"word{n}" for n in range(5_000)]
        self.happenings = [
            (day, words(rng, self.names, 3), words(rng, self.vocabulary, 6))
            for day in range(days)
            for _ in range(HAPPENINGS_PER_DAY)
        ]

    def sentence(self, happening: int) -> str:
        _, names, own = self.happenings[happening]
        told = self.rng.sample(names, 2) + self.rng.sample(own, 4)
        told += words(self.rng, self.vocabulary, 5) + words(self.rng, self.names, 1)
        self.rng.shuffle(told)
        return "The report said " + " ".join(told) + "."


def value_for(day: datetime, rng: random.Random) -> TimeValue:
    """A day most of the time; sometimes its week, month or year; sometimes only 'recently'."""
    roll = rng.random()
    if roll < 0.65:
        return TimeValue(day.date().isoformat(), "DATE", Granularity.DAY, day, day + timedelta(1))
    if roll < 0.75:
        monday = day - timedelta(days=day.weekday())
        week = f"{monday.isocalendar().year}-W{monday.isocalendar().week:02d}"
        return TimeValue(week, "DATE", Granularity.WEEK, monday, monday + timedelta(7))
    if roll < 0.85:
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return TimeValue(first.strftime("%Y-%m"), "DATE", Granularity.MONTH, first, following)
    if roll < 0.9:
        first = day.replace(month=1, day=1)
        return TimeValue(
            str(day.year), "DATE", Granularity.YEAR, first, first.replace(year=day.year + 1)
        )
    return TimeValue("PAST_REF", "DATE", Granularity.PAST)


def corpus(n_articles: int, seed: int = 7) -> tuple[list[Event], list[Article]]:
    """n articles and their events, reproducible from the seed."""
    rng = random.Random(seed)
    days = max(1, n_articles // ARTICLES_PER_DAY)
    story = Story(days, rng)
    articles: list[Article] = []
    events: list[Event] = []
    for n in range(n_articles):
        published = START + timedelta(days=rng.randrange(days))
        article_id = f"a{n:05d}"
        told = list(_told(story, published, rng))
        body = "\n\n".join(sentence for sentence, _ in told)
        articles.append(
            Article(article_id, f"{article_id}.md", article_id, published, body, source=f"s{n % 7}")
        )
        events.extend(_events(article_id, told))
    return events, articles


def _told(story: Story, published: datetime, rng: random.Random) -> Iterator[tuple[str, TimeValue]]:
    today = (published - START).days
    for _ in range(EVENTS_PER_ARTICLE):
        day = max(0, today - min(int(rng.expovariate(0.5)), 30))
        happening = day * HAPPENINGS_PER_DAY + rng.randrange(HAPPENINGS_PER_DAY)
        yield story.sentence(happening), value_for(START + timedelta(days=day), rng)


def _events(article_id: str, told: list[tuple[str, TimeValue]]) -> Iterator[Event]:
    offset = 0
    for sentence, value in told:
        mention = Mention(offset, offset + 1, sentence[:1], value, Anchor.PUBLISHED)
        yield Event(
            f"{article_id}-{offset}",
            article_id,
            mention,
            sentence,
            offset,
            sentence,
            Status.REPORTED,
        )
        offset += len(sentence) + 2


def all_pairs(
    events: Sequence[Event], clause: object, calendar: object = None, dirty: object = None
) -> np.ndarray:
    """The naive baseline's candidates: every pair of events, whatever their dates and words."""
    left, right = np.triu_indices(len(events), k=1)
    return left.astype(np.int64) * len(events) + right


def peak_mib(events: Sequence[Event], articles: Sequence[Article]) -> float:
    """The most memory one merge holds at once, in MiB."""
    tracemalloc.start()
    try:
        merge.merge_events(events, articles)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def timed(run: Callable[[], Made]) -> tuple[float, Made]:
    """CPU seconds of a run (steadier than wall time on a shared machine), and its result."""
    started = time.process_time()
    result = run()
    return time.process_time() - started, result


def candidates_per_event(events: Sequence[Event], articles: Sequence[Article]) -> float:
    """How many pairs blocking lets through per event: flat when the work grows linearly."""
    placed = [e for e in events if merge_features.is_placeable(e.value)]
    words = {a.id: merge_features.ArticleWords(a) for a in articles}
    profiles = [merge_features.profile(e, words[e.article_id]) for e in placed]
    left, _ = merge.blocked_pairs(placed, TextSpace(placed, profiles).clause)
    return len(left) / max(len(placed), 1)


def measure(n_articles: int, *, naive: bool = False, repeats: int = 1) -> tuple[int, int, float]:
    """Events, entries and the best CPU time of `repeats` merges of n synthetic articles."""
    events, articles = corpus(n_articles)
    runs = []
    for _ in range(repeats):
        if naive:
            with mock.patch.object(merge, "candidate_codes", all_pairs):
                runs.append(timed(lambda: merge.merge_events(events, articles)))
        else:
            runs.append(timed(lambda: merge.merge_events(events, articles)))
    seconds, result = min(runs, key=lambda run: run[0])
    return len(events), len(result.entries), seconds


def features_of(events: Sequence[Event], articles: Sequence[Article]) -> dict[str, str]:
    """Each event's merge features, made article by article as the per-article stage does."""
    told: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        told[event.article_id].append(event)
    found: dict[str, str] = {}
    for article in articles:
        own = told.get(article.id, [])
        for event, features in zip(own, merge_features.article_features(article, own), strict=True):
            if features:
                found[event.id] = features
    return found


def with_features(n_articles: int, repeats: int) -> tuple[float, float]:
    """Best CPU seconds of merge making every feature itself, and of merge given them."""
    events, articles = corpus(n_articles)
    features = features_of(events, articles)
    plain, given = [], []
    for _ in range(repeats):  # alternated, so that both meet the same load
        plain.append(timed(lambda: merge.merge_events(events, articles)))
        given.append(timed(lambda: merge.merge_events(events, articles, features)))
    if plain[0][1] != given[0][1]:
        raise SystemExit(f"{n_articles} articles: merge with features gave other entries")
    return min(s for s, _ in plain), min(s for s, _ in given)


def text_spaces(n_articles: int, repeats: int) -> tuple[float, float]:
    """Best CPU seconds of the text space made from each event's word lists (`profiles`), and
    from the joined strings the features keep (`joined_profiles`), as merge makes it."""
    events, articles = corpus(n_articles)
    placed = sorted(
        (e for e in events if merge_features.is_placeable(e.value)), key=merge._event_order
    )
    by_id = {a.id: a for a in articles}
    known = merge._Unpacked(features_of(events, articles))
    lists, joined = [], []
    for _ in range(repeats):  # alternated, so that both meet the same load
        lists.append(timed(lambda: TextSpace(placed, merge.profiles(placed, by_id, known))))
        joined.append(
            timed(lambda: TextSpace.joined(placed, *merge.joined_profiles(placed, by_id, known)))
        )
    ours, theirs = lists[0][1], joined[0][1]
    for mine, other in ((ours.clause, theirs.clause), (ours.window, theirs.window)):
        parts = ("data", "indices", "indptr")
        if not all(np.array_equal(getattr(mine, a), getattr(other, a)) for a in parts):
            raise SystemExit(f"{n_articles} articles: the joined words gave another text space")
    return min(s for s, _ in lists), min(s for s, _ in joined)


def with_memo(n_articles: int, repeats: int) -> tuple[float, float]:
    """Best CPU seconds of merge from scratch and of merge given the memo the merge before one
    edit left (one article's text changed: one of its events gone, the others made again), in
    the same run, with the same entries."""
    events, articles = corpus(n_articles)
    features = features_of(events, articles)
    versions = {a.id: "1" for a in articles}
    before = merge.merge_events(events, articles, features, versions)
    edited = articles[len(articles) // 2].id
    gone = next(e.id for e in reversed(events) if e.article_id == edited)
    events = [e for e in events if e.id != gone]
    versions[edited] = "2"
    scratch, given = [], []
    for _ in range(repeats):  # alternated, so that both meet the same load
        scratch.append(timed(lambda: merge.merge_events(events, articles, features, versions)))
        given.append(
            timed(lambda: merge.merge_events(events, articles, features, versions, before.memo))
        )
    if scratch[0][1] != given[0][1]:
        raise SystemExit(f"{n_articles} articles: merge with the memo gave other entries")
    return min(s for s, _ in scratch), min(s for s, _ in given)


def main(argv: list[str]) -> None:
    sizes = SIZES[:2] if "--quick" in argv else SIZES
    header = f"{'articles':>8} {'events':>7} {'entries':>7} {'pairs/event':>11}"
    print(f"{header} {'blocked s':>9} {'µs/event':>8} {'peak MiB':>8}")
    blocked: dict[int, float] = {}
    print(
        f"(best of {REPEATS} runs up to {REPEAT_UP_TO:,} articles; load {os.getloadavg()[0]:.1f})"
    )
    for n in sizes:
        events, entries, seconds = measure(n, repeats=REPEATS if n <= REPEAT_UP_TO else 1)
        blocked[n] = seconds
        pairs = candidates_per_event(*corpus(n))
        peak = peak_mib(*corpus(n))
        row = f"{n:>8} {events:>7} {entries:>7} {pairs:>11.1f}"
        print(f"{row} {seconds:>9.2f} {1e6 * seconds / events:>8.1f} {peak:>8.0f}")
    first, last = sizes[0], sizes[-1]
    growth = blocked[last] / blocked[first]
    print(
        f"growth {first} -> {last} articles: x{last / first:.1f} input, x{growth:.1f} time "
        f"(linear x{last / first:.1f}, quadratic x{(last / first) ** 2:.0f})"
    )
    print(f"\n{'articles':>8} {'naive s':>8} {'blocked s':>9} {'ratio':>6}")
    for n in NAIVE_SIZES:
        _, _, naive_seconds = measure(n, naive=True, repeats=REPEATS)
        _, _, seconds = measure(n, repeats=REPEATS)
        print(f"{n:>8} {naive_seconds:>8.2f} {seconds:>9.2f} {naive_seconds / seconds:>6.1f}x")
    projected = naive_seconds * (last / n) ** 2
    print(
        f"naive all-pairs at {last:,} articles, projected from {n} as quadratic: "
        f"~{projected:,.0f} s against {blocked[last]:.1f} s blocked"
    )
    print(f"\n{'articles':>8} {'made s':>7} {'given s':>7} {'ratio':>6}  (same entries)")
    for n in sizes:
        made, given = with_features(n, REPEATS if n <= REPEAT_UP_TO else 1)
        print(f"{n:>8} {made:>7.2f} {given:>7.2f} {made / given:>6.1f}x")
    print(
        f"\n{'articles':>8} {'scratch s':>9} {'memo s':>7} {'ratio':>6}  (one edit, same entries)"
    )
    for n in sizes:
        scratch, given = with_memo(n, REPEATS if n <= REPEAT_UP_TO else 1)
        print(f"{n:>8} {scratch:>9.2f} {given:>7.2f} {scratch / given:>6.1f}x")
    print(f"\n{'articles':>8} {'lists s':>7} {'joined s':>8} {'ratio':>6}  (text space, same bits)")
    for n in sizes:
        lists, joined = text_spaces(n, REPEATS)
        print(f"{n:>8} {lists:>7.2f} {joined:>8.2f} {lists / joined:>6.1f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
