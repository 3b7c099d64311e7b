"""Stage "merge": the same event told by several articles becomes one timeline entry.

Events are compared only inside blocks of one period (a month, or a year for year-long dates);
a crowded period is split further by the events' rarest words, so the cost grows with the
number of events, not with its square. Two passes then group them:

1. events whose dates agree (one interval inside or overlapping the other: "on Aug. 30" and
   "last week") and whose texts are alike join one group, as long as all its dates still share
   an instant;
2. groups whose dates disagree but lie side by side (July and August; Monday and Tuesday) join
   when their texts are very alike: one entry, placed at the date most articles give, with every
   date recorded as a `DateVote`.

Text similarity is the cosine of TF-IDF vectors (scikit-learn) over two views of an event: its
clause, where names (capitalised words and acronyms) count twice as much as other words, and
the words around it in the article, which tell who "he" is and what "the talks" were. Rare
words weigh more than common ones by construction. Word lists live in
`resources/<language>/merge/*.txt`.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from importlib import resources

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer

from timeline.model import (
    PRECISION_RANK,
    Article,
    DateVote,
    Entry,
    Event,
    Granularity,
    Status,
    TimeValue,
)

CLAUSE_WEIGHT = 0.5  # how much the clause counts against its surroundings
NAME_BOOST = 2  # a name counts this many times as much as another word
AGREE_THRESHOLD = 0.2  # pass 1: dates agree, texts alike
DISAGREE_THRESHOLD = 0.3  # pass 2: dates side by side, texts very alike
RARE_KEYS = 8  # an event is blocked under this many of its rarest words
MAX_BLOCK = 300  # a larger block is split by rare words; a larger word block tells nothing
WINDOW_CHARS = 300  # how much of the article around the clause counts as its surroundings
MAX_YEARS = 12  # a decade or a century is blocked under its first years only
KEY_SHARE = 0.1  # share of entries (the most important, told by 2+ articles) marked key
KEY_MIN = 3
OPEN_ENDED = frozenset({"BEFORE", "AFTER", "ON_OR_BEFORE", "ON_OR_AFTER"})
_COARSE = timedelta(days=190)  # longer intervals are blocked by year, shorter by month
_ADJACENT = timedelta(days=1)

# Importance of a date's precision, from a clock time down to a year.
_PRECISION_BONUS: dict[Granularity, float] = {
    Granularity.TIME: 1.0,
    Granularity.DAY: 1.0,
    Granularity.RANGE: 0.8,
    Granularity.WEEKEND: 0.8,
    Granularity.WEEK: 0.6,
    Granularity.MONTH: 0.4,
    Granularity.SEASON: 0.3,
    Granularity.QUARTER: 0.3,
    Granularity.HALF: 0.2,
    Granularity.YEAR: 0.1,
}

_TOKEN = re.compile(r"[^\W\d_][\w'’.-]*[\w]|[^\W\d_]")
_POSSESSIVE = re.compile(r"['’]s?$")


@dataclass(frozen=True)
class MergeResult:
    """The timeline entries in date order, and the vaguely dated events kept as context."""

    entries: tuple[Entry, ...]
    context: tuple[Event, ...] = ()


@dataclass(frozen=True)
class Profile:
    """The words merge compares of one event: its clause (names repeated), its surroundings."""

    clause: tuple[str, ...]
    window: tuple[str, ...]


def merge_events(events: Sequence[Event], articles: Sequence[Article]) -> MergeResult:
    """Group the events that tell the same happening into entries; keep the vague as context."""
    placed = sorted((e for e in events if is_placeable(e.value)), key=_event_order)
    context = tuple(sorted((e for e in events if not is_placeable(e.value)), key=_event_order))
    by_id = {a.id: a for a in articles}
    profiles = [profile(e, by_id.get(e.article_id)) for e in placed]
    space = TextSpace(placed, profiles)
    agree, disagree = candidate_pairs(placed, profiles, space)
    groups = _Groups(placed)
    for _, i, j in agree:
        groups.join_if_agreeing(i, j)
    for _, i, j in disagree:
        groups.join_if_adjacent(i, j)
    entries = [make_entry(placed, space, members, by_id) for members in groups.members()]
    return MergeResult(mark_key(entries), context)


def is_placeable(value: TimeValue) -> bool:
    """True when a value is a place on the calendar, not an open side of one ("since 2006")."""
    return value.is_dated and value.mod not in OPEN_ENDED


def _event_order(event: Event) -> tuple[str, int, str]:
    return event.article_id, event.mention.start, event.id


# -- profiles ---------------------------------------------------------------------------------


@cache
def stopwords(language: str) -> frozenset[str]:
    """Words that tell nothing about which event a sentence reports."""
    for lang in dict.fromkeys((language, "en")):
        path = resources.files("timeline").joinpath(f"resources/{lang}/merge/stopwords.txt")
        if path.is_file():
            lines = (line.strip().casefold() for line in path.read_text("utf-8").splitlines())
            return frozenset(line for line in lines if line and not line.startswith("#"))
    return frozenset()


def profile(event: Event, article: Article | None) -> Profile:
    """An event's clause words, names repeated, and the content words around it.

    A clause that names hardly anyone ("On Monday, he signalled ...") borrows the names of the
    text just before it, as a reader would to know who "he" is.
    """
    stop = stopwords(article.language if article else "en")
    names, words = split_names(event.focus or event.sentence, stop)
    borrowed: set[str] = set()
    if len(names) < 2 and article is not None:
        borrowed, _ = split_names(_before(event, article), stop)
    window = [t.casefold() for t in _tokens(_surroundings(event, article))]
    return Profile(
        clause=tuple(sorted(names)) * NAME_BOOST + tuple(sorted(borrowed | words)),
        window=tuple(t for t in window if t not in stop and len(t) > 1),
    )


def split_names(text: str, stop: frozenset[str]) -> tuple[set[str], set[str]]:
    """Casefolded names (capitalised words, acronyms) and other content words of a text."""
    names: set[str] = set()
    words: set[str] = set()
    for token in _tokens(text):
        folded = token.casefold()
        if folded in stop or len(folded) < 2:
            continue
        (names if token[0].isupper() else words).add(folded)
    return names, words


def _tokens(text: str) -> Iterator[str]:
    for match in _TOKEN.finditer(text):
        yield _POSSESSIVE.sub("", match.group()).rstrip(".")


def _before(event: Event, article: Article) -> str:
    return article.body[max(0, event.sentence_start - WINDOW_CHARS) : event.sentence_start]


def _surroundings(event: Event, article: Article | None) -> str:
    if article is None:
        return event.sentence
    start = max(0, event.sentence_start - WINDOW_CHARS)
    end = event.sentence_start + len(event.sentence) + WINDOW_CHARS
    return article.body[start:end]


class TextSpace:
    """TF-IDF vectors of every event's clause and surroundings, for cosine similarity.

    Two events of one article always share their surroundings, so for them only the clauses
    count.
    """

    def __init__(self, events: Sequence[Event], profiles: Sequence[Profile]) -> None:
        self.articles = np.array([e.article_id for e in events], dtype=object)
        self.clause = _vectors([p.clause for p in profiles])
        self.window = _vectors([p.window for p in profiles])

    def similarities(self, left: Sequence[int], right: Sequence[int]) -> np.ndarray:
        """Similarity of each pair (left[n], right[n]), from 0 to 1."""
        clause = _cosines(self.clause, left, right)
        window = _cosines(self.window, left, right)
        apart = self.articles[list(left)] != self.articles[list(right)]
        mixed = CLAUSE_WEIGHT * clause + (1 - CLAUSE_WEIGHT) * window
        return np.where(apart, mixed, clause)

    def similarity(self, i: int, j: int) -> float:
        return float(self.similarities([i], [j])[0])


def _vectors(documents: list[tuple[str, ...]]) -> csr_matrix:
    if not any(documents):
        return csr_matrix((len(documents), 1))
    vectorizer = TfidfVectorizer(analyzer=_as_tokens, lowercase=False)
    return csr_matrix(vectorizer.fit_transform(documents))


def _as_tokens(document: tuple[str, ...]) -> tuple[str, ...]:
    return document


def _cosines(matrix: csr_matrix, left: Sequence[int], right: Sequence[int]) -> np.ndarray:
    if not len(left):
        return np.zeros(0)
    products = matrix[list(left)].multiply(matrix[list(right)])
    return np.asarray(products.sum(axis=1)).ravel()


# -- blocking ---------------------------------------------------------------------------------

Pair = tuple[float, int, int]


def candidate_pairs(
    events: Sequence[Event], profiles: Sequence[Profile], space: TextSpace
) -> tuple[list[Pair], list[Pair]]:
    """Alike pairs whose dates agree, and very alike pairs whose dates lie side by side.

    Only events of one status are paired. Each list is sorted best first, so that grouping
    takes the surest links before the rest.
    """
    agree: list[tuple[int, int]] = []
    disagree: list[tuple[int, int]] = []
    for i, j in sorted(_blocked_pairs(events, profiles)):
        a, b = events[i], events[j]
        if a.status is not b.status:
            continue
        if a.value.overlaps(b.value):
            agree.append((i, j))
        elif adjacent(a.value, b.value):
            disagree.append((i, j))
    return _scored(agree, space, AGREE_THRESHOLD), _scored(disagree, space, DISAGREE_THRESHOLD)


def _scored(pairs: list[tuple[int, int]], space: TextSpace, threshold: float) -> list[Pair]:
    scores = space.similarities([i for i, _ in pairs], [j for _, j in pairs])
    kept = [(float(s), i, j) for s, (i, j) in zip(scores, pairs, strict=True) if s >= threshold]
    return _best_first(kept)


def _best_first(pairs: list[Pair]) -> list[Pair]:
    return sorted(pairs, key=lambda p: (-p[0], p[1], p[2]))


def adjacent(a: TimeValue, b: TimeValue) -> bool:
    """True when no more than a day lies between two intervals."""
    return _near(_span(a), _span(b))


def _blocked_pairs(events: Sequence[Event], profiles: Sequence[Profile]) -> set[tuple[int, int]]:
    """Pairs of events that share a period; a crowded period is split by its rare words."""
    periods: dict[str, list[int]] = defaultdict(list)
    for index, event in enumerate(events):
        for period in period_keys(event.value):
            periods[period].append(index)
    rare = _rare_words(profiles)
    pairs: set[tuple[int, int]] = set()
    for period, members in periods.items():
        coarse_only = period.startswith("y")
        for block in _split_crowded(members, rare):
            pairs.update(_block_pairs(block, events, coarse_only=coarse_only))
    return pairs


def _split_crowded(members: list[int], rare: list[tuple[str, ...]]) -> Iterator[list[int]]:
    """A block as it is, or, when crowded, its sub-blocks by rare word (still crowded: dropped)."""
    if len(members) <= MAX_BLOCK:
        yield members
        return
    by_word: dict[str, list[int]] = defaultdict(list)
    for index in members:
        for word in rare[index]:
            by_word[word].append(index)
    yield from (block for block in by_word.values() if len(block) <= MAX_BLOCK)


def _block_pairs(
    members: list[int], events: Sequence[Event], *, coarse_only: bool
) -> Iterator[tuple[int, int]]:
    """Pairs of a block; in a year block, only pairs with a coarse (year-long) event in them."""
    for n, i in enumerate(members):
        for j in members[n + 1 :]:
            if not coarse_only or _is_coarse(events[i].value) or _is_coarse(events[j].value):
                yield (i, j) if i < j else (j, i)


def _rare_words(profiles: Sequence[Profile]) -> list[tuple[str, ...]]:
    """Each event's rarest words among those that some other event uses too."""
    frequency: dict[str, int] = defaultdict(int)
    tokens = [set(p.clause) for p in profiles]
    for found in tokens:
        for token in found:
            frequency[token] += 1
    return [
        tuple(sorted((t for t in found if frequency[t] > 1), key=lambda t: (frequency[t], t)))[
            :RARE_KEYS
        ]
        for found in tokens
    ]


def period_keys(value: TimeValue) -> Iterator[str]:
    """The blocks of time a value falls in: its months (and the ones it touches), or its years."""
    assert value.start and value.end
    last_year = (value.end - timedelta(microseconds=1)).year
    years = (f"y{year}" for year in range(value.start.year, last_year + 1))
    if _is_coarse(value):
        yield from itertools.islice(years, MAX_YEARS)
        return
    yield from years
    yield from _months(value.start - _ADJACENT, value.end + _ADJACENT)


def _months(start: datetime, end: datetime) -> Iterator[str]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield f"m{year:04d}-{month:02d}"
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _is_coarse(value: TimeValue) -> bool:
    assert value.start and value.end
    return value.end - value.start > _COARSE


# -- grouping ---------------------------------------------------------------------------------


class _Groups:
    """Union-find over events, in two layers: groups whose dates agree, then their unions."""

    def __init__(self, events: Sequence[Event]) -> None:
        self._size = len(events)
        self._agree = list(range(self._size))
        self._apart = list(range(self._size))
        self._span: list[Span] = [_span(e.value) for e in events]
        self._spans: list[list[Span]] = [[span] for span in self._span]

    def join_if_agreeing(self, i: int, j: int) -> None:
        """Join the groups of i and j when every date in the joined group shares an instant."""
        a, b = _find(self._agree, i), _find(self._agree, j)
        start = max(self._span[a][0], self._span[b][0])
        end = min(self._span[a][1], self._span[b][1])
        if a != b and start < end:
            self._agree[b] = self._apart[b] = a
            self._span[a] = (start, end)
            self._spans[a] = [self._span[a]]

    def join_if_adjacent(self, i: int, j: int) -> None:
        """Join two groups told at dates side by side, if every date stays beside every other."""
        a = _find(self._apart, _find(self._agree, i))
        b = _find(self._apart, _find(self._agree, j))
        if a != b and all(_near(x, y) for x in self._spans[a] for y in self._spans[b]):
            self._apart[b] = a
            self._spans[a] = self._spans[a] + self._spans[b]

    def members(self) -> list[list[list[int]]]:
        """Each final group as its agreeing groups, each a list of event indices."""
        nested: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        for index in range(self._size):
            agree = _find(self._agree, index)
            nested[_find(self._apart, agree)][agree].append(index)
        return [list(inner.values()) for inner in nested.values()]


Span = tuple[datetime, datetime]


def _span(value: TimeValue) -> Span:
    assert value.start and value.end
    return value.start, value.end


def _near(a: Span, b: Span) -> bool:
    return a[1] + _ADJACENT >= b[0] and b[1] + _ADJACENT >= a[0]


def _find(parent: list[int], index: int) -> int:
    root = index
    while parent[root] != root:
        root = parent[root]
    while parent[index] != root:
        parent[index], index = root, parent[index]
    return root


# -- entries ----------------------------------------------------------------------------------


def make_entry(
    events: Sequence[Event],
    space: TextSpace,
    groups: list[list[int]],
    articles: dict[str, Article],
) -> Entry:
    """One entry from agreeing groups of events: placed at the date most articles give."""
    ordered = sorted(groups, key=lambda g: _vote_order(_vote(events, g)))
    votes = [_vote(events, g) for g in ordered]
    winner = max(range(len(ordered)), key=lambda n: (*_support(events, ordered[n]), -n))
    value = votes[winner].value
    lead = _representative(events, space, ordered[winner], value)
    told = sorted((events[i] for group in groups for i in group), key=_event_order)
    return Entry(
        id=entry_id(told),
        value=value,
        title=lead.title,
        text=lead.sentence,
        status=_status(told, articles),
        events=tuple(told),
        disagreement=tuple(votes) if len(votes) > 1 else (),
        importance=importance(told, value, articles),
    )


def _vote(events: Sequence[Event], group: list[int]) -> DateVote:
    told = [events[i] for i in group]
    value = most_precise(e.value for e in told)
    return DateVote(value, tuple(sorted(e.id for e in told)))


def _vote_order(vote: DateVote) -> tuple[datetime, int, str]:
    assert vote.value.start
    return vote.value.start, PRECISION_RANK[vote.value.granularity], vote.event_ids[0]


def _support(events: Sequence[Event], group: list[int]) -> tuple[int, int]:
    """How many articles and how many events give a date."""
    return len({events[i].article_id for i in group}), len(group)


def most_precise(values: Iterable[TimeValue]) -> TimeValue:
    """The narrowest of values that agree: the most precise date their sources support."""

    def narrowness(v: TimeValue) -> tuple[int, timedelta, str]:
        assert v.start and v.end
        return PRECISION_RANK[v.granularity], v.end - v.start, v.value

    return min(values, key=narrowness)


def _representative(
    events: Sequence[Event], space: TextSpace, group: list[int], value: TimeValue
) -> Event:
    """The telling most like the others, among those that give the entry's date."""
    dated = [i for i in group if events[i].value == value] or group
    if len(dated) == 1:
        return events[dated[0]]
    others = group[:MAX_BLOCK]

    def centrality(i: int) -> tuple[float, str]:
        total = space.similarities([i] * len(others), others).sum()
        return round(float(total), 6), events[i].id

    return events[max(dated, key=centrality)]


def _status(told: Sequence[Event], articles: dict[str, Article]) -> Status:
    """What the latest article says: a planned event may have happened by then."""

    def recency(e: Event) -> tuple[datetime | None, bool]:
        article = articles.get(e.article_id)
        return (article.published if article else None), e.status is Status.REPORTED

    known = [e for e in told if e.article_id in articles]
    if not known:
        return told[0].status
    return max(known, key=recency).status


def importance(told: Sequence[Event], value: TimeValue, articles: dict[str, Article]) -> float:
    """More outlets, more articles and a more precise date make an entry more important."""
    article_ids = {e.article_id for e in told}
    sources = {_outlet(a, articles) for a in article_ids}
    score = (
        math.log2(1 + len(sources))
        + 0.5 * math.log2(1 + len(article_ids))
        + _PRECISION_BONUS.get(value.granularity, 0.0)
    )
    return round(score, 4)


def _outlet(article_id: str, articles: dict[str, Article]) -> str:
    article = articles.get(article_id)
    return (article.source or article_id) if article else article_id


def entry_id(told: Sequence[Event]) -> str:
    """An id derived from the events an entry gathers: the same sources give the same id."""
    digest = hashlib.sha1("\n".join(sorted(e.id for e in told)).encode("utf-8"))
    return "e-" + digest.hexdigest()[:12]


def mark_key(entries: Sequence[Entry]) -> tuple[Entry, ...]:
    """Entries in date order, the most important ones (told by 2+ articles) marked key."""
    ranked = sorted(entries, key=lambda e: (-e.importance, e.id))
    quota = max(KEY_MIN, math.ceil(KEY_SHARE * len(entries)))
    key_ids = {e.id for e in ranked[:quota] if len(e.article_ids) > 1}
    marked = (_with_key(e, e.id in key_ids) for e in entries)
    return tuple(sorted(marked, key=_entry_order))


def _with_key(entry: Entry, key: bool) -> Entry:
    return replace(entry, key=key)


def _entry_order(entry: Entry) -> tuple[datetime, int, str]:
    assert entry.value.start
    return entry.value.start, PRECISION_RANK[entry.value.granularity], entry.id
