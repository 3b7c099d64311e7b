"""Stage "events": turn an article's resolved time expressions into the events they date.

An event is what one clause of one article reports at one date. The clause is found by
splitting the body into sentences (full stops after abbreviations, initials and inside quotes
do not count) and sentences into clauses at semicolons. A clause with dated mentions gives one
event per dated mention, each with the stretch of the clause its date governs (`Event.focus`:
"Shoigu travelled last month ..., Watson said on Monday"); a wire dateline dates the lead once.
A clause with only vague mentions ("recently", "for years") gives one event that the merge
stage keeps as context. The words that mark a future event, the abbreviations and the
attribution openings live in `resources/<language>/events/*.txt`.
"""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from functools import cache
from importlib import resources

from timeline.model import PRECISION_RANK, Article, Event, Granularity, Mention, Status

TITLE_WORDS = 14
SHORT_FOCUS_WORDS = 6  # a focus this short is a telling ("Watson said on Monday"), not an event
_RESOURCE_DIR = "resources/{language}/events/{name}.txt"
_FALLBACK_LANGUAGE = "en"

# A sentence may end at . ! ? (and closing quotes or brackets after them) when the next
# sentence starts with a capital, a digit or an opening quote or bracket.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]*[A-Z0-9À-Ý])")
_LAST_WORD = re.compile(r"([\w.'’-]+)[.!?…]+[\"'”’)\]]*$")
_DOTTED_ACRONYM = re.compile(r"^(?:\w\.)+\w?$")
_CLAUSE_END = re.compile(r";\s+")
_PIECE_END = re.compile(r"[,:]\s+|\s+[–—-]\s+")
# A wire dateline and list markers in front of a sentence: "WASHINGTON (Reuters) - ", "- ".
_DATELINE = re.compile(r"^.{0,160}?\([A-Z][\w .&/-]{1,40}\)\s*[-–—]\s*")
_LIST_MARKER = re.compile(r"^[-–—•*·]+\s+")
_LEADING_QUOTE = re.compile(r'^["“][^"“”]+[,.]?["”],?\s+(?P<rest>[^"“”]+)$')
_TRAILING_PUNCT = re.compile(r"[\s,;:–—-]+$")
_SPACE = re.compile(r"\s+")
_NO_END = sys.maxsize


@cache
def word_list(language: str, name: str) -> tuple[str, ...]:
    """The lines of one events resource file, without comments and blank lines."""
    for lang in dict.fromkeys((language, _FALLBACK_LANGUAGE)):
        path = resources.files("timeline").joinpath(_RESOURCE_DIR.format(language=lang, name=name))
        if path.is_file():
            lines = (line.strip() for line in path.read_text("utf-8").splitlines())
            return tuple(line for line in lines if line and not line.startswith("#"))
    return ()


@cache
def _phrase_pattern(language: str, name: str) -> re.Pattern[str]:
    phrases = sorted(word_list(language, name), key=len, reverse=True)
    alternatives = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases) or "(?!)"
    return re.compile(rf"(?<![\w'’-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


@cache
def _abbreviations(language: str) -> frozenset[str]:
    return frozenset(word.casefold() for word in word_list(language, "abbreviations"))


def extract_events(article: Article, mentions: tuple[Mention, ...]) -> tuple[Event, ...]:
    """The events an article reports: one per dated mention, one per vaguely dated clause."""
    clauses = list(split_clauses(article.body, article.language))
    by_clause: dict[tuple[int, int], list[Mention]] = {}
    for mention in sorted(mentions, key=lambda m: (m.start, m.end)):
        span = _clause_of(clauses, mention.start)
        if span is not None:
            by_clause.setdefault(span, []).append(mention)
    events = [
        event
        for span, found in sorted(by_clause.items())
        for event in _clause_events(article, span, _past_dateline(article, span, found))
    ]
    return tuple(events)


def event_mentions(mentions: Iterable[Mention]) -> tuple[Mention, ...]:
    """Which mentions of one clause date an event of their own.

    Every dated mention does, except one that lies inside another's span; a clause with no
    dated mention gives a single context event, dated by its most precise vague mention.
    """
    found = list(mentions)
    dated = [m for m in found if m.value.is_dated]
    if not dated:
        return (min(found, key=_vagueness),) if found else ()
    return tuple(m for m in dated if not any(_inside(m, other) for other in dated))


def _past_dateline(
    article: Article, span: tuple[int, int], mentions: list[Mention]
) -> tuple[Mention, ...]:
    """The event mentions of a clause, of which a wire dateline gives at most one.

    A dateline ("GENEVA | Thu Apr 30, 2009 11:39 am EDT GENEVA (Reuters) - ") dates the lead
    as a whole: its most precise mention stands for it, and only if the lead names no date.
    """
    chosen = event_mentions(mentions)
    dateline = _DATELINE.match(article.body[span[0] : span[1]])
    if dateline is None:
        return chosen
    end = span[0] + dateline.end()
    inside = [m for m in chosen if m.start < end]
    outside = tuple(m for m in chosen if m.start >= end)
    return outside or ((min(inside, key=_vagueness),) if inside else ())


def _vagueness(mention: Mention) -> tuple[int, int]:
    return PRECISION_RANK[mention.value.granularity], mention.start


def _inside(inner: Mention, outer: Mention) -> bool:
    return (
        inner is not outer
        and outer.start <= inner.start
        and inner.end <= outer.end
        and (outer.end - outer.start) > (inner.end - inner.start)
    )


def _clause_events(
    article: Article, span: tuple[int, int], mentions: tuple[Mention, ...]
) -> Iterator[Event]:
    raw = article.body[span[0] : span[1]]
    text = clean_text(raw)
    offsets = [m.start - span[0] for m in mentions]
    focuses = focus_spans(raw, offsets) if len(mentions) > 1 else [(0, len(raw))]
    for mention, (start, end) in zip(mentions, focuses, strict=True):
        part = raw[start:end]
        focus = clean_text(part) if len(mentions) > 1 else ""
        yield Event(
            id=f"{article.id}-{mention.start}",
            article_id=article.id,
            mention=mention,
            sentence=text,
            sentence_start=span[0],
            title=make_title(focused(text, focus), article.language),
            status=event_status(mention, part, article.published, article.language),
            focus=focus,
        )


def focused(text: str, focus: str) -> str:
    """A clause told from the stretch its event's date governs, for the event's title.

    A long stretch stands alone; a short one ("Watson said on Monday.") is the telling of the
    rest, and comes first: "Watson said on Monday: Shoigu travelled last month to ...".
    """
    if not focus or focus == text:
        return text
    if len(focus.split()) > SHORT_FOCUS_WORDS:
        return focus
    rest = _TRAILING_PUNCT.sub("", text.replace(focus, " ")).strip()
    return f"{_TRAILING_PUNCT.sub('', focus.rstrip('.'))}: {rest}" if rest else focus


def focus_spans(clause: str, offsets: list[int]) -> list[tuple[int, int]]:
    """For mentions at `offsets` in a clause, the stretch of it that each one dates.

    The clause is cut at commas, colons and dashes; each mention gets its own piece and the
    pieces between it and its neighbours' pieces ("..., Watson said on Monday").
    """
    pieces = list(_cut(clause, _PIECE_END)) or [(0, len(clause))]
    index = [_piece_of(pieces, offset) for offset in offsets]
    spans = []
    for k, own in enumerate(index):
        low = min(own, index[k - 1] + 1) if k > 0 else 0
        high = max(own, index[k + 1] - 1) if k + 1 < len(index) else len(pieces) - 1
        spans.append((pieces[low][0], pieces[high][1]))
    return spans


def _piece_of(pieces: list[tuple[int, int]], offset: int) -> int:
    return max(n for n, (start, _) in enumerate(pieces) if start <= offset or n == 0)


# -- sentences and clauses --------------------------------------------------------------------


def split_sentences(text: str, language: str = "en") -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence in `text`; lines and paragraphs always end a sentence."""
    for line in re.finditer(r"[^\n]+", text):
        for start, end in _line_sentences(line.group(), language):
            yield line.start() + start, line.start() + end


def split_clauses(text: str, language: str = "en") -> Iterator[tuple[int, int]]:
    """(start, end) of each clause: sentences cut further at semicolons."""
    for start, end in split_sentences(text, language):
        for clause_start, clause_end in _cut(text[start:end], _CLAUSE_END):
            yield start + clause_start, start + clause_end


def _line_sentences(line: str, language: str) -> Iterator[tuple[int, int]]:
    quotes = _QuoteTracker(line)
    start = 0
    for match in _END.finditer(line):
        end = match.end()
        if quotes.inside(end) or _is_abbreviation(line[start:end], language):
            continue
        yield from _trimmed(line, start, end)
        start = end
    yield from _trimmed(line, start, len(line))


def _cut(text: str, boundary: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    start = 0
    for match in boundary.finditer(text):
        yield from _trimmed(text, start, match.start() + 1)
        start = match.end()
    yield from _trimmed(text, start, len(text))


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        yield start + lead, start + lead + len(stripped)


def _is_abbreviation(sentence: str, language: str) -> bool:
    """True when the full stop that closes `sentence` belongs to its last word."""
    match = _LAST_WORD.search(sentence)
    if match is None or not sentence.rstrip("\"'”’)]").endswith("."):
        return False
    word = match.group(1).rstrip(".")
    return (
        len(word) == 1
        or _DOTTED_ACRONYM.match(word) is not None
        or word.casefold() in _abbreviations(language)
    )


class _QuoteTracker:
    """Tells whether an offset of a line lies inside a quotation that closes on that line."""

    def __init__(self, line: str) -> None:
        self._spans = list(_quote_spans(line))

    def inside(self, offset: int) -> bool:
        return any(start < offset < end for start, end in self._spans)


def _quote_spans(line: str) -> Iterator[tuple[int, int]]:
    curly = re.finditer(r"“[^“”]*”", line)
    straight = re.finditer(r'(?:(?<=^)|(?<=[\s(\[—–-]))"[^"]*"', line)
    for match in (*curly, *straight):
        yield match.start(), match.end()


def _clause_of(clauses: list[tuple[int, int]], offset: int) -> tuple[int, int] | None:
    index = bisect.bisect_right(clauses, (offset, _NO_END)) - 1
    if index >= 0 and clauses[index][0] <= offset < clauses[index][1]:
        return clauses[index]
    return None


# -- text and title ---------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """A clause as a reader should see it: one line, no dateline, no list marker."""
    text = _SPACE.sub(" ", text).strip()
    text = _DATELINE.sub("", text)
    return _LIST_MARKER.sub("", text).strip()


def make_title(text: str, language: str = "en", max_words: int = TITLE_WORDS) -> str:
    """A short readable form of a clause: attribution opening dropped, cut at a word boundary."""
    text = _drop_attribution(_speaker_first(text), language)
    words = text.split()
    if len(words) > max_words:
        text = _TRAILING_PUNCT.sub("", " ".join(words[:max_words])) + "…"
    else:
        text = text.rstrip()
    return text[:1].upper() + text[1:]


def _speaker_first(text: str) -> str:
    """For a clause that opens with a quotation, the words after it: who said it, and when."""
    match = _LEADING_QUOTE.match(text)
    if match is None or len(match.group("rest").split()) < 3:
        return text
    return match.group("rest").rstrip(".")


def _drop_attribution(text: str, language: str) -> str:
    opener = _phrase_pattern(language, "attribution_openers").match(text)
    if opener is None:
        return text
    comma = text.find(",", opener.end())
    rest = text[comma + 1 :].strip() if comma != -1 else ""
    return rest if len(rest.split()) >= 3 else text


# -- status -----------------------------------------------------------------------------------

_FUTURE = (Granularity.FUTURE,)
_PAST = (Granularity.PAST,)


def event_status(mention: Mention, clause: str, published: datetime, language: str) -> Status:
    """EXPECTED when the date lies after the publish day, or spans it and the clause says so."""
    value = mention.value
    day_start = published.replace(hour=0, minute=0, second=0, microsecond=0)
    day_end = day_start + timedelta(days=1)
    if value.is_dated and value.start is not None and value.end is not None:
        if value.start >= day_end:
            return Status.EXPECTED
        if value.end <= day_start:
            return Status.REPORTED
    elif value.granularity in _FUTURE:
        return Status.EXPECTED
    elif value.granularity in _PAST:
        return Status.REPORTED
    if _phrase_pattern(language, "future_cues").search(clause):
        return Status.EXPECTED
    return Status.REPORTED
