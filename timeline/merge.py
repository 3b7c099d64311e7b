"""Stage "merge": the same event told by several articles becomes one timeline entry.

Events are compared only inside blocks of one period (a day for day- and week-long dates, a
month, or a year) and only when their clauses share a word that is not common, so the cost
grows with the number of events, not with its square. Two passes then group them:

1. events whose dates agree (one interval inside or overlapping the other: "on Aug. 30" and
   "last week") and whose texts are alike join one group, as long as all its dates still share
   an instant;
2. groups whose dates disagree but lie side by side (July and August; Monday and Tuesday) join
   when their texts are very alike: one entry, placed at the date most articles give, with every
   date recorded as a `DateVote`.

A link joins two groups only when the groups as wholes read alike (average linkage, so one
sentence that tells two happenings does not chain them), and two groups never join when one
article tells an event of each in sentences that are not alike: that article itself tells two
happenings, and a source does not disagree with itself about a date.

Text similarity is the cosine of TF-IDF vectors (scikit-learn's `TfidfVectorizer` defaults,
but for document counts rounded: see `merge_space`) over two views of an event:
its clause, where names (capitalised words and acronyms) count twice as much as other words,
and the words around it in the article, which tell who "he" is and what "the talks" were.
Rare words weigh more than common ones by construction. Word lists live in
`resources/<language>/merge/*.txt`.

Merge keeps its work and memory small: each article is read once, only around its events;
candidate pairs are kept as one sorted array of codes and scored slice by slice, keeping only
the pairs alike enough; the pairs of events of one article are scored once, up front, for
every one-article check. Every float is the one the plain computation gives, and a pair's
score depends on its two events alone (see `merge_space`), so the entries do not depend on these
shortcuts. A build gives merge the memo the last one left (`MergeMemo`): after an edit, only
the pairs and the parts of the link graph the changed events reach are worked out again, and
the entries are those a merge from scratch makes.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import compress, groupby
from operator import attrgetter
from typing import NamedTuple

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from timeline import collector
from timeline.events import Telling, event_telling
from timeline.merge_features import (
    WORD_SEPARATOR,
    ArticleWords,
    Features,
    Profile,
    content_words,
    is_flawed,
    is_placeable,
    profile,
    split_words,
    surroundings,
)
from timeline.merge_space import (
    CLAUSE_WEIGHT,
    Coded,
    TextSpace,
    coded_joined,
    cosines,
    counted,
    rounded,
)
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

AGREE_THRESHOLD = 0.2  # pass 1: dates agree, texts alike
DISAGREE_THRESHOLD = 0.3  # pass 2: dates side by side, texts very alike
SAME_ARTICLE_THRESHOLD = 0.5  # two sentences of one article: only when much alike
ONE_ACCOUNT_THRESHOLD = 0.2  # two sentences of one article less alike tell two happenings
LEVEL_STEP = 0.1  # a month-long date joins a day's telling only when alike by this much more
COMMON_SHARE = 0.01  # a word in more than this share of events (and 50 or more) blocks nothing
COMMON_MIN = 50
MAX_YEARS = 12  # a decade or a century is blocked under its first years only
KEY_SHARE = 0.1  # share of entries (the most important, told by 2+ articles) marked key
KEY_MIN = 3
TEXT_WORDS = 35  # a telling longer than this says more than the entry needs, word by word
_FINE = timedelta(days=10)  # intervals up to this long are blocked by day
_COARSE = timedelta(days=190)  # longer intervals are blocked by year, shorter by month
_ADJACENT = timedelta(days=1)
_CHUNK = 100_000  # pairs scored at once
_PRODUCT = 4_000_000  # word matches counted at once when blocking
_SMALL_BLOCK = 200_000  # blocks with at most this many (source, target) pairs: compared together

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


Recipe = tuple["Choice", ...]
"""How one part of the link graph was grouped (`_Parts`): its entries' choices, by the
events' places in the part."""


@dataclass(frozen=True)
class MergeResult:
    """The timeline entries in date order, and the vaguely dated events kept as context."""

    entries: tuple[Entry, ...]
    context: tuple[Event, ...] = ()
    # What this merge leaves the next one (`MergeMemo`); None without versions.
    memo: MergeMemo | None = field(default=None, compare=False)


def merge_events(
    events: Sequence[Event],
    articles: Sequence[Article],
    features: Mapping[str, str] | None = None,
    versions: Mapping[str, str] | None = None,
    memo: MergeMemo | None = None,
) -> MergeResult:
    """Group the events that tell the same happening into entries; keep the vague as context.

    `features`, by event id, are what `article_features` made of the events with their
    articles; those of events missing from it are made here. `versions`, by article id, say
    what each article was made from (`execute.Analysed.versions`): with them, the merge
    leaves a `MergeMemo`, and given the memo of an earlier merge, it works out again only
    what the events that changed since reach (see `MergeMemo`).
    """
    placeable = [is_placeable(e.value) for e in events]
    placed = sorted(compress(events, placeable), key=_event_order)
    context = tuple(
        sorted((e for e, p in zip(events, placeable, strict=True) if not p), key=_event_order)
    )
    by_id = {a.id: a for a in articles}
    keys = _event_keys(placed, versions or {})
    with collector.paused():
        known = _Unpacked(features or {})
        grown = memo.grown(placed, keys, by_id, known) if memo is not None else None
        linked = grown or _Linked.afresh(placed, by_id, known)
        parts = _Parts(linked.agree, linked.disagree, len(placed))
        done = parts.recalled(memo, linked.old, linked.dirty)
        tellings = Tellings(by_id, known)
        choices = _grouped(placed, linked, ~done.events, by_id, tellings) + done.choices
        entries = [make_entry(placed, choice) for choice in choices]
        left = None
        if versions:
            recipes = parts.recipes(choices, done.recipes)
            left = MergeMemo.left(recipes, parts.labels, keys, linked)
    return MergeResult(mark_key(entries), context, left)


def _grouped(
    events: Sequence[Event],
    linked: _Linked,
    todo: np.ndarray,
    articles: dict[str, Article],
    tellings: Tellings,
) -> list[Choice]:
    """The choices of the entries of the `todo` events (a mask), grouped by their links."""
    groups = _Groups(events, linked.space, todo)
    for i, j in linked.agree.among(todo).links():
        groups.join_if_agreeing(i, j, AGREE_THRESHOLD)
    for i, j in linked.disagree.among(todo).links():
        groups.join_if_adjacent(i, j, DISAGREE_THRESHOLD)
    typical = _typicality(len(events), linked.agree)
    nested = groups.members(np.flatnonzero(todo).tolist())
    return [choose(events, typical, found, articles, tellings) for found in nested]


def _event_keys(events: Sequence[Event], versions: Mapping[str, str]) -> list[str]:
    """What each event was made from: its article's version and its id ("" if unknown)."""
    found = (versions.get(e.article_id) for e in events)
    return [f"{v}\t{e.id}" if v else "" for v, e in zip(found, events, strict=True)]


class _Unpacked(Mapping[str, Features]):
    """Events' features by id, unpacked from `packed` when first asked for."""

    def __init__(self, packed: Mapping[str, str]) -> None:
        self._packed = packed
        self._made: dict[str, Features] = {}

    def __getitem__(self, event_id: str) -> Features:
        found = self._made.get(event_id)
        if found is None:
            text = self._packed.get(event_id)
            if not text:
                raise KeyError(event_id)
            found = self._made[event_id] = Features.unpack(text)
        return found

    def __iter__(self) -> Iterator[str]:
        return (k for k, v in self._packed.items() if v)

    def __len__(self) -> int:
        return sum(1 for v in self._packed.values() if v)


@dataclass(frozen=True)
class MergeMemo:
    """What a merge leaves for the next one, by event: what it was made from (`keys`, in the
    merge's order), its words (coded), its dates (`_Calendar.table`), the links between
    events, its part of the link graph (`parts`) and how each part was grouped (`recipes`).

    The next merge takes over the words and dates of every event made from the same inputs,
    and the links between two events that are clean: made from the same inputs, with none of
    their words weighing otherwise now or becoming too common to block. Weights come from
    rounded counts (`merge_space`), so an edit changes few of them. Only the pairs with a dirty
    event are compared again, and only the parts with one are grouped again (`_Parts`). When
    the rounded number of events changes, every weight does, and the merge starts afresh.
    """

    recipes: list[Recipe]  # by part
    parts: np.ndarray  # each event's part
    keys: list[str]
    clause: Coded
    window: Coded
    calendar: np.ndarray
    agree: Links
    disagree: Links

    @classmethod
    def left(
        cls, recipes: list[Recipe], parts: np.ndarray, keys: list[str], linked: _Linked
    ) -> MergeMemo:
        """The memo of a merge whose events (made from `keys`) were linked as `linked`."""
        space, calendar = linked.space, linked.calendar
        return cls(
            recipes,
            parts,
            keys,
            space.coded_clause,
            space.coded_window,
            calendar.table,
            linked.agree,
            linked.disagree,
        )

    def grown(
        self,
        events: Sequence[Event],
        keys: list[str],
        articles: dict[str, Article],
        known: Mapping[str, Features],
    ) -> _Linked | None:
        """The events (made from `keys`) linked as a merge from scratch links them, worked
        out from this memo; None when it is no help."""
        if rounded(np.array([len(keys)]))[0] != rounded(np.array([len(self.keys)]))[0]:
            return None
        where = {k: n for n, k in enumerate(self.keys) if k}
        old = np.fromiter((where.get(k, -1) for k in keys), dtype=np.int64, count=len(keys))
        fresh = [events[i] for i in np.flatnonzero(old < 0).tolist()]
        clauses, windows = joined_profiles(fresh, articles, known)
        clause, moved = _regrown(self.clause, old, coded_joined(clauses), blocking=True)
        window, shifted = _regrown(self.window, old, coded_joined(windows), blocking=False)
        dirty = (old < 0) | _touching(clause, moved) | _touching(window, shifted)
        calendar = _Calendar(events, self._table(old, fresh))
        space = TextSpace.coded(events, clause, window)
        agree, disagree = candidate_pairs(events, space, calendar, dirty)
        clean = _clean_numbers(old, dirty, len(self.keys))
        agree, disagree = (
            _joined_links(agree, self.agree, clean),
            _joined_links(disagree, self.disagree, clean),
        )
        return _Linked(space, calendar, agree, disagree, old, dirty)

    def _table(self, old: np.ndarray, fresh: Sequence[Event]) -> np.ndarray:
        """The calendar rows of the events now: kept from the memo, or made for the fresh."""
        table = np.empty((len(old), self.calendar.shape[1]))
        table[old >= 0] = self.calendar[old[old >= 0]]
        table[old < 0] = _table(fresh)
        return table


def _clean_numbers(old: np.ndarray, dirty: np.ndarray, before: int) -> np.ndarray:
    """The index now of each of the `before` events of the memo, or -1 if it is gone or
    dirty (`old`: each event's index in the memo, or -1)."""
    numbers = np.full(before, -1, dtype=np.int64)
    kept = np.flatnonzero((old >= 0) & ~dirty)
    numbers[old[kept]] = kept
    return numbers


class _Linked(NamedTuple):
    """Events in their text space and calendar, with their links; each one's index in the
    memo the links were worked out from (-1 if none) and which ones are dirty."""

    space: TextSpace
    calendar: _Calendar
    agree: Links
    disagree: Links
    old: np.ndarray
    dirty: np.ndarray

    @classmethod
    def afresh(
        cls, events: Sequence[Event], articles: dict[str, Article], known: Mapping[str, Features]
    ) -> _Linked:
        """The events linked from scratch: all dirty."""
        space = TextSpace.joined(events, *joined_profiles(events, articles, known))
        calendar = _Calendar(events)
        agree, disagree = candidate_pairs(events, space, calendar)
        size = len(events)
        return cls(space, calendar, agree, disagree, np.full(size, -1), np.ones(size, dtype=bool))


def _regrown(
    before: Coded, old: np.ndarray, fresh: Coded, *, blocking: bool
) -> tuple[Coded, np.ndarray]:
    """The rows of the events now (`old`: each one's row in `before`, or -1 for the next row
    of `fresh`), in one vocabulary of the words they use; and which of those words weigh
    otherwise than in `before` (or, `blocking`, block otherwise)."""
    kept = old[old >= 0]
    lengths = np.diff(before.indptr)
    taken = _ragged(before.indptr[kept], lengths[kept])
    used = np.flatnonzero(np.bincount(before.columns[taken], minlength=len(before.words)))
    words = sorted({before.words[c] for c in used.tolist()}.union(fresh.words))
    index = {w: n for n, w in enumerate(words)}
    renamed = np.fromiter((index.get(w, -1) for w in before.words), np.int64, len(before.words))
    fresh_renamed = np.fromiter(map(index.__getitem__, fresh.words), np.int64, len(fresh.words))
    # Every row, the old ones first, then the fresh ones, in the new vocabulary.
    columns = np.r_[renamed[before.columns], fresh_renamed[fresh.columns]]
    counts = np.r_[before.counts, fresh.counts]
    starts = np.r_[before.indptr[:-1], fresh.indptr[:-1] + len(before.columns)]
    sizes = np.r_[lengths, np.diff(fresh.indptr)]
    row = old.copy()
    row[old < 0] = before.size + np.arange(np.count_nonzero(old < 0))
    picked = _ragged(starts[row], sizes[row])
    indptr = np.r_[0, np.cumsum(sizes[row])].astype(np.int64)
    now = Coded(words, indptr, columns[picked].astype(np.int32), counts[picked])
    # Which words weigh otherwise: their rounded counts differ.
    was = np.zeros(len(words), dtype=np.int64)
    known = renamed >= 0
    was[renamed[known]] = before.frequency()[known]
    frequency = now.frequency()
    moved = rounded(was) != rounded(frequency)
    if blocking:
        moved |= (was <= _common_limit(before.size)) != (frequency <= _common_limit(now.size))
    return now, moved


def _ragged(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions of the runs starts[n], starts[n] + 1, ... (lengths[n] each), in order."""
    total = int(lengths.sum())
    offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.asarray(np.repeat(starts, lengths) + offsets, dtype=np.int64)


def _touching(coded: Coded, words: np.ndarray) -> np.ndarray:
    """Which rows hold any of `words` (a mask over words)."""
    hit = coded.rows()[words[coded.columns]]
    return np.bincount(hit, minlength=coded.size) > 0


def _joined_links(found: Links, before: Links, clean: np.ndarray) -> Links:
    """The links `found` now with the links between clean events from `before` (renumbered
    by `clean`: -1 for an event that is gone or dirty), best first."""
    left, right = clean[before.left], clean[before.right]
    kept = (left >= 0) & (right >= 0)
    score = np.r_[found.score, before.score[kept]]
    left, right = np.r_[found.left, left[kept]], np.r_[found.right, right[kept]]
    order = np.lexsort((right, left, -score))
    return Links(score[order], left[order], right[order])


def _typicality(size: int, pairs: Links) -> np.ndarray:
    """How much each event is like the events its date agrees with: its summed similarity."""
    total = np.zeros(size)
    np.add.at(total, pairs.left, pairs.score)
    np.add.at(total, pairs.right, pairs.score)
    return total


def _event_order(event: Event) -> tuple[str, int, str]:
    return event.article_id, event.mention.start, event.id


# -- profiles ---------------------------------------------------------------------------------


def profiles(
    events: Sequence[Event],
    articles: dict[str, Article],
    features: Mapping[str, Features] | None = None,
) -> list[Profile]:
    """The profile of every event, reading each article once, around its events only (or
    taken from `features`, when they hold every event of the article)."""
    return [
        f.profile() if isinstance(f, Features) else f for f in _made(events, articles, features)
    ]


def joined_profiles(
    events: Sequence[Event],
    articles: dict[str, Article],
    features: Mapping[str, Features] | None = None,
) -> tuple[list[str], list[str]]:
    """The words of every event's profile (see `profiles`), clause and window, each joined
    in one string as `Features` keeps them."""
    made = [
        (f.clause, f.window)
        if isinstance(f, Features)
        else (WORD_SEPARATOR.join(f.clause), WORD_SEPARATOR.join(f.window))
        for f in _made(events, articles, features)
    ]
    return [clause for clause, _ in made], [window for _, window in made]


def _made(
    events: Sequence[Event],
    articles: dict[str, Article],
    features: Mapping[str, Features] | None = None,
) -> Iterator[Features | Profile]:
    """Each event's features when they hold every event of its article, else its profile."""
    known = features or {}
    for article_id, group in groupby(events, key=attrgetter("article_id")):
        told = list(group)
        article = articles.get(article_id)
        made = [known.get(e.id) for e in told] if article else []
        if made and all(made):
            yield from (f for f in made if f)
            continue
        text = ArticleWords(article, surroundings(told)) if article else None
        yield from (profile(e, text) for e in told)


class _OneArticle:
    """Which two events of one article read unlike each other: they tell two happenings.

    Scored once, up front, for every pair of events an article tells (of the `wanted` ones).
    """

    def __init__(
        self, space: TextSpace, threshold: float, wanted: np.ndarray | None = None
    ) -> None:
        left, right = space.article_pairs()
        if wanted is not None:
            both = wanted[left] & wanted[right]
            left, right = left[both], right[both]
        self._size = max(len(space.articles), 1)
        unlike = cosines(space.clause, left, right) < threshold
        self._unlike = set((left[unlike] * self._size + right[unlike]).tolist())

    def any_unlike(self, pairs: Sequence[tuple[int, int]]) -> bool:
        """True when any pair (x, y) of events of one article reads unlike."""
        size, unlike = self._size, self._unlike
        return any((x * size + y if x < y else y * size + x) in unlike for x, y in pairs)


# -- blocking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Links:
    """Scored pairs of events (left[n], right[n]) with left < right, best first."""

    score: np.ndarray
    left: np.ndarray
    right: np.ndarray

    def among(self, wanted: np.ndarray) -> Links:
        """The pairs whose events are both `wanted` (a mask over events), in order."""
        keep = wanted[self.left] & wanted[self.right]
        return Links(self.score[keep], self.left[keep], self.right[keep])

    def links(self) -> Iterator[tuple[int, int]]:
        """The pairs (left[n], right[n]) in order, as Python ints, a slice at a time."""
        for n in range(0, len(self.left), _CHUNK):
            left, right = self.left[n : n + _CHUNK], self.right[n : n + _CHUNK]
            yield from zip(left.tolist(), right.tolist(), strict=True)


def candidate_pairs(
    events: Sequence[Event],
    space: TextSpace,
    calendar: _Calendar | None = None,
    dirty: np.ndarray | None = None,
) -> tuple[Links, Links]:
    """Alike pairs whose dates agree, and very alike pairs whose dates lie side by side.

    Only events of one status are paired. Two sentences of one article are two statements
    unless they read much alike, and one article giving two dates is no disagreement between
    sources ("the pandemic of 1918-1919"). A coarse date says less about which event it is, so
    a month-long date must read more alike to join a day than another day must. Each list is
    sorted best first, so that grouping takes the surest links before the rest.

    Candidates go through in slices and only the pairs alike enough are kept, so memory holds
    the candidates' codes and the kept pairs, never every candidate's scores at once. With
    `dirty` (a mask over events), only the pairs of which one event is dirty.
    """
    calendar = calendar or _Calendar(events)
    codes = candidate_codes(events, space.clause, calendar, dirty)
    size = max(len(events), 1)
    agree, disagree = _Scorer(space), _Scorer(space)
    for n in range(0, len(codes), _CHUNK):
        left, right = np.divmod(codes[n : n + _CHUNK], size)
        same = calendar.status[left] == calendar.status[right]
        left, right = left[same], right[same]
        apart = space.articles[left] != space.articles[right]
        overlap = calendar.overlaps(left, right)
        near = ~overlap & apart & calendar.near(left, right)
        threshold = np.where(apart, AGREE_THRESHOLD, SAME_ARTICLE_THRESHOLD)
        threshold = threshold + LEVEL_STEP * np.abs(calendar.level[left] - calendar.level[right])
        agree.add(left[overlap], right[overlap], threshold[overlap])
        disagree.add(left[near], right[near], np.full(np.count_nonzero(near), DISAGREE_THRESHOLD))
    return agree.links(), disagree.links()


class _Scorer:
    """Scores pairs as they come, `_CHUNK` at a time, and keeps those reaching their threshold."""

    def __init__(self, space: TextSpace) -> None:
        self._space = space
        self._waiting: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._count = 0
        self._kept: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, left: np.ndarray, right: np.ndarray, threshold: np.ndarray) -> None:
        self._waiting.append((left, right, threshold))
        self._count += len(left)
        if self._count >= _CHUNK:
            self._score(full_only=True)

    def _score(self, *, full_only: bool) -> None:
        left, right, threshold = (np.concatenate(part) for part in zip(*self._waiting, strict=True))
        end = len(left) - len(left) % _CHUNK if full_only else len(left)
        for n in range(0, end, _CHUNK):
            some, other = left[n : n + _CHUNK], right[n : n + _CHUNK]
            scores = self._space.similarities(some, other)
            keep = scores >= threshold[n : n + _CHUNK]
            self._kept.append((scores[keep], some[keep], other[keep]))
        self._waiting = [(left[end:], right[end:], threshold[end:])]
        self._count = len(left) - end

    def links(self) -> Links:
        """The kept pairs, best first; ties in index order."""
        if self._waiting:
            self._score(full_only=False)
        kept, self._kept = self._kept, []
        if not kept:
            return Links(np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64))
        score, left, right = (np.concatenate(part) for part in zip(*kept, strict=True))
        del kept
        order = np.lexsort((right, left, -score))
        return Links(score[order], left[order], right[order])


class _Calendar:
    """Every event's interval (in seconds), status, blocking level and, per level, the first
    and last period it touches (`periods`), as arrays, read in one pass over the events."""

    def __init__(self, events: Sequence[Event], table: np.ndarray | None = None) -> None:
        if table is None:
            table = _table(events)
        self.table = table
        self.start, self.end = table[:, 0].copy(), table[:, 1].copy()
        self.status = table[:, 2] == 1.0
        whole = table[:, 3:].astype(np.int64)  # small whole numbers: exact as floats
        self.level = whole[:, 0].copy()
        self.first, self.last = whole[:, 1:4].copy(), whole[:, 4:7].copy()

    def overlaps(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return np.asarray((self.start[i] < self.end[j]) & (self.start[j] < self.end[i]), dtype=bool)

    def near(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        gap = _ADJACENT.total_seconds()
        after, before = self.end[i] + gap >= self.start[j], self.end[j] + gap >= self.start[i]
        return np.asarray(after & before, dtype=bool)


def _table(events: Sequence[Event]) -> np.ndarray:
    return np.array([_dates(e) for e in events], dtype=np.float64).reshape(-1, 10)


def _dates(event: Event) -> tuple[float, ...]:
    """An event's row of the `_Calendar`."""
    start, end = _span(event.value)
    last = end - timedelta(microseconds=1)
    return (
        start.timestamp(),
        end.timestamp(),
        event.status is Status.EXPECTED,
        _level(end - start),
        *(start.toordinal(), _month_number(start), start.year),
        *(last.toordinal(), _month_number(last), min(last.year, start.year + MAX_YEARS - 1)),
    )


def adjacent(a: TimeValue, b: TimeValue) -> bool:
    """True when no more than a day lies between two intervals."""
    return _near(_span(a), _span(b))


def blocked_pairs(events: Sequence[Event], clause: csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of events that share a period block and words that are not common."""
    left, right = np.divmod(candidate_codes(events, clause), max(len(events), 1))
    return left, right


def candidate_codes(
    events: Sequence[Event],
    clause: csr_matrix,
    calendar: _Calendar | None = None,
    dirty: np.ndarray | None = None,
) -> np.ndarray:
    """The pairs of `blocked_pairs` coded i * len(events) + j, sorted, each once.

    Each event is a source in the blocks of its own level (days, months or years) and in the
    neighbouring ones, and a target in the blocks of its level and every coarser level, so an
    event meets the events of its own and adjacent periods, and the coarser events around it.
    A month holds many more events than a day, so a month-long event must share two words with
    a candidate and a year-long one three: that keeps the candidates per event few.

    With `dirty` (a mask over events), only the pairs of which one event is dirty.
    """
    words = _blocking_words(clause)
    transposed = csr_matrix(words.T)
    cost = np.asarray(words @ np.asarray(words.sum(axis=0)).ravel()).ravel()
    codes = _Codes()
    small = _SmallBlocks(words)
    for block_sources, block_targets, minimum in _blocks(calendar or _Calendar(events)):
        for sources, targets in _reached(block_sources, block_targets, dirty):
            if len(sources) * len(targets) <= _SMALL_BLOCK:
                codes.add(small.add(sources, targets, minimum))
                continue
            for part in _parts(sources, cost):
                codes.add(_sharing(words, transposed, part, targets, minimum=minimum))
    codes.add(small.flush())
    return codes.unique()


def _reached(
    sources: np.ndarray, targets: np.ndarray, dirty: np.ndarray | None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """A block's sources and targets as the pairs of which one is dirty: dirty sources with
    every target, clean sources with the dirty targets (all of them, without `dirty`)."""
    if dirty is None:
        return [(sources, targets)]
    mine = dirty[sources]
    found = [(sources[mine], targets), (sources[~mine], targets[dirty[targets]])]
    return [(some, other) for some, other in found if len(some) and len(other)]


def _blocks(calendar: _Calendar) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
    """Each block's sources (sorted, each once) and targets, with the words they must share."""
    own, first, last = calendar.level, calendar.first, calendar.last
    index = np.arange(len(own), dtype=np.int64)
    # Sources: the periods of an event's own level and one more on either side.
    mine = index, own
    sources = _block_members(own, first[mine] - 1, last[mine] + 1, index)
    parts = [
        _block_members(np.full(len(kept), lvl), first[kept, lvl], last[kept, lvl], kept)
        for lvl in range(len(_LEVELS))
        for kept in [index[own <= lvl]]
    ]
    targets = tuple(np.concatenate(found) for found in zip(*parts, strict=True))
    source_keys, source_starts = _split_keys(sources[0])
    target_keys, target_starts = _split_keys(targets[0])
    at = np.minimum(np.searchsorted(target_keys, source_keys), max(len(target_keys) - 1, 0))
    shared = np.flatnonzero(target_keys[at] == source_keys) if len(target_keys) else at[:0]
    for n, m in zip(shared.tolist(), at[shared].tolist(), strict=True):
        yield (
            sources[1][source_starts[n] : source_starts[n + 1]],
            targets[1][target_starts[m] : target_starts[m + 1]],
            1 + int(source_keys[n] >> _KEY_BITS),
        )


_KEY_BITS = 40  # a block's key: its level above these bits, its period below


def _split_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys of a sorted array, and where each one's run starts (and the end)."""
    starts = np.flatnonzero(np.r_[len(keys) > 0, keys[1:] != keys[:-1]])
    return keys[starts], np.r_[starts, len(keys)]


def _block_members(
    levels: np.ndarray, low: np.ndarray, high: np.ndarray, members: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each member in every period from low to high of its level: (block key, member) pairs,
    sorted by key, then member."""
    counts = high - low + 1
    keys = _ragged((levels << _KEY_BITS) + low, counts)
    found = np.repeat(members, counts)
    order = np.lexsort((found, keys))
    return keys[order], found[order]


class _SmallBlocks:
    """Small blocks compared together, in one product instead of one each: a product costs
    a tenth of a millisecond however small, and most blocks (days) are small.

    Each block gets its own copy of the word columns, so sources meet only the targets of
    their own block.
    """

    def __init__(self, words: csr_matrix) -> None:
        self._words = words
        self._held: list[tuple[np.ndarray, np.ndarray, int]] = []
        self._pairs = 0

    def add(self, sources: np.ndarray, targets: np.ndarray, minimum: int) -> np.ndarray:
        """Hold a block; the codes of the blocks held, once they are enough to compare."""
        self._held.append((sources, targets, minimum))
        self._pairs += len(sources) * len(targets)
        return self.flush() if self._pairs >= _PRODUCT else np.zeros(0, dtype=np.int64)

    def flush(self) -> np.ndarray:
        """The codes of the blocks held (see `_sharing`)."""
        held, self._held, self._pairs = self._held, [], 0
        if not held:
            return np.zeros(0, dtype=np.int64)
        sources, source_block = _stacked([s for s, _, _ in held])
        targets, target_block = _stacked([t for _, t, _ in held])
        minimum = np.array([m for _, _, m in held], dtype=np.int64)
        shared = self._apart(sources, source_block) @ self._apart(targets, target_block).T
        found = shared.tocoo()
        enough = found.data >= minimum[source_block[found.row]]
        i, j = sources[found.row[enough]], targets[found.col[enough]]
        i, j = i[i != j], j[i != j]
        low, high = np.minimum(i, j), np.maximum(i, j)
        return np.asarray(low.astype(np.int64) * self._words.shape[0] + high, dtype=np.int64)

    def _apart(self, rows: np.ndarray, blocks: np.ndarray) -> csr_matrix:
        """The words of `rows`, each row's in the columns of its block."""
        picked = csr_matrix(self._words[rows])
        width = self._words.shape[1]
        shift = np.repeat(blocks.astype(np.int64) * width, np.diff(picked.indptr))
        columns = picked.indices.astype(np.int64) + shift
        shape = (len(rows), max(int(blocks.max(initial=0)) + 1, 1) * width)
        return csr_matrix((picked.data, columns, picked.indptr), shape=shape)


def _stacked(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The parts one after the other, and which part each value came from."""
    lengths = [len(part) for part in parts]
    return np.concatenate(parts), np.repeat(np.arange(len(parts)), lengths)


def _parts(sources: np.ndarray, cost: np.ndarray) -> list[np.ndarray]:
    """Sources in slices whose products with the targets hold at most `_PRODUCT` values."""
    total = np.cumsum(cost[sources])
    cuts = np.searchsorted(total, np.arange(_PRODUCT, total[-1], _PRODUCT), side="right")
    return [part for part in np.split(sources, cuts) if len(part)]


class _Codes:
    """Pair codes gathered block by block, their duplicates dropped as they pile up."""

    def __init__(self) -> None:
        self._unique = np.zeros(0, dtype=np.int64)
        self._pending: list[np.ndarray] = []
        self._count = 0

    def add(self, codes: np.ndarray) -> None:
        self._pending.append(codes)
        self._count += len(codes)
        if self._count > max(_CHUNK * 10, len(self._unique)):
            self._unique = self.unique()

    def unique(self) -> np.ndarray:
        """Every code added, sorted, each once."""
        if self._pending:
            self._unique, _ = counted(np.concatenate([self._unique, *self._pending]))
            self._pending, self._count = [], 0
        return self._unique


def _blocking_words(clause: csr_matrix) -> csr_matrix:
    """Which clause words each event has, leaving out words too common to tell events apart."""
    limit = _common_limit(clause.shape[0])
    present = csr_matrix(clause, copy=True)
    present.data[:] = 1.0
    frequency = np.asarray(present.sum(axis=0)).ravel()
    keep = np.flatnonzero(frequency <= limit)
    return csr_matrix(present[:, keep])


def _common_limit(size: int) -> int:
    """In how many of `size` events a word may occur and still block."""
    return max(COMMON_MIN, int(COMMON_SHARE * size))


def _sharing(
    words: csr_matrix,
    transposed: csr_matrix,
    sources: np.ndarray,
    targets: np.ndarray,
    *,
    minimum: int,
) -> np.ndarray:
    """Pairs of a source and a target sharing `minimum` words, coded i * n + j with i < j."""
    size = words.shape[0]
    if len(targets) * 4 > size:  # most events: compare with all and keep the targets
        wanted = np.zeros(size, dtype=bool)
        wanted[targets] = True
        shared = (words[sources] @ transposed).tocoo()
        columns = np.arange(size)
    else:
        wanted = None
        shared = (words[sources] @ words[targets].T).tocoo()
        columns = targets
    enough = shared.data >= minimum
    i, j = sources[shared.row[enough]], columns[shared.col[enough]]
    keep = (i != j) if wanted is None else (i != j) & wanted[j]
    i, j = i[keep], j[keep]
    low, high = np.minimum(i, j), np.maximum(i, j)
    return np.asarray(low.astype(np.int64) * size + high, dtype=np.int64)


_LEVELS = ("day", "month", "year")


def level(value: TimeValue) -> int:
    """Which blocks a value is compared in: 0 by day, 1 by month, 2 by year."""
    start, end = _span(value)
    return _level(end - start)


def _level(length: timedelta) -> int:
    return 0 if length <= _FINE else 1 if length <= _COARSE else 2


def periods(value: TimeValue, lvl: int) -> list[int]:
    """The days (ordinals), months (year * 12 + month - 1) or years a value touches."""
    start, end = _span(value)
    last = end - timedelta(microseconds=1)
    if lvl == 0:
        return list(range(start.toordinal(), last.toordinal() + 1))
    if lvl == 1:
        return list(range(_month_number(start), _month_number(last) + 1))
    return list(range(start.year, last.year + 1))[:MAX_YEARS]


def _month_number(moment: datetime) -> int:
    return moment.year * 12 + moment.month - 1


# -- parts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Recalled:
    """The events whose part an earlier merge grouped, its entries' choices, and its recipe
    by part."""

    events: np.ndarray  # a mask over events
    choices: list[Choice]
    recipes: dict[int, Recipe]


class _Parts:
    """The connected parts of the graph of links (agreeing and adjacent pairs kept).

    Grouping a part reads nothing outside it: its events (their dates, articles, statuses),
    their vectors (through the sums and products of `_Groups`, whose order depends on a
    row's own words: see `merge_space`) and its links with their scores, in order. A part whose
    events are all clean (`MergeMemo`) and were all the events of one part in the merge that
    left the memo has the links it had then (a link to a dirty event would make that event
    one of the part), so it is grouped as it was then.
    """

    def __init__(self, agree: Links, disagree: Links, size: int) -> None:
        left, right = np.r_[agree.left, disagree.left], np.r_[agree.right, disagree.right]
        graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(size, size))
        count, labels = connected_components(graph, directed=False)
        self.labels = labels.astype(np.int64)
        self.count = int(count)
        self._order = np.argsort(self.labels, kind="stable")  # part by part, in index order
        self._starts = np.searchsorted(self.labels[self._order], np.arange(self.count + 1))
        self.sizes = np.diff(self._starts)
        place = np.arange(size) - np.repeat(self._starts[:-1], self.sizes)
        self._place = np.empty(size, dtype=np.int64)
        self._place[self._order] = place  # an event's place in its part

    def members(self, part: int) -> list[int]:
        """A part's events, in index order."""
        start, end = self._starts[part], self._starts[part + 1]
        return self._order[start:end].tolist()  # type: ignore[no-any-return]

    def recalled(self, memo: MergeMemo | None, old: np.ndarray, dirty: np.ndarray) -> _Recalled:
        """The events of the parts `memo` grouped, with their choices and recipes: those
        whose events are clean (`old`: each one's index in the memo; `dirty`) and were one
        whole part then."""
        mask = np.zeros(len(self.labels), dtype=bool)
        if memo is None or not self.count:
            return _Recalled(mask, [], {})
        before = np.where((old >= 0) & ~dirty, memo.parts[np.maximum(old, 0)], -1)
        ordered = before[self._order]
        low = np.minimum.reduceat(ordered, self._starts[:-1])
        high = np.maximum.reduceat(ordered, self._starts[:-1])
        was = np.bincount(memo.parts, minlength=len(memo.recipes))
        whole = (low >= 0) & (low == high) & (was[np.maximum(low, 0)] == self.sizes)
        choices: list[Choice] = []
        recipes: dict[int, Recipe] = {}
        for part, then in zip(np.flatnonzero(whole).tolist(), low[whole].tolist(), strict=True):
            members = self.members(part)
            mask[members] = True
            recipes[part] = memo.recipes[then]
            choices.extend(choice.moved(members.__getitem__) for choice in recipes[part])
        return _Recalled(mask, choices, recipes)

    def recipes(self, choices: Sequence[Choice], known: Mapping[int, Recipe]) -> list[Recipe]:
        """Each part's recipe: `known`, or else made from the choices of its entries."""
        found: defaultdict[int, list[Choice]] = defaultdict(list)
        labels, place = self.labels.tolist(), self._place.tolist()
        for choice in choices:
            part = labels[choice.told[0]]
            if part not in known:
                found[part].append(choice.moved(place.__getitem__))
        return [
            known.get(part) or tuple(sorted(found[part], key=attrgetter("told")))
            for part in range(self.count)
        ]


# -- grouping ---------------------------------------------------------------------------------


class _Groups:
    """Union-find over events, in two layers: groups whose dates agree, then their unions.

    A link joins two groups only when the groups as wholes are alike (the cosine of their
    summed vectors reaches the link's threshold): one telling that mentions two happenings
    ("the WHO said ... as the virus killed a toddler") does not chain them into one entry;
    and never when one article tells an event of each in sentences not alike (`_one_account`).
    """

    def __init__(
        self, events: Sequence[Event], space: TextSpace, wanted: np.ndarray | None = None
    ) -> None:
        """Groups of `events`, each alone; only the `wanted` ones (a mask) will be joined."""
        self._size = len(events)
        self._events = events
        self._space = space
        self._one_article = _OneArticle(space, ONE_ACCOUNT_THRESHOLD, wanted)
        self._agree = list(range(self._size))
        self._apart = list(range(self._size))
        # A group's shared span, its groups' spans and its events by article, once it has
        # joined another (before, those of its one event: `_span_of`, `_spans_of`, `_told_of`).
        self._span: dict[int, Span] = {}
        self._spans: dict[int, list[Span]] = {}
        self._sums: dict[int, tuple[_Bag, _Bag]] = {}
        self._clause_rows, self._window_rows = _Rows(space.clause), _Rows(space.window)
        self._told: dict[int, dict[str, list[int]]] = {}

    def _span_of(self, root: int) -> Span:
        found = self._span.get(root)
        return _span(self._events[root].value) if found is None else found

    def _spans_of(self, root: int) -> list[Span]:
        found = self._spans.get(root)
        return [self._span_of(root)] if found is None else found

    def _told_of(self, root: int) -> dict[str, list[int]]:
        found = self._told.get(root)
        return {self._events[root].article_id: [root]} if found is None else found

    def join_if_agreeing(self, i: int, j: int, threshold: float) -> None:
        """Join the groups of i and j when every date in the joined group shares an instant."""
        a, b = _find(self._agree, i), _find(self._agree, j)
        if a == b:
            return
        span_a, span_b = self._span_of(a), self._span_of(b)
        start, end = max(span_a[0], span_b[0]), min(span_a[1], span_b[1])
        if start < end and self._one_account(a, b) and self._alike(a, b, threshold):
            self._agree[b] = self._apart[b] = a
            self._pool(a, b)
            self._span[a] = (start, end)
            self._spans[a] = [self._span[a]]

    def join_if_adjacent(self, i: int, j: int, threshold: float) -> None:
        """Join two groups told at dates side by side, if every date stays beside every other."""
        a = _find(self._apart, _find(self._agree, i))
        b = _find(self._apart, _find(self._agree, j))
        if (
            a != b
            and all(_near(x, y) for x in self._spans_of(a) for y in self._spans_of(b))
            and self._one_account(a, b)
            and self._alike(a, b, threshold)
        ):
            self._apart[b] = a
            self._pool(a, b)
            self._spans[a] = self._spans_of(a) + self._spans_of(b)

    def _alike(self, a: int, b: int, threshold: float) -> bool:
        """True when groups a and b, as wholes, are alike; on success a holds b's words too."""
        clause_a, window_a = self._bags(a)
        clause_b, window_b = self._bags(b)
        clause, window = clause_a.dot(clause_b), window_a.dot(window_b)
        score = CLAUSE_WEIGHT * clause_a.cosine(clause_b, clause)
        score += (1 - CLAUSE_WEIGHT) * window_a.cosine(window_b, window)
        if score < threshold - 1e-9:
            return False
        clause_a.add(clause_b, clause)
        window_a.add(window_b, window)
        self._sums[a] = (clause_a, window_a)
        self._sums.pop(b, None)
        return True

    def _one_account(self, a: int, b: int) -> bool:
        """False when an article tells events of both groups in sentences not alike."""
        told_a, told_b = self._told_of(a), self._told_of(b)
        pairs = [
            (x, y)
            for article in told_a.keys() & told_b.keys()
            for x in told_a[article]
            for y in told_b[article]
        ]
        return not (pairs and self._one_article.any_unlike(pairs))

    def _pool(self, a: int, b: int) -> None:
        told = self._told.setdefault(a, self._told_of(a))
        for article, found in self._told_of(b).items():
            told.setdefault(article, []).extend(found)
        self._told[b] = {}

    def _bags(self, root: int) -> tuple[_Bag, _Bag]:
        found = self._sums.get(root)
        if found is None:
            found = (self._clause_rows.bag(root), self._window_rows.bag(root))
        return found

    def members(self, indices: Iterable[int] | None = None) -> list[list[list[int]]]:
        """Each final group (of the events `indices`, in order; all by default) as its
        agreeing groups, each a list of event indices."""
        nested: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        for index in range(self._size) if indices is None else indices:
            agree = _find(self._agree, index)
            nested[_find(self._apart, agree)][agree].append(index)
        return [list(inner.values()) for inner in nested.values()]


Span = tuple[datetime, datetime]


class _Bag:
    """The summed word weights of a group's events, with the square of their length."""

    __slots__ = ("square", "weights")

    def __init__(self, weights: dict[int, float], square: float) -> None:
        self.weights = weights
        self.square = square

    def dot(self, other: _Bag) -> float:
        small, large = sorted((self.weights, other.weights), key=len)
        # A word only one side has adds a zero, which leaves the sum as it is.
        return sum(value * large[word] for word, value in small.items() if word in large)

    def cosine(self, other: _Bag, dot: float) -> float:
        norms = math.sqrt(self.square * other.square)
        return dot / norms if norms else 0.0

    def add(self, other: _Bag, dot: float) -> None:
        """Add other's words to these (in place: a group's bag is its own)."""
        weights = self.weights
        for word, value in other.weights.items():
            weights[word] = weights.get(word, 0.0) + value
        self.square = self.square + other.square + 2 * dot


class _Rows:
    """The rows of a CSR matrix as bags, its row bounds read once as Python ints."""

    def __init__(self, matrix: csr_matrix) -> None:
        self._matrix = matrix
        self._indptr: list[int] = matrix.indptr.tolist()

    def bag(self, row: int) -> _Bag:
        start, end = self._indptr[row], self._indptr[row + 1]
        data = self._matrix.data[start:end]
        weights = dict(zip(self._matrix.indices[start:end].tolist(), data.tolist(), strict=True))
        return _Bag(weights, float(np.dot(data, data)))


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


class Tellings:
    """What entries ask of each event's telling (`events.event_telling`) and sentence: taken
    from its `Features` when given, else made once however often it is asked."""

    def __init__(
        self, articles: dict[str, Article], features: Mapping[str, Features] | None = None
    ) -> None:
        self._articles = articles
        self._known = features or {}
        self._made: dict[str, Telling] = {}

    def rank(self, event: Event) -> float:
        """How good a title the event's telling makes (`events.Telling.rank`)."""
        known = self._features(event)
        return known.rank if known else self._told(event).rank

    def flawed(self, event: Event) -> bool:
        """True when the event's sentence opens with a pronoun or its telling was lifted."""
        known = self._features(event)
        if known:
            return known.flawed
        return is_flawed(event, _language(event, self._articles), self._told(event))

    def content(self, event: Event) -> set[str]:
        """The content words of the event's sentence."""
        known = self._features(event)
        if known:
            return set(split_words(known.content))
        return content_words(event.sentence, _language(event, self._articles))

    def _features(self, event: Event) -> Features | None:
        # Features are made with the article: without it, merge reads the event as English.
        known = self._known.get(event.id)
        return known if known and event.article_id in self._articles else None

    def _told(self, event: Event) -> Telling:
        found = self._made.get(event.id)
        if found is None:
            found = event_telling(event, _language(event, self._articles))
            self._made[event.id] = found
        return found


@dataclass(frozen=True)
class Choice:
    """What an entry is made of, each part by the index of the event it comes from.

    A choice holds no event, so the merge memo can keep it (by the events' places in their
    part of the link graph: `_Parts`) and the next merge make the entry again from its own
    events without choosing again.
    """

    told: tuple[int, ...]  # every event the entry gathers, in order
    votes: tuple[tuple[int, tuple[int, ...]], ...]  # each date: the event giving it, and all
    winner: int  # the vote that places the entry
    title: int
    text: int
    status: int
    importance: float

    def moved(self, place: Callable[[int], int]) -> Choice:
        """The same choice with every event index `i` replaced by `place(i)`."""
        return Choice(
            told=tuple(map(place, self.told)),
            votes=tuple((place(v), tuple(map(place, group))) for v, group in self.votes),
            winner=self.winner,
            title=place(self.title),
            text=place(self.text),
            status=place(self.status),
            importance=self.importance,
        )


def make_entry(events: Sequence[Event], choice: Choice) -> Entry:
    """The entry a choice describes, from the events it indexes."""
    told = [events[i] for i in choice.told]
    votes = [
        DateVote(events[v].value, tuple(sorted(events[i].id for i in group)))
        for v, group in choice.votes
    ]
    return Entry(
        id=entry_id(told),
        value=votes[choice.winner].value,
        title=events[choice.title].title,
        text=events[choice.text].sentence,
        status=events[choice.status].status,
        events=tuple(told),
        disagreement=tuple(votes) if len(votes) > 1 else (),
        importance=choice.importance,
    )


def choose(
    events: Sequence[Event],
    typical: np.ndarray,
    groups: list[list[int]],
    articles: dict[str, Article],
    tellings: Tellings | None = None,
) -> Choice:
    """An entry from agreeing groups of events: placed at the date most articles give.

    Its title is the best title among the tellings that give the entry's date (see
    `events.title_rank`; the most typical breaks ties) and its text the most informative of
    them (`informative`).
    """
    if len(groups) == 1 and len(groups[0]) == 1:  # most entries: one event, chosen alone
        (i,) = groups[0]
        value = events[i].value
        return Choice((i,), ((i, (i,)),), 0, i, i, i, importance([events[i]], value, articles))
    voted = _agreeing(events, groups)
    ordered = [group for _, group in voted]
    winner = max(range(len(ordered)), key=lambda n: (*_support(events, ordered[n]), -n))
    value = events[voted[winner][0]].value
    dated = [i for i in ordered[winner] if events[i].value == value] or ordered[winner]
    told = sorted(i for group in groups for i in group)  # events are in `_event_order`
    tellings = tellings or Tellings(articles)
    best = informative([events[i] for i in dated], [events[i] for i in told], articles, tellings)
    return Choice(
        told=tuple(told),
        votes=tuple((v, tuple(group)) for v, group in voted),
        winner=winner,
        title=_best_title(events, typical, dated, tellings),
        text=next(i for i in dated if events[i] is best),
        status=_status(events, told, articles),
        importance=importance([events[i] for i in told], value, articles),
    )


def _best_title(
    events: Sequence[Event], typical: np.ndarray, dated: list[int], tellings: Tellings
) -> int:
    def rank(i: int) -> tuple[float, float, str]:
        return tellings.rank(events[i]), round(float(typical[i]), 6), events[i].id

    return dated[0] if len(dated) == 1 else max(dated, key=rank)


def informative(
    candidates: Sequence[Event],
    told: Sequence[Event],
    articles: dict[str, Article],
    tellings: Tellings | None = None,
) -> Event:
    """The telling that says most of what the others say, and more, without running long.

    A content word counts once when other tellings (other wordings, not copies) share it, a
    quarter when only this one says it; each word past `TEXT_WORDS` costs a fifth; opening
    with a pronoun ("He signalled ...") or telling the date in an aside ("Shoigu, who visited
    Pyongyang in July, had proposed ...") costs two.
    """
    if len(candidates) == 1:
        return candidates[0]
    tell = tellings or Tellings(articles)
    words = {e.id: tell.content(e) for e in told}
    wordings = {e.sentence: words[e.id] for e in told}
    shared = Counter(w for found in wordings.values() for w in found)

    def score(event: Event) -> tuple[float, str]:
        own = words[event.id]
        common = sum(1 for w in own if shared[w] > 1)
        length = len(event.sentence.split())
        flawed = tell.flawed(event)
        value = common + 0.25 * (len(own) - common) - 0.2 * max(0, length - TEXT_WORDS)
        return round(value - 2 * flawed, 6), event.id

    return max(candidates, key=score)


def _language(event: Event, articles: dict[str, Article]) -> str:
    article = articles.get(event.article_id)
    return article.language if article else "en"


def _agreeing(events: Sequence[Event], groups: list[list[int]]) -> list[tuple[int, list[int]]]:
    """Groups whose dates agree with each other pooled into one: a vote per distinct date (the
    event giving it, and the events of the pool), in the order of the votes.

    Two groups can meet in an entry only through a third one beside both; when their own
    dates agree ("2009-05-21" and "2009-05-21T17:11") they are one side, not two.
    """
    pooled: list[tuple[Span, list[int], int | None]] = []
    for vote, group in _voted(events, groups):
        span = _span(events[vote].value)
        for n, (shared, members, _) in enumerate(pooled):
            start, end = max(shared[0], span[0]), min(shared[1], span[1])
            if start < end:
                pooled[n] = ((start, end), members + group, None)
                break
        else:
            pooled.append((span, list(group), vote))
    # A group that pooled with none keeps its vote; a pool is voted on again.
    voted = [(_vote(events, members) if v is None else v, m) for _, m, v in pooled]
    return sorted(voted, key=lambda pair: _vote_order(events, *pair))


def _voted(events: Sequence[Event], groups: list[list[int]]) -> list[tuple[int, list[int]]]:
    """Each group with its vote, in the order of the votes."""
    voted = [(_vote(events, group), group) for group in groups]
    return sorted(voted, key=lambda pair: _vote_order(events, *pair))


def _vote(events: Sequence[Event], group: list[int]) -> int:
    """The event giving the most precise of a group's dates (`most_precise`)."""
    return min(group, key=lambda i: _narrowness(events[i].value))


def _vote_order(events: Sequence[Event], vote: int, group: list[int]) -> tuple[datetime, int, str]:
    value = events[vote].value
    assert value.start
    return value.start, PRECISION_RANK[value.granularity], min(events[i].id for i in group)


def _support(events: Sequence[Event], group: list[int]) -> tuple[int, int]:
    """How many articles and how many events give a date."""
    return len({events[i].article_id for i in group}), len(group)


def most_precise(values: Iterable[TimeValue]) -> TimeValue:
    """The narrowest of values that agree: the most precise date their sources support."""
    return min(values, key=_narrowness)


def _narrowness(v: TimeValue) -> tuple[int, timedelta, str]:
    assert v.start and v.end
    return PRECISION_RANK[precision(v)], v.end - v.start, v.value


_RANGE_AS = (Granularity.RANGE, Granularity.MONTH, Granularity.YEAR)  # by blocking level


def precision(value: TimeValue) -> Granularity:
    """How precise a value is: a range by its length ("1918-1920" is as precise as a year)."""
    if value.granularity is not Granularity.RANGE or not value.is_dated:
        return value.granularity
    return _RANGE_AS[level(value)]


def _status(events: Sequence[Event], told: Sequence[int], articles: dict[str, Article]) -> int:
    """The event whose status is what the latest article says: a planned event may have
    happened by then."""

    def recency(i: int) -> tuple[datetime | None, bool]:
        article = articles.get(events[i].article_id)
        return (article.published if article else None), events[i].status is Status.REPORTED

    known = [i for i in told if events[i].article_id in articles]
    return max(known, key=recency) if known else told[0]


def importance(told: Sequence[Event], value: TimeValue, articles: dict[str, Article]) -> float:
    """More outlets, more articles and a more precise date make an entry more important."""
    article_ids = {e.article_id for e in told}
    sources = {_outlet(a, articles) for a in article_ids}
    score = (
        math.log2(1 + len(sources))
        + 0.5 * math.log2(1 + len(article_ids))
        + _PRECISION_BONUS.get(precision(value), 0.0)
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
    return entry if entry.key is key else replace(entry, key=key)


def _entry_order(entry: Entry) -> tuple[datetime, int, str]:
    assert entry.value.start
    return entry.value.start, PRECISION_RANK[entry.value.granularity], entry.id
