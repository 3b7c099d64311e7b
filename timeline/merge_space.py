"""The text space merge compares events in: TF-IDF vectors of each event's clause and of the
words around it, and the cosines of pairs of them.

Weights are scikit-learn's `TfidfVectorizer` defaults (raw counts, smooth idf, rows scaled to
length one) but for document counts rounded to `SIGNIFICANT_BITS` binary digits, so that an
edit that adds or drops a few events leaves most weights, and so most scores, as they were
(`merge.MergeMemo` relies on it). Every row holds its words in column order, so a pair's score
depends on its two events alone, not on which pairs are scored with it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, count

import numpy as np
from scipy.sparse import csr_matrix

from timeline.merge_features import WORD_SEPARATOR, Profile
from timeline.model import Event

CLAUSE_WEIGHT = 0.5  # how much the clause counts against its surroundings
SIGNIFICANT_BITS = 3  # binary digits of a word's event count that its weight reads (`_idf`)
_BATCH = 10_000  # pairs multiplied at once


Rows = Sequence[int] | np.ndarray


class TextSpace:
    """TF-IDF vectors of every event's clause and surroundings, for cosine similarity.

    Two events of one article always share their surroundings, so for them only the clauses
    count.
    """

    def __init__(self, events: Sequence[Event], profiles: Sequence[Profile]) -> None:
        clauses, windows = ([p.clause for p in profiles], [p.window for p in profiles])
        self._made(events, _coded_words(clauses), _coded_words(windows))

    @classmethod
    def joined(
        cls, events: Sequence[Event], clauses: Sequence[str], windows: Sequence[str]
    ) -> TextSpace:
        """The space of profiles whose words come joined (`joined_profiles`): the same one."""
        return cls.coded(events, coded_joined(clauses), coded_joined(windows))

    @classmethod
    def coded(cls, events: Sequence[Event], clause: Coded, window: Coded) -> TextSpace:
        """The space of profiles whose words come coded."""
        space = cls.__new__(cls)
        space._made(events, clause, window)
        return space

    def _made(self, events: Sequence[Event], clause: Coded, window: Coded) -> None:
        codes: dict[str, int] = {}
        found = [codes.setdefault(e.article_id, len(codes)) for e in events]
        self.articles = np.array(found, dtype=np.int64)
        self.coded_clause, self.coded_window = clause, window
        self.clause, self.window = clause.vectors(), window.vectors()

    def similarities(self, left: Rows, right: Rows) -> np.ndarray:
        """Similarity of each pair (left[n], right[n]), from 0 to 1."""
        left, right = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
        clause = cosines(self.clause, left, right)
        window = cosines(self.window, left, right)
        apart = self.articles[left] != self.articles[right]
        mixed = CLAUSE_WEIGHT * clause + (1 - CLAUSE_WEIGHT) * window
        return np.where(apart, mixed, clause)

    def article_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Every pair of events (left[n] < right[n]) that one article tells."""
        order = np.argsort(self.articles, kind="stable")
        codes = self.articles[order]
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        ends = np.r_[starts[1:], len(codes)]
        position = np.arange(len(codes))
        later = np.repeat(ends, ends - starts) - position - 1  # partners after each position
        first = np.repeat(position, later)
        offset = np.arange(len(first)) - np.repeat(np.cumsum(later) - later, later)
        i, j = order[first], order[first + 1 + offset]
        return np.minimum(i, j), np.maximum(i, j)


def _vectors(documents: Sequence[Sequence[str]]) -> csr_matrix:
    """TF-IDF rows of documents: raw counts times a smooth idf of rounded counts
    (`_idf`), rows scaled to length one.

    Columns are the words in alphabetical order and every row holds its words in column
    order, so each row's float sums (its length; its products with another row) run in an
    order that depends on its own words only, never on the other documents.
    """
    return _coded_words(documents).vectors()


def _coded_words(documents: Sequence[Sequence[str]]) -> Coded:
    tokens = list(chain.from_iterable(documents))
    lengths = np.fromiter(map(len, documents), dtype=np.int64, count=len(documents))
    return _coded(tokens, lengths)


def coded_joined(texts: Sequence[str]) -> Coded:
    tokens = WORD_SEPARATOR.join(text for text in texts if text).split(WORD_SEPARATOR)
    found = (text.count(WORD_SEPARATOR) + 1 if text else 0 for text in texts)
    return _coded(tokens, np.fromiter(found, dtype=np.int64, count=len(texts)))


@dataclass(frozen=True)
class Coded:
    """Documents as word counts: each row's words (`columns`, codes into `words`, which are in
    alphabetical order) in column order, with how often each occurs."""

    words: list[str]
    indptr: np.ndarray  # int64
    columns: np.ndarray  # int32
    counts: np.ndarray  # int32

    @property
    def size(self) -> int:
        return len(self.indptr) - 1

    def vectors(self) -> csr_matrix:
        """The documents' TF-IDF rows (`_vectors`)."""
        size, width = self.size, len(self.words)
        if not width:
            return csr_matrix((size, 1))
        columns = self.columns
        data = self.counts.astype(np.float64) * _idf(columns, size, width)[columns]
        _normalise(data, self.indptr)
        return csr_matrix((data, columns.astype(np.int32), self.indptr), shape=(size, width))

    def frequency(self) -> np.ndarray:
        """In how many documents each word occurs."""
        return np.bincount(self.columns, minlength=len(self.words))

    def rows(self) -> np.ndarray:
        """The row of each (column, count)."""
        return np.repeat(np.arange(self.size, dtype=np.int64), np.diff(self.indptr))


def _coded(tokens: list[str], lengths: np.ndarray) -> Coded:
    """The documents whose words, one after another, are `tokens`: `lengths` words each."""
    size = len(lengths)
    if not tokens or not lengths.any():
        empty = np.zeros(0, dtype=np.int32)
        return Coded([], np.zeros(size + 1, dtype=np.int64), empty, empty)
    first: defaultdict[str, int] = defaultdict(count().__next__)  # codes by first appearance
    found = np.fromiter(map(first.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    words = sorted(first)
    width = len(words)
    alphabetical = np.empty(width, dtype=np.int64)
    alphabetical[[first[word] for word in words]] = np.arange(width)
    rows = np.repeat(np.arange(size, dtype=np.int64), lengths)
    codes, counts = counted(rows * width + alphabetical[found])
    row, columns = np.divmod(codes, width)
    indptr = np.searchsorted(row, np.arange(size + 1)).astype(np.int64)
    return Coded(words, indptr, columns.astype(np.int32), counts.astype(np.int32))


def counted(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values, sorted, and how often each occurs (`np.unique` hashes, slowly)."""
    ordered = np.sort(values)
    first = np.flatnonzero(np.r_[len(ordered) > 0, ordered[1:] != ordered[:-1]])
    return ordered[first], np.diff(np.r_[first, len(ordered)])


def _idf(columns: np.ndarray, size: int, width: int) -> np.ndarray:
    """Smooth inverse document frequency, ln((1 + n) / (1 + df)) + 1, of counts rounded down
    to `SIGNIFICANT_BITS` binary digits (`rounded`).

    Rounding keeps a word's weight, and so every score it enters, the same when an edit
    adds or drops a few events: a rare word's count is exact, a common word's moves its
    weight only when it crosses a step of 1/8 to 1/4 of itself. That lets merge keep the
    groups an edit did not reach (`MergeMemo`).
    """
    frequency = rounded(np.bincount(columns, minlength=width)).astype(np.float64)
    frequency += 1.0
    idf = np.full_like(frequency, fill_value=float(rounded(np.array([size]))[0]) + 1.0)
    idf /= frequency
    np.log(idf, out=idf)
    idf += 1.0
    return idf


def rounded(counts: np.ndarray) -> np.ndarray:
    """Whole counts rounded down to their first `SIGNIFICANT_BITS` binary digits."""
    counts = np.asarray(counts, dtype=np.int64)
    bits = np.zeros(counts.shape, dtype=np.int64)
    positive = counts > 0
    bits[positive] = np.floor(np.log2(counts[positive])).astype(np.int64) + 1
    drop = np.maximum(bits - SIGNIFICANT_BITS, 0)
    return (counts >> drop) << drop


def _normalise(data: np.ndarray, indptr: np.ndarray) -> None:
    """Scale each row to length one in place, summing its squares in order, one at a time."""
    lengths = np.diff(indptr)
    squares = np.zeros(len(lengths))
    for n in range(int(lengths.max(initial=0))):
        rows = np.flatnonzero(lengths > n)
        value = data[indptr[rows] + n]
        squares[rows] += value * value
    scale = np.sqrt(squares)
    scale[scale == 0.0] = 1.0
    data /= np.repeat(scale, lengths)


def cosines(matrix: csr_matrix, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The dot products of rows left[n] and right[n], `_BATCH` pairs at a time.

    Rows hold their words in column order, so scipy sums each product in column order: a
    pair's score is the same whatever pairs are scored with it.
    """
    parts = [np.zeros(0)]
    for n in range(0, len(left), _BATCH):
        some, other = left[n : n + _BATCH], right[n : n + _BATCH]
        parts.append(_row_products(matrix[some], matrix[other]))
    return np.concatenate(parts)


def _row_products(left: csr_matrix, right: csr_matrix) -> np.ndarray:
    return np.asarray(left.multiply(right).sum(axis=1), dtype=np.float64).ravel()
