"""Stage "merge", made fast: every shortcut gives the same words, vectors and scores as the
plain computation it replaces, to the last bit of every float, and a pair's score depends on
the two events alone."""

from __future__ import annotations

import gc
import itertools
import math
import random
import re
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from timeline import merge, merge_features, merge_space
from timeline.events import extract_events
from timeline.load import load_folder
from timeline.merge import blocked_pairs, candidate_pairs, merge_events, profiles
from timeline.merge_features import ArticleWords, is_placeable, split_names, stopwords
from timeline.merge_space import TextSpace
from timeline.model import Article, Event
from timeline.resolve import resolve_text

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
_TOKEN = re.compile(r"[^\W\d_][\w'’.-]*[\w]|[^\W\d_]")
_OLD_POSSESSIVE = re.compile(r"['’]s?$")


def words_one_by_one(text: str) -> list[str]:
    """The words as merge first read them: each token edited on its own."""
    return [_OLD_POSSESSIVE.sub("", m.group()).rstrip(".") for m in _TOKEN.finditer(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S.'s envoy met Kim's aide.", ["The", "U.S", "envoy", "met", "Kim", "aide"]),
        ("Corp.’s shares", ["Corp", "shares"]),
        ("O'Neil's x''s it's", ["O'Neil", "x'", "it"]),
        ("mid-2009, e.g. U.N.", ["mid-2009", "e.g", "U.N"]),
        ("x’s’s a'ss", ["x’s", "a'ss"]),
        ("", []),
        ("1999 -- 42", []),
    ],
)
def test_tokens_lose_possessives_and_their_dots(text: str, expected: list[str]) -> None:
    assert merge_features._tokens(text) == expected == words_one_by_one(text)


def test_tokens_match_one_by_one_editing_on_random_text() -> None:
    rng = random.Random(5)
    alphabet = "ab'’s.-_ \n,1É"
    for _ in range(2_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30)))
        assert merge_features._tokens(text) == words_one_by_one(text), text


def article(body: str) -> Article:
    return Article("a", "a.md", "a", datetime(2023, 9, 5, tzinfo=UTC), body)


@pytest.mark.parametrize("seed", range(40))
def test_words_read_around_spans_are_the_words_of_the_whole_text(seed: int) -> None:
    rng = random.Random(seed)
    pieces = ["Kim's", "U.S.", "talks", "in", "Vladivostok,", "the", "WHO's", "said", "\n", "x-y"]
    body = " ".join(rng.choice(pieces) for _ in range(rng.randrange(0, 60)))
    spans = [(rng.randrange(-10, len(body) + 10), 0) for _ in range(rng.randrange(1, 4))]
    spans = [(start, start + rng.randrange(0, 40)) for start, _ in spans]
    whole, part = ArticleWords(article(body)), ArticleWords(article(body), spans)
    assert whole.words == words_one_by_one(body)
    for start, end in spans:
        assert part.between(start, end) == whole.between(start, end)
        assert part.between(start, end, content=True) == whole.between(start, end, content=True)
        names, _ = split_names(whole.between(start, end), stopwords("en"))
        assert part.names_between(start, end) == names


def sklearn_vectors(documents: Sequence[Sequence[str]]) -> csr_matrix:
    text = pytest.importorskip("sklearn.feature_extraction.text")
    vectorizer = text.TfidfVectorizer(analyzer=lambda d: d, lowercase=False)
    return csr_matrix(vectorizer.fit_transform(documents))


def random_documents(rng: random.Random) -> list[tuple[str, ...]]:
    vocabulary = [f"w{n}" for n in range(40)] + ["É", "é", "Z", "a", "ß", "ss", "zz"]
    size = rng.randrange(1, 30)
    return [tuple(rng.choices(vocabulary, k=rng.randrange(0, 50))) for _ in range(size)]


def plain_vectors(documents: Sequence[Sequence[str]]) -> list[list[tuple[str, float]]]:
    """TF-IDF rows by the definition, one float at a time: raw counts, smooth idf of counts
    rounded to `SIGNIFICANT_BITS` binary digits, each row's words in alphabetical order and
    its squares summed in that order."""

    def rounded(n: int) -> int:
        drop = max(n.bit_length() - merge_space.SIGNIFICANT_BITS, 0)
        return n >> drop << drop

    frequency = Counter(word for document in documents for word in set(document))
    size = rounded(len(documents))
    rows = []
    for document in documents:
        counts = Counter(document)
        row = []
        for word in sorted(counts):
            idf = float(np.log((size + 1.0) / (rounded(frequency[word]) + 1.0))) + 1.0
            row.append((word, counts[word] * idf))
        square = 0.0
        for _, value in row:
            square += value * value
        scale = math.sqrt(square) or 1.0
        rows.append([(word, value / scale) for word, value in row])
    return rows


def as_rows(
    matrix: csr_matrix, documents: Sequence[Sequence[str]]
) -> list[list[tuple[str, float]]]:
    words = sorted({word for document in documents for word in document})
    return [
        [(words[c], v) for c, v in zip(matrix.indices[a:b], matrix.data[a:b].tolist(), strict=True)]
        for a, b in itertools.pairwise(matrix.indptr.tolist())
    ]


@pytest.mark.parametrize("seed", range(30))
def test_tfidf_is_the_plain_computation_to_the_bit(seed: int) -> None:
    documents = random_documents(random.Random(seed))
    if not any(documents):
        documents.append(("only",))
    ours = merge_space._vectors(documents)
    assert as_rows(ours, documents) == plain_vectors(documents)


@pytest.mark.parametrize("seed", range(10))
def test_with_exact_counts_the_vectors_are_scikit_learns(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    documents = [*random_documents(random.Random(seed)), ("only",)]
    monkeypatch.setattr(merge_space, "SIGNIFICANT_BITS", 62)
    ours, theirs = merge_space._vectors(documents), sklearn_vectors(documents)
    theirs.sort_indices()
    assert ours.indices.tolist() == theirs.indices.tolist()
    assert np.allclose(ours.data, theirs.data, rtol=1e-14, atol=0)


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, 0), (1, 1), (7, 7), (8, 8), (9, 8), (15, 14), (17, 16), (31, 28), (1000, 896)],
)
def test_counts_keep_their_first_binary_digits(count: int, expected: int) -> None:
    assert merge_space.SIGNIFICANT_BITS == 3
    assert merge_space.rounded(np.array([count])).tolist() == [expected]


def test_one_more_event_moves_no_weight_of_a_common_word_off_its_step() -> None:
    """Why counts are rounded: an edit that adds an event leaves most weights as they were."""
    documents = [("common", f"w{n}") for n in range(1000)]
    before = merge_space._vectors(documents)
    after = merge_space._vectors([*documents, ("common", "new")])
    assert before[:1000].data.tobytes() == after[:1000].data.tobytes()


def scipy_cosines(matrix: csr_matrix, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Dot products as scipy gives them for all pairs at once."""
    return np.asarray(matrix[left].multiply(matrix[right]).sum(axis=1), dtype=np.float64).ravel()


def scipy_similarities(space: TextSpace, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    clause = scipy_cosines(space.clause, left, right)
    window = scipy_cosines(space.window, left, right)
    mixed = merge_space.CLAUSE_WEIGHT * clause + (1 - merge_space.CLAUSE_WEIGHT) * window
    return np.where(space.articles[left] != space.articles[right], mixed, clause)


@pytest.mark.parametrize("batch", [1, 2, 7, 10_000])
def test_a_pairs_score_does_not_depend_on_the_pairs_scored_with_it(
    monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    rng = random.Random(batch)
    documents = random_documents(rng) + random_documents(rng) + [("only",)]
    matrix = merge_space._vectors(documents)
    monkeypatch.setattr(merge_space, "_BATCH", batch)
    left = np.array([rng.randrange(len(documents)) for _ in range(400)], dtype=np.int64)
    right = np.array([rng.randrange(len(documents)) for _ in range(400)], dtype=np.int64)
    ours = merge_space.cosines(matrix, left, right)
    rows = as_rows(matrix, documents)
    for n, (i, j) in enumerate(zip(left.tolist(), right.tolist(), strict=True)):
        alone = merge_space.cosines(matrix, np.array([i]), np.array([j]))
        assert ours[n].tobytes() == alone.tobytes()
        other = dict(rows[j])
        assert math.isclose(ours[n], sum(v * other.get(w, 0.0) for w, v in rows[i]), abs_tol=1e-15)
    assert ours.tobytes() == scipy_cosines(matrix, left, right).tobytes()


@pytest.fixture(scope="module")
def seed_story() -> tuple[list[Event], dict[str, Article]]:
    if not SEEDS.is_dir():
        pytest.skip("the seed articles ship with the repository")
    articles = load_folder(SEEDS).articles
    events = [e for a in articles for e in extract_events(a, resolve_text(a.body, a.published))]
    placed = sorted((e for e in events if is_placeable(e.value)), key=merge._event_order)
    return placed, {a.id: a for a in articles}


def test_seed_vectors_are_the_plain_computation(
    seed_story: tuple[list[Event], dict[str, Article]],
) -> None:
    placed, articles = seed_story
    found = profiles(placed, articles)
    for documents in ([p.clause for p in found], [p.window for p in found]):
        assert as_rows(merge_space._vectors(documents), documents) == plain_vectors(documents)


def test_one_article_check_scores_as_scipy_does_per_check(
    seed_story: tuple[list[Event], dict[str, Article]],
) -> None:
    placed, articles = seed_story
    space = TextSpace(placed, profiles(placed, articles))
    one = merge._OneArticle(space, merge.ONE_ACCOUNT_THRESHOLD)
    left, right = space.article_pairs()
    assert len(left) and np.all(space.articles[left] == space.articles[right])
    rng = random.Random(2)
    for _ in range(300):
        chosen = rng.sample(range(len(left)), rng.randrange(1, min(6, len(left)) + 1))
        pairs = [(int(left[n]), int(right[n])) for n in chosen]
        pairs = [(y, x) if rng.random() < 0.5 else (x, y) for x, y in pairs]
        xs, ys = (np.array(side, dtype=np.int64) for side in zip(*pairs, strict=True))
        scores = scipy_similarities(space, xs, ys)
        assert one.any_unlike(pairs) == bool(np.any(scores < merge.ONE_ACCOUNT_THRESHOLD))


def test_article_pairs_are_every_pair_of_one_article() -> None:
    space = TextSpace.__new__(TextSpace)
    space.articles = np.array([2, 0, 2, 1, 0, 2], dtype=np.int64)
    left, right = space.article_pairs()
    assert sorted(zip(left.tolist(), right.tolist(), strict=True)) == [
        (0, 2),
        (0, 5),
        (1, 4),
        (2, 5),
    ]


def scored_at_once(events: list[Event], space: TextSpace) -> tuple[merge.Links, merge.Links]:
    """The candidates as merge first scored them: all at once, then kept and sorted."""
    calendar = merge._Calendar(events)
    left, right = blocked_pairs(events, space.clause)
    same = calendar.status[left] == calendar.status[right]
    left, right = left[same], right[same]
    apart = space.articles[left] != space.articles[right]
    overlap = calendar.overlaps(left, right)
    near = ~overlap & apart & calendar.near(left, right)
    threshold = np.where(apart, merge.AGREE_THRESHOLD, merge.SAME_ARTICLE_THRESHOLD)
    threshold = threshold + merge.LEVEL_STEP * np.abs(calendar.level[left] - calendar.level[right])

    def scored(i: np.ndarray, j: np.ndarray, limit: float | np.ndarray) -> merge.Links:
        scores = scipy_similarities(space, i, j)
        keep = scores >= limit
        score, i, j = scores[keep], i[keep], j[keep]
        order = np.lexsort((j, i, -score))
        return merge.Links(score[order], i[order], j[order])

    return (
        scored(left[overlap], right[overlap], threshold[overlap]),
        scored(left[near], right[near], merge.DISAGREE_THRESHOLD),
    )


@pytest.mark.parametrize(
    ("chunk", "product", "small"),
    [
        (3, 2, 0),  # every block on its own, in slices of sources
        (3, 2, 200_000),  # small blocks together, one at a time
        (7, 50, 0),
        (7, 50, 30),  # some blocks together, the others on their own
        (100_000, 4_000_000, 0),
        (100_000, 4_000_000, 200_000),  # every block in one product
    ],
)
def test_candidates_scored_in_slices_as_all_at_once(
    seed_story: tuple[list[Event], dict[str, Article]],
    monkeypatch: pytest.MonkeyPatch,
    chunk: int,
    product: int,
    small: int,
) -> None:
    placed, articles = seed_story
    space = TextSpace(placed, profiles(placed, articles))
    expected = scored_at_once(placed, space)
    monkeypatch.setattr(merge, "_CHUNK", chunk)
    monkeypatch.setattr(merge, "_PRODUCT", product)
    monkeypatch.setattr(merge, "_SMALL_BLOCK", small)
    found = candidate_pairs(placed, space)
    assert len(expected[0].left) and len(expected[1].left)
    for ours, theirs in zip(found, scored_at_once(placed, space), strict=True):
        assert ours.score.tobytes() == theirs.score.tobytes()
        assert ours.left.tolist() == theirs.left.tolist()
        assert ours.right.tolist() == theirs.right.tolist()


@pytest.mark.parametrize("enabled", [True, False])
def test_merge_leaves_the_cycle_collector_as_it_found_it(
    seed_story: tuple[list[Event], dict[str, Article]], enabled: bool
) -> None:
    placed, articles = seed_story
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        assert merge_events(placed, list(articles.values())).entries
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def codes_one_by_one(events: list[Event], clause: csr_matrix) -> list[int]:
    """The candidate codes by their definition, pair by pair: j lies in a block where i is a
    source (its own level's periods and their neighbours) and shares i's minimum of words."""
    words = merge._blocking_words(clause).toarray() > 0
    size = len(events)
    found = set()
    for i, a in enumerate(events):
        own = merge.level(a.value)
        mine = merge.periods(a.value, own)
        blocks = set(range(mine[0] - 1, mine[-1] + 2))
        for j, b in enumerate(events):
            if i == j or merge.level(b.value) > own:
                continue
            shared = int(np.count_nonzero(words[i] & words[j]))
            if shared >= 1 + own and blocks & set(merge.periods(b.value, own)):
                found.add(min(i, j) * size + max(i, j))
    return sorted(found)


@pytest.mark.parametrize(
    ("product", "small"), [(2, 0), (2, 200_000), (50, 30), (4_000_000, 0), (4_000_000, 200_000)]
)
def test_candidate_codes_are_the_blocked_pairs_one_by_one(
    seed_story: tuple[list[Event], dict[str, Article]],
    monkeypatch: pytest.MonkeyPatch,
    product: int,
    small: int,
) -> None:
    placed, articles = seed_story
    clause = TextSpace(placed, profiles(placed, articles)).clause
    expected = codes_one_by_one(placed, clause)
    monkeypatch.setattr(merge, "_PRODUCT", product)
    monkeypatch.setattr(merge, "_SMALL_BLOCK", small)
    assert len(expected) > 100
    assert merge.candidate_codes(placed, clause).tolist() == expected
