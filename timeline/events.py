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
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache

from timeline import wordlists as word_lists
from timeline.model import PRECISION_RANK, Article, Event, Granularity, Mention, Status

TITLE_WORDS = 14
LEAD_WORDS = 14  # an attribution longer than this is part of what is told, not who tells it
SAID_AT_WORDS = 2  # "confirmed on | Monday": a reporting verb this close owns the date
TAIL_WORDS = 3  # words after "said" in a closing attribution: "health officials said on Monday"
STAMP_REACH = 60  # how far before a date a time-stamp word ("Posted by") is looked for
STAMP_NAME_WORDS = 2  # words between a comment's date and its "wrote:": "on", a user name
SHORT_FOCUS_WORDS = 6  # a focus this short is a telling ("Watson said on Monday"), not an event

# A sentence may end at . ! ? (and closing quotes or brackets after them) when the next
# sentence starts with a capital, a digit or an opening quote or bracket.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]*[A-Z0-9À-Ý])")
_LAST_WORD = re.compile(r"([\w.'’-]+)[.!?…]+[\"'”’)\]]*$")
_DOTTED_ACRONYM = re.compile(r"^(?:\w\.)+\w?$")
_CLAUSE_END = re.compile(r";\s+")
_PIECE_END = re.compile(r"[,:]\s+|\s+[–—-]\s+")
# A wire dateline and list markers in front of a sentence: "WASHINGTON (Reuters) - ", "- ".
_DATELINE = re.compile(r"^.{0,160}?\([A-Z][\w .&/-]{1,40}\)\s*[-–—]\s*")
_LIST_MARKER = re.compile(r"^\\?[-–—•*·]+\s+")
_LEADING_QUOTE = re.compile(r'^["“][^"“”]+[,.]?["”],?\s+(?P<rest>[^"“”]+)$')
_TRAILING_PUNCT = re.compile(r"[\s,;:–—-]+$")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_LOWER_WORD = re.compile(r"(?<![\w'’-])[^\W\d_A-Z][\w'’-]+")
_NAME_AT_END = re.compile(r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*$")
_NO_END = sys.maxsize


def word_list(language: str, name: str) -> tuple[str, ...]:
    """The entries of one events word list (`resources/<language>/events/<name>.txt`)."""
    return word_lists.word_list(language, "events", name)


@cache
def _phrase_pattern(language: str, name: str) -> re.Pattern[str]:
    phrases = sorted(word_list(language, name), key=len, reverse=True)
    alternatives = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases) or "(?!)"
    return re.compile(rf"(?<![\w'’-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


@cache
def _abbreviations(language: str) -> frozenset[str]:
    return frozenset(word.casefold() for word in word_list(language, "abbreviations"))


def extract_events(article: Article, mentions: tuple[Mention, ...]) -> tuple[Event, ...]:
    """The events an article reports: one per dated mention, one per vaguely dated clause.

    A page's own time stamp ("Posted by ... 4:59 pm") dates no event, and a date with "since"
    or "until" in front of it is a bound, marked with its TIMEX3 mod.
    """
    clauses = list(split_clauses(article.body, article.language))
    by_clause: dict[tuple[int, int], list[Mention]] = {}
    ordered = sorted(mentions, key=lambda m: (m.start, m.end))
    for mention in ordered:
        span = _clause_of(clauses, mention.start)
        if span is None or _stamped(article, span, mention, ordered):
            continue
        by_clause.setdefault(span, []).append(bounded(article.body, mention, article.language))
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


def _stamped(
    article: Article, span: tuple[int, int], mention: Mention, others: Iterable[Mention]
) -> bool:
    """A time stamp outside a wire dateline (a dateline dates its lead, see `_past_dateline`)."""
    dateline = _DATELINE.match(article.body[span[0] : span[1]])
    if dateline is not None and mention.start < span[0] + dateline.end():
        return False
    return is_stamp(article.body, mention, others, article.language)


def is_stamp(body: str, mention: Mention, others: Iterable[Mention], language: str) -> bool:
    """True when a mention is a page's own time stamp ("Posted by X 4:59 pm", "X wrote:")."""
    line_start = body.rfind("\n", 0, mention.start) + 1
    before = _without(body, line_start, mention.start, others)[-STAMP_REACH:]
    found = list(_phrase_pattern(language, "stamps").finditer(before))
    if found and _LOWER_WORD.search(before[found[-1].end() :]) is None:
        return True
    line_end = body.find("\n", mention.end)
    after = _without(body, mention.end, len(body) if line_end == -1 else line_end, others)
    closing = _phrase_pattern(language, "stamps_after").search(after[:STAMP_REACH])
    return closing is not None and len(after[: closing.start()].split()) <= STAMP_NAME_WORDS


def _without(body: str, start: int, end: int, mentions: Iterable[Mention]) -> str:
    """body[start:end] with the text of the mentions inside it left out."""
    parts, pos = [], start
    for m in mentions:
        if start <= m.start and m.end <= end and m.start >= pos:
            parts.append(body[pos : m.start])
            pos = m.end
    return "".join(parts) + body[pos:end]


def bounded(body: str, mention: Mention, language: str) -> Mention:
    """The mention, marked as a bound (mod ON_OR_AFTER, ...) when "since", "until" precede it."""
    value = mention.value
    if value.mod is not None or not value.is_dated:
        return mention
    line_start = body.rfind("\n", 0, mention.start) + 1
    before = body[line_start : mention.start]
    for mod, pattern in _bounds(language):
        if pattern.search(before):
            return replace(mention, value=replace(value, mod=mod))
    return mention


@cache
def _bounds(language: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each bound mod with a pattern for its words right before a date."""
    found = []
    for line in word_list(language, "bounds"):
        mod, _, phrases = line.partition(":")
        words = sorted((p.strip() for p in phrases.split("|") if p.strip()), key=len, reverse=True)
        alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
        pattern = rf"(?<![\w'’-])(?:{alternatives})\s*$" if words else "(?!)"
        found.append((mod.strip(), re.compile(pattern, re.IGNORECASE)))
    return tuple(found)


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
        if not has_predicate(part, mentions, start + span[0]):
            continue
        focus = clean_text(part) if len(mentions) > 1 else ""
        yield Event(
            id=f"{article.id}-{mention.start}",
            article_id=article.id,
            mention=mention,
            sentence=text,
            sentence_start=span[0],
            title=make_title(
                focused(text, focus, article.language), article.language, mention=_one_line(mention)
            ),
            status=event_status(mention, part, article.published, article.language),
            focus=focus,
        )


def has_predicate(part: str, mentions: Iterable[Mention], offset: int) -> bool:
    """True when a stretch says something besides its dates and names: a word in lower case.

    "Friday 1 May 2009 15.49 BST" or "Fergus Walsh | 09:53 AM" date no event.
    """
    inside = [replace(m, start=m.start - offset, end=m.end - offset) for m in mentions]
    return _LOWER_WORD.search(_without(part, 0, len(part), inside)) is not None


def _one_line(mention: Mention) -> str:
    return _SPACE.sub(" ", mention.text).strip()


def event_telling(event: Event, language: str = "en") -> Telling:
    """An event's clause told as a title, with what makes it a good or a poor one."""
    told = focused(event.sentence, event.focus, language)
    return telling(told, language, mention=_one_line(event.mention))


def opens_with_pronoun(text: str, language: str = "en") -> bool:
    """True when a telling opens with a word that refers back ("He signalled ...")."""
    return _first_word(text).casefold() in _folded(language, "pronouns")


def focused(text: str, focus: str, language: str = "en") -> str:
    """A clause told from the stretch its event's date governs, for the event's title.

    A long stretch stands alone; a short one ("Watson said on Monday.") is the telling of the
    rest, and comes first: "Watson said on Monday: Shoigu travelled last month to ...".
    """
    if not focus or focus == text:
        return text
    if len(focus.split()) > SHORT_FOCUS_WORDS:
        return focus
    if _phrase_pattern(language, "reporting").search(focus) is None:
        return text  # "in 1918," of "in 1918, 1958 and 1969" tells no one: the whole clause
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


@dataclass(frozen=True)
class Telling:
    """A title made of one clause, and what a reader would think of it as a title."""

    text: str
    dated: bool  # the event's date is still in it
    lifted: bool  # told from a relative clause ("Shoigu, who visited ..." -> "Shoigu visited")
    statement: bool  # its date is the date of a statement ("Kirby said on Aug. 30 that ...")
    pronoun: bool  # opens with a word that refers back ("he", "they")
    quoted: bool  # opens inside a quotation
    cut: bool  # shortened to fit

    @property
    def rank(self) -> float:
        """How good a title it makes: informative, dated, self-contained, whole; higher wins."""
        words = min(len(self.text.split()), TITLE_WORDS) / TITLE_WORDS
        flaws = (
            (not self.dated, 1.0),
            (self.lifted, 0.4),
            (self.statement, 0.3),
            (self.pronoun, 0.5),
            (self.quoted, 0.3),
            (self.cut, 0.15),
        )
        return round(words - sum(cost for flaw, cost in flaws if flaw), 6)


def make_title(
    text: str, language: str = "en", max_words: int = TITLE_WORDS, mention: str = ""
) -> str:
    """A short readable statement of what a clause reports at the date `mention` names."""
    return telling(text, language, max_words, mention).text


def telling(
    text: str, language: str = "en", max_words: int = TITLE_WORDS, mention: str = ""
) -> Telling:
    """A clause told as a title, built around its date (`mention`, when known).

    Attribution ("X said", "according to Y", "cited ... as saying") goes unless the date lies
    in it; a date inside a relative clause about a name is told of that name; descriptive
    asides go when the clause is too long; the cut keeps the date and ends on a full word.
    """
    words = _Words(language)
    text = _speaker_first(text, mention)
    text = words.drop_opener(text, mention)
    text = words.drop_leading_attribution(text, mention)
    text, statement = words.trailing_attribution(text, mention)
    text, lifted = words.lift_relative(text, mention)
    text = words.drop_asides(text, mention, max_words).rstrip(" ,;:–—")
    fitted = _fit(text, max_words, words)
    first = _first_word(_after_date_piece(fitted, mention))
    return Telling(
        text=fitted[:1].upper() + fitted[1:],
        dated=not mention or _find_mention(fitted, mention) is not None,
        lifted=lifted,
        statement=statement or words.attributes(fitted, mention),
        pronoun=first.casefold() in words.pronouns,
        quoted=fitted[:1] in "\"“‘'",
        cut=fitted.endswith("…"),
    )


def _after_date_piece(text: str, mention: str) -> str:
    """A telling without its opening date: "On Monday, he ..." or "On April 29 it ..." -> "he"."""
    found = _find_mention(text, mention)
    if found is not None and len(text[: found[0]].split()) <= 1:
        return text[found[1] :].lstrip(" ,;:")
    pieces = list(_cut(text, _PIECE_END))
    if len(pieces) > 1 and not _outside(pieces[0], text, mention):
        return text[pieces[1][0] :]
    return text


def _first_word(text: str) -> str:
    match = _WORD.search(text)
    return match.group() if match else ""


def _find_mention(text: str, mention: str) -> tuple[int, int] | None:
    if not mention:
        return None
    index = text.find(mention)
    return (index, index + len(mention)) if index != -1 else None


def _outside(span: tuple[int, int], text: str, mention: str) -> bool:
    """True when `mention` does not lie in text[span] (always, when there is no mention)."""
    found = _find_mention(text, mention)
    return found is None or not (span[0] < found[1] and found[0] < span[1])


def _speaker_first(text: str, mention: str = "") -> str:
    """For a clause that opens with a quotation, the words after it: who said it, and when."""
    match = _LEADING_QUOTE.match(text)
    if match is None or len(match.group("rest").split()) < 3:
        return text
    if not _outside((0, match.start("rest")), text, mention):
        return text
    return match.group("rest").rstrip(".")


class _Words:
    """The word lists a title is made with, for one language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.reporting = _phrase_pattern(language, "reporting")
        self.pronouns = _folded(language, "pronouns")
        self.relatives = _folded(language, "relatives")
        self.asides = _folded(language, "asides")
        self.dangling = _folded(language, "dangling")
        self.prepositions = _folded(language, "prepositions")

    def drop_opener(self, text: str, mention: str) -> str:
        """ "According to the report, the visit is ..." -> "the visit is ..."."""
        opener = _phrase_pattern(self.language, "attribution_openers").match(text)
        if opener is None:
            return text
        comma = text.find(",", opener.end())
        rest = text[comma + 1 :].strip() if comma != -1 else ""
        if len(rest.split()) < 3 or not _outside((0, comma), text, mention):
            return text
        return rest

    def drop_leading_attribution(self, text: str, mention: str) -> str:
        """ "Besser said the cases rose ..." -> "the cases rose ...", unless the date is his."""
        head = _PIECE_END.split(text, maxsplit=1)[0]
        found = [m for m in self.reporting.finditer(head) if m.start() > 0]
        if not found or len(text[: found[-1].start()].split()) > LEAD_WORDS:
            return text
        end = found[-1].end()
        rest = text[end:].strip()
        complementizer = _phrase_pattern(self.language, "complementizers")
        that = complementizer.match(rest)
        rest = rest[that.end() :].strip() if that else rest
        found_at = _find_mention(text, mention)
        if found_at is not None and (
            len(text[end : found_at[0]].split()) < 2
            or self.reporting.search(text, end, found_at[0]) is not None
            or complementizer.match(text[found_at[1] :].lstrip()) is not None
        ):
            return text  # "The WHO said on Wednesday the world ...": the date is the saying's
        if len(rest.split()) < 4 or not rest[:1].isalnum() or not _outside((0, end), text, mention):
            return text  # too little left, or the rest opens mid-sentence (", when ...")
        if _first_word(rest).casefold() in self.prepositions:
            return text  # "The Times reported on the meeting ...": the rest is the verb's object
        return rest

    def trailing_attribution(self, text: str, mention: str) -> tuple[str, bool]:
        """Drop a last piece that says who told it; when it holds the date, lead with it.

        "A man died last week, officials said." -> "A man died last week."; "Kim would travel
        to Vladivostok, the Times reported on Monday." -> "The Times reported on Monday: Kim
        would travel to Vladivostok".
        """
        for _ in range(2):
            pieces = list(_cut(text, _PIECE_END))
            if len(pieces) < 2:
                return text, False
            start, end = pieces[-1]
            last = text[start:end]
            if len(last.split()) > LEAD_WORDS or not self.tells_who(last):
                return text, False
            rest = _TRAILING_PUNCT.sub("", text[:start])
            if not _outside((start, end), text, mention):
                said = _TRAILING_PUNCT.sub("", last.rstrip("."))
                return f"{said[:1].upper()}{said[1:]}: {self.unlead(rest)}", True
            text = rest + "."
        return text, False

    def tells_who(self, piece: str) -> bool:
        """True for "officials said", "the Times reported", "citing U.S. sources"."""
        found = list(self.reporting.finditer(piece))
        if not found:
            return False
        opener = _phrase_pattern(self.language, "attribution_openers").match(piece)
        ends = len(piece[found[-1].end() :].split()) <= TAIL_WORDS  # "said on Monday", no more
        return opener is not None or (found[0].start() > 0 and ends)

    def unlead(self, text: str) -> str:
        """A sentence's start told after a colon: "In a rare trip" -> "in a rare trip"."""
        first = _first_word(text)
        if text.startswith(first) and first.casefold() in self.dangling:
            return first.casefold() + text[len(first) :]
        return text

    def lift_relative(self, text: str, mention: str) -> tuple[str, bool]:
        """ "Shoigu, who visited Pyongyang in July, had proposed" -> "Shoigu visited ... July"."""
        found = _find_mention(text, mention)
        if found is None:
            return text, False
        pieces = list(_cut(text, _PIECE_END))
        index = _piece_of(pieces, found[0])
        start, end = pieces[index]
        piece = text[start:end]
        opener = _first_word(piece)
        if index == 0 or opener.casefold() not in self.relatives:
            return text, False
        name = _NAME_AT_END.search(_TRAILING_PUNCT.sub("", text[: pieces[index - 1][1]]))
        told = piece[len(opener) :].strip()
        if name is None or len(told.split()) < 2:
            return text, False
        return f"{name.group().strip()} {_TRAILING_PUNCT.sub('', told)}", True

    def drop_asides(self, text: str, mention: str, max_words: int) -> str:
        """Pieces between commas that describe what comes before, dropped while too long.

        Only an aside right before the dated piece goes: it stands between who acted and what
        they did at that date ("Kim's father, the reclusive ..., last visited Russia in 2011").
        """
        while len(text.split()) > max_words:
            pieces = list(_cut(text, _PIECE_END))
            asides = [
                (start, end)
                for n, (start, end) in enumerate(pieces[1:-1], start=1)
                if _first_word(text[start:end]).casefold() in self.asides
                and text[pieces[n - 1][1] - 1] == ","
                and text[end - 1] == ","
                and _outside((start, end), text, mention)
                and not _outside(pieces[n + 1], text, mention)
            ]
            if not asides:
                return text
            start, end = asides[0]
            text = f"{text[: start - 2].rstrip()} {text[end:].lstrip()}"
        return text

    def attributes(self, text: str, mention: str) -> bool:
        """True when the date's own piece says who told something: the event is a statement."""
        found = _find_mention(text, mention)
        if found is None:
            return False
        pieces = list(_cut(text, _PIECE_END))
        start, end = pieces[_piece_of(pieces, found[0])]
        return self.reporting.search(text[start:end]) is not None

    def trim(self, words: list[str]) -> list[str]:
        """Words of a cut title without the words it must not end on."""
        while len(words) > 1 and _bare(words[-1]) in self.dangling:
            words = words[:-1]
        return words


def _is_name(word: str) -> bool:
    return word[:1].isupper()


def _bare(word: str) -> str:
    return word.strip("\"'“”‘’()[],;:.–—-").casefold()


def _fit(text: str, max_words: int, words: _Words) -> str:
    """At most `max_words` words of text, cut at a word boundary, ending on a full word.

    The cut keeps the start, where a sentence says who did what; the entry shows its date.
    """
    tokens = text.split()
    if len(tokens) <= max_words:
        return text.rstrip()
    kept = tokens[:max_words]
    while len(kept) > 1 and _is_name(kept[-1]) and _is_name(tokens[len(kept)]):
        kept = kept[:-1]  # a name is kept whole or not at all: not "the United…"
    kept = words.trim(kept)
    return _TRAILING_PUNCT.sub("", " ".join(kept)) + "…"


@cache
def _folded(language: str, name: str) -> frozenset[str]:
    return frozenset(word.casefold() for word in word_list(language, name))


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
    if said_at(clause, mention.text, language):
        return Status.REPORTED  # "Moscow confirmed on Monday that Kim will visit": the saying
    if _phrase_pattern(language, "future_cues").search(clause):
        return Status.EXPECTED
    return Status.REPORTED


def said_at(clause: str, expression: str, language: str) -> bool:
    """True when the date is the moment of a statement: a reporting verb just before it
    ("said on Monday", "confirmed Monday")."""
    at = clause.find(expression)
    if at <= 0:
        return False
    before = clause[:at].split()[-SAID_AT_WORDS:]
    return _phrase_pattern(language, "reporting").search(" ".join(before)) is not None
