"""Stage "merge", its per-article half: what merge reads of each event, made with its article.

An event's profile (the words of its clause, names repeated, and the content words around
it), its telling's rank as a title, and the content words of its sentence depend on its
article alone, so the per-article stage makes them once (`article_features`) and the cache
keeps them with the article's events: a rebuild's merge reads them instead of every article
again. Merge itself (`timeline.merge`) compares them across articles. Kept apart from it so
that tuning merge leaves the per-article cache, which fingerprints this module, valid.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from sys import intern

from timeline.events import Telling, event_telling, opens_with_pronoun
from timeline.model import Article, Event, TimeValue
from timeline.wordlists import word_list

NAME_BOOST = 2  # a name counts this many times as much as another word
WINDOW_CHARS = 300  # how much of the article around the clause counts as its surroundings
OPEN_ENDED = frozenset({"BEFORE", "AFTER", "ON_OR_BEFORE", "ON_OR_AFTER"})
_TOKEN = re.compile(r"[^\W\d_][\w'’.-]*[\w]|[^\W\d_]")
WORD_SEPARATOR = "\0"  # never inside a token: words are joined with it (also by merge)
_FIELD = "\1"  # never inside a token either: separates the fields of packed `Features`
_POSSESSIVE = re.compile(r"\.*['’]s(?=\0|\Z)")  # at a token's end; the dots before it go too


@dataclass(frozen=True)
class Profile:
    """The words merge compares of one event: its clause (names repeated), its surroundings."""

    clause: Sequence[str]
    window: Sequence[str]


@dataclass(frozen=True)
class Features:
    """What merge reads of one event, made once with its article (`article_features`).

    Words are joined by a separator no word holds. The cache keeps features packed in one
    string per event (`pack`): the cycle collector walks every object a rebuild loads, but
    no string, and tens of thousands of objects more cost a 10,000-article rebuild a quarter
    of a second.
    """

    clause: str  # its profile's clause words
    window: str  # its profile's words around it
    content: str  # the distinct content words of its sentence (`informative`)
    rank: float  # its telling's rank as a title (`events.Telling.rank`)
    flawed: bool  # its sentence opens with a pronoun or its telling was lifted

    def profile(self) -> Profile:
        return Profile(split_words(self.clause), split_words(self.window))

    def pack(self) -> str:
        """These features in one string (a float's repr reads back as the same float)."""
        fields = (repr(self.rank), "1" if self.flawed else "", self.clause, self.window)
        return _FIELD.join((*fields, self.content))

    @classmethod
    def unpack(cls, packed: str) -> Features:
        """The features `pack` gave `packed`."""
        rank, flawed, clause, window, content = packed.split(_FIELD)
        return cls(clause, window, content, float(rank), bool(flawed))


def is_placeable(value: TimeValue) -> bool:
    """True when a value is a place on the calendar, not an open side of one ("since 2006")."""
    return value.is_dated and value.mod not in OPEN_ENDED


@cache
def stopwords(language: str) -> frozenset[str]:
    """Words that tell nothing about which event a sentence reports."""
    return frozenset(word.casefold() for word in word_list(language, "merge", "stopwords"))


def article_features(article: Article, events: Sequence[Event]) -> tuple[str, ...]:
    """The merge features of an article's events, in their order, each packed in one string
    (`Features.pack`); "" for an event merge keeps as context (`is_placeable`)."""
    placed = [n for n, e in enumerate(events) if is_placeable(e.value)]
    found = [""] * len(events)
    if placed:
        made = _made_features(article, [events[n] for n in placed])
        for n, features in zip(placed, made, strict=True):
            found[n] = features.pack()
    return tuple(found)


def _made_features(article: Article, events: Sequence[Event]) -> Iterator[Features]:
    text = ArticleWords(article, surroundings(events))
    language = article.language
    for event in events:
        found = profile(event, text)
        told = event_telling(event, language)
        yield Features(
            clause=WORD_SEPARATOR.join(found.clause),
            window=WORD_SEPARATOR.join(found.window),
            content=WORD_SEPARATOR.join(sorted(content_words(event.sentence, language))),
            rank=told.rank,
            flawed=is_flawed(event, language, told),
        )


def split_words(joined: str) -> list[str]:
    return joined.split(WORD_SEPARATOR) if joined else []


def surroundings(events: Iterable[Event]) -> list[tuple[int, int]]:
    """Where the words of events and their surroundings lie in their article (see `profile`)."""
    spans = []
    for event in events:
        start = event.sentence_start
        end = start + len(event.sentence) + WINDOW_CHARS
        spans.append((start - WINDOW_CHARS, end))
    return spans


class ArticleWords:
    """An article's words with their offsets, tokenised once for every event it tells.

    Given `spans`, only the words that start inside them are read: `between` answers for
    ranges inside the spans.
    """

    def __init__(self, article: Article, spans: Iterable[tuple[int, int]] | None = None) -> None:
        self.stop = stopwords(article.language)
        body = article.body
        self.starts: list[int] = []
        self.words: list[str] = []
        for start, end in [(0, len(body))] if spans is None else _joined(spans):
            starts, words = _words_inside(body, start, end)
            self.starts += starts
            self.words += words
        stop = self.stop
        folded = _casefolded(self.words)
        # One string per distinct word, not one per article: the profiles of 100,000 articles
        # would otherwise hold a copy of each word for every article that uses it.
        self.content = [intern(w) if len(w) > 1 and w not in stop else "" for w in folded]

    def between(self, start: int, end: int, *, content: bool = False) -> list[str]:
        """The words that start inside [start, end); or only its content words, casefolded."""
        low, high = bisect.bisect_left(self.starts, start), bisect.bisect_left(self.starts, end)
        if content:
            return [word for word in self.content[low:high] if word]
        return self.words[low:high]

    def names_between(self, start: int, end: int) -> set[str]:
        """The names among the words that start inside [start, end), as `split_names` finds."""
        low, high = bisect.bisect_left(self.starts, start), bisect.bisect_left(self.starts, end)
        pairs = zip(self.words[low:high], self.content[low:high], strict=True)
        return {folded for word, folded in pairs if folded and word[0].isupper()}


def profile(event: Event, text: ArticleWords | None) -> Profile:
    """An event's clause words, names repeated, and the content words around it.

    A clause that names hardly anyone ("On Monday, he signalled ...") borrows the names of the
    text just before it, as a reader would to know who "he" is.
    """
    stop = text.stop if text else stopwords("en")
    names, words = split_names(_tokens(event.focus or event.sentence), stop)
    borrowed: set[str] = set()
    window: list[str] = []
    if text is not None:
        start = event.sentence_start
        if len(names) < 2:
            borrowed = text.names_between(start - WINDOW_CHARS, start)
        end = start + len(event.sentence) + WINDOW_CHARS
        window = text.between(start - WINDOW_CHARS, end, content=True)
    return Profile(
        clause=tuple(sorted(names)) * NAME_BOOST + tuple(sorted(borrowed | words)),
        window=tuple(window),
    )


def split_names(tokens: Iterable[str], stop: frozenset[str]) -> tuple[set[str], set[str]]:
    """Casefolded names (capitalised words, acronyms) and other content words among tokens."""
    tokens = list(tokens)
    kept = [
        (token[0].isupper(), folded)
        for token, folded in zip(tokens, _casefolded(tokens), strict=True)
        if len(folded) > 1 and folded not in stop
    ]
    return {f for name, f in kept if name}, {f for name, f in kept if not name}


def _joined(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans joined, in order."""
    joined: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
        else:
            joined.append((start, end))
    return joined


def _words_inside(text: str, start: int, end: int) -> tuple[list[int], list[str]]:
    """The words of the whole text that start inside [start, end), and where they start.

    No word holds a space or a line break, so reading from the last one before `start` up to
    the first one after `end` finds the same words as reading the whole text.
    """
    start = max(start, 0)
    first = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start), 0)
    after = [at for at in (text.find(" ", end), text.find("\n", end)) if at >= 0]
    last = min(after, default=len(text))
    matches = list(_TOKEN.finditer(text, first, last))
    starts = list(map(re.Match.start, matches))
    low, high = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)
    return starts[low:high], _words(list(map(re.Match.group, matches[low:high])))


def _tokens(text: str) -> list[str]:
    return _words(_TOKEN.findall(text))


def _words(tokens: list[str]) -> list[str]:
    """Tokens without a possessive ending and the dots before it ("Corp.'s" -> "Corp")."""
    joined = WORD_SEPARATOR.join(tokens)
    if not tokens or not _POSSESSIVE.search(joined):
        return tokens
    return _POSSESSIVE.sub("", joined).split(WORD_SEPARATOR)


def _casefolded(words: list[str]) -> list[str]:
    """Each word casefolded (letter by letter, so all at once in one string)."""
    return WORD_SEPARATOR.join(words).casefold().split(WORD_SEPARATOR) if words else []


def content_words(sentence: str, language: str) -> set[str]:
    stop = stopwords(language)
    return {w for w in _casefolded(_tokens(sentence)) if len(w) > 1 and w not in stop}


def is_flawed(event: Event, language: str, told: Telling) -> bool:
    return opens_with_pronoun(event.sentence, language) or told.lifted
