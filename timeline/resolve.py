"""Stage "resolve": turn the candidates `find` located into Mentions with TIMEX3 values.

Each rule's ``value:`` line names an operation (see resources/en/time/README.md) and its
arguments, templates over the fields the rule captured. Operations that need a year or a week
the text leaves out ("Monday", "Aug. 30", "July") pick among the neighbouring ones: the one
the anchor falls in; else the one on the side the sentence's tense points to, within reach;
else the anchor's year (for a weekday: the nearer one). Expressions counted from another date
("the next day", "at the time") use the last date named before them (by the text itself or
from the publish date, not by another such expression).

This is the one module that talks to dateparser; it reads all-digit dates ("3/4/05") in the
caller's day/month order, where its locale knowledge is worth having.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache, lru_cache
from itertools import islice
from typing import NamedTuple

from timeline.find import Candidate, Language, Table, find, load_language
from timeline.model import Anchor, Granularity, Mention, TimeValue
from timeline.timex import easter, iso_week, period_of, shift, time_value, unknown_within

_FIELD = re.compile(r"\{(\w+)(?::([~-]?)(\d))?\}")
_ISO_WEEKDAY = re.compile(r"(\d{4})-W(\d{2})-(\d)(.*)")
_WEEKDAY_FROM = re.compile(r"(\d{4})-(\d{2})-(\d{2})\+(\d)(.*)")
_FROM_EASTER = re.compile(r"(\d{4})-E([+-]\d+)(.*)")
_NOT_DIGIT = re.compile(r"\D")
_INTEGER = re.compile(r"[-+]?\d+(?:\*[-+]?\d+)*")
_DESIGNATOR = re.compile(r"(\d*)(T?)([A-Z])")
# TIMEX3 duration designators -> the calendar unit with that name in timex.py.
_UNIT_OF = {"Y": "year", "M": "month", "W": "week", "D": "day", "Q": "quarter",
            "10Y": "decade", "100Y": "century"}  # fmt: skip
# A granularity -> the calendar unit whose periods have it (values kept at that precision).
_UNIT_OF_GRANULARITY = {
    Granularity.DAY: "day", Granularity.TIME: "day", Granularity.RANGE: "day",
    Granularity.WEEK: "week", Granularity.WEEKEND: "weekend", Granularity.MONTH: "month",
    Granularity.SEASON: "season", Granularity.QUARTER: "quarter", Granularity.HALF: "half",
    Granularity.YEAR: "year", Granularity.DECADE: "decade", Granularity.CENTURY: "century",
}  # fmt: skip
# Half of a duration unit, in the next smaller one (as it follows that unit in a value).
_HALF = {"Y": "6M", "D": "T12H", "TH": "30M", "TM": "30S"}
_DAYS = (Granularity.DAY, Granularity.TIME)  # values that name one day
_REPORT_PERIODS = (Granularity.QUARTER, Granularity.HALF, Granularity.MONTH)
_ENDS_REPORT = (Granularity.YEAR, Granularity.DURATION)  # the kinds of value `_ends_report` tells
# Where year, month and day stand in an all-digit date: M/D/Y, D/M/Y, Y/M/D.
_ORDERS = ((2, 0, 1), (2, 1, 0), (0, 1, 2))
_SLOTS = ("Y", "W")  # filled by `near` with the anchor's year or week and their neighbours
_ORDER = ("day", "week", "weekend", "month", "season", "quarter", "half", "year", "decade",
          "century")  # fmt: skip
# How far back / ahead of the anchor the tense may move a yearless date (a weekday); a
# date this close to the anchor keeps its year whatever the tense (cues are not sure enough
# to move it a year); how near the anchor a date of the last or next year must be to be
# taken without any tense. Measured on TBAQ, reasoned for news: plans reach further ahead
# than reports reach back.
_YEAR_REACH = (timedelta(days=200), timedelta(days=366))
_WEEK_REACH = (timedelta(days=7), timedelta(days=7))
_TENSE_SLACK = timedelta(days=30)
_ACROSS_NEW_YEAR = timedelta(days=92)
_DATELINE_REACH = 40  # characters from the start of its line to a dateline's date
_WINDOW = 160  # characters either side of a mention searched for tense cues
_REPORT_REACH = 2  # words between a reporting verb and the mention it dates
_REPORT_AFTER = 1  # the same after the mention (an adverb, not "when they" of "when they say")
_WORD = re.compile(r"\w+")
_PLAIN = re.compile(r"[\w\s]*")  # words and spaces, no punctuation
_MONTHS_SPAN = re.compile(r"P\d+M")
# A pattern that begins with a class is searched for a character of it before each try;
# one that begins with an alternation is tried at every character.
_SENTENCE_END = re.compile(r"[\n.!?;](?:(?<=\n)|\s+(?=[\"'“A-Z]))")
# The stop of an abbreviation ends no sentence: a capital and up to two letters ("U.S.",
# "Mr.", "Ala."), checked only where a sentence seems to end (a lookbehind in the pattern
# above would slow every search).
_ABBREVIATION = re.compile(r"(?<![A-Za-z])(?:[A-Z][a-z]{0,2}|[a-z]\.[a-z])\.$")
_LAST_WORD = re.compile(r"(?<![A-Za-z])[a-z]+$")
_ABBREVIATION_REACH = 12  # characters before a stop searched for the word it ends


class Unresolvable(ValueError):
    """A candidate whose value cannot be worked out; it is left out, never guessed."""


class Context(NamedTuple):
    """What every operation may consult: the text, the anchor, the language, the settings.

    A tuple rather than a dataclass: one is made for every candidate, and the fields worked
    out from the anchor (`day`, `tz`, `anchor_day`) are made once per text by `context`.
    """

    text: str
    published: datetime
    language: Language
    date_order: str
    previous: TimeValue | None  # the last dated value before this candidate, if any
    report: TimeValue | None  # the period the text reports on there, if any (see `_reports_on`)
    period: TimeValue | None  # the last such period, though the text has turned from it since
    start: int  # where the candidate is in the text
    end: int
    day: date  # the anchor's day, in its timezone
    tz: tzinfo
    anchor_day: tuple[datetime, datetime]  # that day's first instant and the next day's
    # the year a date named earlier in the same sentence is in ("last year, in September")
    story_year: int | None = None


def context(text: str, published: datetime, language: Language, date_order: str = "MDY") -> Context:
    """The context of a text's first candidate (before it no date is named)."""
    tz = published.tzinfo or UTC
    return Context(text, published, language, date_order.upper(), None, None, None, 0, 0,
                   published.date(), tz, _day_around(published))  # fmt: skip


class Resolved(NamedTuple):
    """What an operation makes of a candidate (a tuple: one is made for every candidate)."""

    value: str
    anchor: Anchor
    notes: tuple[str, ...] = ()
    # Whether later expressions may count from it: "a year ago ... a year earlier" both
    # count from the same baseline, not one from the other.
    baseline: bool = True
    # whether the tense of the sentence was asked (the outcome then hangs on the words)
    asked_tense: bool = False


def resolve_text(
    text: str, published: datetime, *, language: str = "en", date_order: str = "MDY"
) -> tuple[Mention, ...]:
    """Every time expression in `text` with its value, resolved against `published`.

    Never raises for any text: what cannot be resolved is left out, doubts go into notes.
    """
    if published.tzinfo is None:  # the contract asks for an aware datetime; assume UTC
        published = published.replace(tzinfo=UTC)
    base = context(text, published, load_language(language), date_order)
    mentions: list[Mention] = []
    previous: TimeValue | None = None
    period: TimeValue | None = None
    reporting = False  # whether the text still reports on `period`
    day, tz, anchor_day = base.day, base.tz, base.anchor_day
    anchors = _anchors(base)
    story: tuple[int, int] | None = None  # the year of the last dated mention, and its end
    short = base.language.tables["abbreviation"]
    for candidate in find(text, language):
        rule = candidate.rule
        needs = _ANCHOR_ONLY.get(rule.operation)
        story_year = None if story is None else _story_year(text, story, candidate.start, short)
        key = None if needs is None else (rule.order, candidate.fields, anchors[needs],
                                          story_year if needs == _TENSE else None)  # fmt: skip
        outcome = _REUSED.get(key, _UNKNOWN) if key is not None else _UNKNOWN
        if outcome is _UNKNOWN:
            report = period if reporting else None
            here = Context(text, published, base.language, base.date_order, previous, report,
                           period, candidate.start, candidate.end, day, tz, anchor_day,
                           story_year)  # fmt: skip
            outcome = _outcome(candidate, here)
            if key is not None and (outcome is not None or needs != _TENSE):
                _remember(key, outcome)
        if outcome is None:
            continue
        value, anchor, notes, counts = outcome[:4]
        mentions.append(Mention(candidate.start, candidate.end, candidate.text, value, anchor,
                                rule.name, notes))  # fmt: skip
        # The story's year: one other than the anchor's that a mention names, by its digits
        # ("in 1918", "Sept. 5, 2008") or as a year of its own ("last year", "two years
        # ago"); a later year-less date in its sentence may take it (`_near_in_story`). A
        # mention of the anchor's time ("now", "this week") ends it.
        start = value.start
        if start is not None and start.year != day.year:
            names = anchor == Anchor.EXPLICIT or value.granularity == Granularity.YEAR
            if names and value.granularity in _STORY_GRANULARITIES:
                story = start.year, candidate.end
        elif story is not None and (start is not None or value.granularity == _PRESENT):
            story = None
        if counts:
            previous = value
            if value.granularity in _REPORT_PERIODS and _reports_on(value, period, anchor_day[1]):
                period, reporting = value, True
        if reporting and value.granularity in _ENDS_REPORT:
            reporting = not _ends_report(value, anchor_day[1])
        if rule.operation == _STAMP and start is not None:
            # the text after a time stamp is written on its day, and names no date yet
            day, anchor_day = start.date(), _day_around(start)
            anchors = _anchors(base._replace(anchor_day=anchor_day))
            previous, period, reporting = None, None, False
    return tuple(mentions)


def _story_year(text: str, story: tuple[int, int], start: int, short: Table) -> int | None:
    """The year a mention just before `start` in its sentence names (see `resolve_text`), if any
    (`short`: the abbreviations whose stop ends no sentence)."""
    year, end = story
    if start - end > _STORY_REACH * _WORD_CHARS:  # far, without counting words
        return None
    between = text[end:start]
    if len(_WORD.findall(between)) > _STORY_REACH:
        return None
    if any(_ends_sentence(between, m, short) for m in _SENTENCE_END.finditer(between)):
        return None
    return year


def _day_around(instant: datetime) -> tuple[datetime, datetime]:
    """The first instant of the day holding `instant`, and of the next day."""
    midnight = instant.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight, midnight + timedelta(days=1)


# The operations whose outcome depends on nothing but the rule, the fields it captured and
# the anchor (its day, for those marked so; "near" too unless it asks the sentence's tense):
# worked out once, reused for every such candidate.
_DAY, _TENSE = "day", "tense"
_STAMP = "stamp"  # the operation of a time stamp that heads the text after it
_ANCHOR_ONLY = {"date": "", "vague": "", "duration": "", "numeric": "", "none": "",
                "this": _DAY, "begun": _DAY, "past": _DAY, "untensed": _DAY, "near": _TENSE,
                _STAMP: ""}  # fmt: skip
_REUSE_SIZE = 4096  # outcomes kept
_PRESENT = Granularity.PRESENT
_STORY_REACH = 12  # words from a mention naming a year to a year-less date that takes it
_WORD_CHARS = 20  # characters a word and its space take at most, but for outliers
# Mentions whose year a later year-less date in the same sentence takes
_STORY_GRANULARITIES = frozenset({Granularity.YEAR, Granularity.HALF, Granularity.QUARTER,
                                  Granularity.SEASON, Granularity.MONTH, Granularity.WEEK,
                                  Granularity.DAY})  # fmt: skip
# What a candidate comes to: its value, anchor and notes, whether later expressions count
# from it (see `_outcome`), and whether the sentence's tense was asked; None for no Mention.
Outcome = tuple[TimeValue, Anchor, tuple[str, ...], bool, bool] | None
# (rule, fields, anchor) -> the outcome, for the operations above
_REUSED: dict[tuple[object, ...], Outcome] = {}
_UNKNOWN: Outcome = (time_value("PRESENT_REF"), Anchor.VAGUE, (), False, False)  # not kept


def _anchors(base: Context) -> dict[str, tuple[object, ...]]:
    """The part of a reuse key that each kind of operation takes from the anchor."""
    settings = (base.language.code, base.tz, base.date_order)
    return {"": settings, _DAY: (*settings, base.anchor_day), _TENSE: (*settings, base.anchor_day)}


def _remember(key: tuple[object, ...], outcome: Outcome) -> None:
    """Keep an outcome for reuse, unless it hangs on the sentence's tense."""
    if len(_REUSED) >= _REUSE_SIZE:
        _REUSED.clear()
    if outcome is None or not outcome[4]:
        _REUSED[key] = outcome


def _reports_on(value: TimeValue, period: TimeValue | None, day_end: datetime) -> bool:
    """Whether a quarter, half or month becomes the period the text reports on, in place of
    `period`: one over by the end of the anchor's day rather than one that is not (a report
    gives results, a coming quarter is a forecast); else not one wholly before it (a quarter
    to compare with) nor a month named in passing in a report on a longer period."""
    if period is None:
        return True
    assert value.end is not None and period.start is not None
    if _over(value, day_end) != _over(period, day_end):
        return _over(value, day_end)
    if value.end <= period.start:
        return False
    return value.granularity != Granularity.MONTH or period.granularity == value.granularity


def _over(value: TimeValue, day_end: datetime) -> bool:
    return value.end is not None and value.end <= day_end


def _ends_report(value: TimeValue, day_end: datetime) -> bool:
    """Whether a value turns a report from its period to another: a span of months ("the
    first nine months") or a whole year begun by the anchor's day (not a forecast's year)."""
    if value.granularity == Granularity.YEAR:
        return value.start is not None and value.start < day_end
    return bool(_MONTHS_SPAN.fullmatch(value.value))


def resolve_candidate(candidate: Candidate, context: Context) -> tuple[Mention, bool] | None:
    """The Mention for one candidate and whether later expressions may count from it, or
    None when its value cannot be worked out."""
    done = _resolve(candidate, context)
    return None if done is None else (done[0], done[1].baseline)


def _outcome(candidate: Candidate, context: Context) -> Outcome:
    """What a candidate comes to: later expressions count from it if the operation allows
    and its value is dated, not counted from another date in the text."""
    done = _resolve(candidate, context)
    if done is None:
        return None
    mention, resolved = done
    value, anchor = mention.value, mention.anchor
    counts = resolved.baseline and value.is_dated and anchor != Anchor.TEXT
    return value, anchor, mention.notes, counts, resolved.asked_tense


def _resolve(candidate: Candidate, context: Context) -> tuple[Mention, Resolved] | None:
    rule = candidate.rule
    fields = _fields(candidate)
    op, *args = _split(rule.value)
    try:
        resolved = _OPERATIONS[op](args, fields, context)
        mod = _fill(rule.mod, fields, strict=False) or None if rule.mod else None
        value = time_value(resolved.value, _type(rule.type, resolved.value), mod, context.tz)
    except (Unresolvable, ValueError, KeyError, IndexError, OverflowError):
        return None
    mention = Mention(candidate.start, candidate.end, candidate.text, value, resolved.anchor,
                      rule.name, resolved.notes)  # fmt: skip
    return mention, resolved


@lru_cache(maxsize=1024)
def _split(value_line: str) -> list[str]:
    return value_line.split()


def _type(declared: str, value: str) -> str:
    if declared:
        return declared
    if value.endswith("_REF"):
        return "DATE"
    if value.startswith("P"):
        return "DURATION"
    return "TIME" if "T" in value else "DATE"


def _fields(candidate: Candidate) -> dict[str, str]:
    """The captured fields, with a 12-hour clock reading turned into a 24-hour one."""
    fields = dict(candidate.fields)
    if "hour" in fields and "meridiem" in fields:
        fields["hour"] = str(int(fields["hour"]) % 12 + int(fields["meridiem"]))
    return fields


def _fill(template: str, fields: dict[str, str], *, strict: bool = True) -> str:
    """`template` with each {field} filled in: {field:N} zero-pads its digits to N places,
    {field:~N} keeps its first N digits, {field:-N} its last N ("1430": 14 and 30)."""
    if "{" not in template:
        return template
    pieces = []
    for text, name, prefix, width in _pieces(template):
        pieces.append(text)
        if not name:
            continue
        if name not in fields:
            if strict:
                raise Unresolvable(f"no field {name!r}")
            continue
        value = fields[name]
        if width:
            digits = _NOT_DIGIT.sub("", value)
            if prefix == "~":
                value = digits[:width]
            elif prefix == "-":
                value = digits[-width:]
            else:
                value = str(int(digits)).zfill(width)
        pieces.append(value)
    return "".join(pieces)


@lru_cache(maxsize=1024)
def _pieces(template: str) -> tuple[tuple[str, str, str, int], ...]:
    """A template cut into (literal text, field name or "", digits kept: "~" the first, "-"
    the last, "" all zero-padded; width) pieces, once per template; the {Y} and {W} slots
    stay literal text for `near` to fill."""
    pieces = []
    last = 0
    for match in _FIELD.finditer(template):
        name, prefix, width = match.groups()
        if name in _SLOTS:
            continue
        pieces.append((template[last : match.start()], name, prefix or "", int(width or 0)))
        last = match.end()
    pieces.append((template[last:], "", "", 0))
    return tuple(pieces)


def _offset(expression: str) -> int:
    """An offset such as "-1", "+2" or "-1*3" as a number."""
    if not _INTEGER.fullmatch(expression):
        raise Unresolvable(f"not a number: {expression!r}")
    product = 1
    for factor in expression.split("*"):
        product *= int(factor)
    return product


def _unit(name: str) -> str:
    """A unit name, given either as itself ("week") or as a duration designator ("W")."""
    return _UNIT_OF.get(name, name)


def _split_args(args: list[str], fields: dict[str, str]) -> tuple[list[str], int | None]:
    """Filled-in arguments without the direction, and the direction (an integer) if given."""
    rest: list[str] = []
    direction: int | None = None
    for arg in args:
        filled = _fill(arg, fields)
        if _INTEGER.fullmatch(filled):
            direction = _offset(filled)
        else:
            rest.append(filled)
    return rest, direction


# --- the operations a rule's value line can name -------------------------------------------


def _date(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    return Resolved(_fill(" ".join(args), fields), Anchor.EXPLICIT)


def _vague(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    return Resolved(_fill(" ".join(args), fields), Anchor.VAGUE)


def _duration(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """An amount of a unit ("three years"); given a third argument, and half a unit more
    ("2 1/2 years")."""
    amount, unit = (_fill(a, fields) for a in args[:2])
    half = "".join(_fill(a, fields, strict=False) for a in args[2:])
    match = _DESIGNATOR.fullmatch(unit)
    if not match:
        raise Unresolvable(f"not a duration unit: {unit!r}")
    times, clock, letter = match.groups()
    count = "X" if amount == "X" else str(int(amount) * int(times or 1))
    value = f"P{clock}{count}{letter}"
    if half:
        value += _half(int(times or 1), clock + letter)
    return Resolved(value, Anchor.VAGUE)


def _half(times: int, unit: str) -> str:
    """Half a unit (of `times` designators), said in the next smaller designator."""
    if times % 2 == 0:
        raise Unresolvable("half of a unit of many designators is said in that designator")
    if unit not in _HALF:
        raise Unresolvable(f"no smaller unit for half a {unit}")
    return _HALF[unit]


def _this(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    unit = _unit(_fill(args[0], fields))
    amount = _offset(_fill(args[1], fields))
    suffix = "".join(_fill(a, fields) for a in args[2:])
    moved = shift(context.day, unit, amount)
    return Resolved(period_of(moved, unit) + suffix, Anchor.PUBLISHED)


def _near_in_story(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """`near`, except that a year-less date takes the year a date just before it in its
    sentence names ("In 1918, a first wave came in April"), unless the sentence's tense
    points the other way from the anchor."""
    story = context.story_year
    if story is not None and "{Y}" in "".join(args):
        parts, direction = _split_args(args, fields)
        tense = _tense(context) if direction is None else direction
        side = story - context.day.year
        if not (side < 0 < tense or tense < 0 < side):
            value = _concrete("".join(parts).replace("{Y}", f"{story:04d}"))
            return Resolved(value, Anchor.TEXT, asked_tense=True)
    return _near(args, fields, context)


def _near(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    parts, direction = _split_args(args, fields)
    template = "".join(parts)
    options = list(_options(template, context.day))
    if direction is not None:
        return Resolved(_choose_strictly(options, context, direction), Anchor.PUBLISHED)
    tense = _Lazy(lambda: _tense(context))  # worked out only when the choice needs it
    if "{W}" in template:
        choice = _choose(options, context, tense, _WEEK_REACH)
    else:
        choice = _choose_year(options, context, tense)
    return Resolved(choice, Anchor.PUBLISHED, asked_tense=tense.asked)


def _untensed(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """What `near` chooses for a year-slot date in a sentence with no tense: a word that
    names the period by the anchor ("this winter") means it whatever the verbs around say."""
    parts, _ = _split_args(args, fields)
    options = list(_options("".join(parts), context.day))
    return Resolved(_choose_year(options, context, lambda: 0), Anchor.PUBLISHED)


def _past(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """The latest of the dates `near` chooses among that is not after the anchor's day
    ("Friday's close": what a text names that way has happened)."""
    parts, _ = _split_args(args, fields)
    day_end = context.anchor_day[1]
    starts = {v: _interval(v, context)[0] for v in _options("".join(parts), context.day)}
    latest = max((v for v, start in starts.items() if start < day_end), key=starts.__getitem__)
    return Resolved(latest, Anchor.PUBLISHED)


def _begun(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """A period in the anchor's year, unless it has not begun by the anchor's day and last
    year's ended just before the new year ("the fourth quarter" in January is last year's)."""
    parts, _ = _split_args(args, fields)
    before, same, _after = _options("".join(parts), context.day)
    day_start, day_end = context.anchor_day
    if _interval(same, context)[0] < day_end:
        return Resolved(same, Anchor.PUBLISHED)
    recent = day_start - _interval(before, context)[1] <= _ACROSS_NEW_YEAR
    return Resolved(before if recent else same, Anchor.PUBLISHED)


def _week_of(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """The week holding a yearless date ("the week of March 6")."""
    resolved = _near(args, fields, context)
    return Resolved(iso_week(date.fromisoformat(resolved.value)), resolved.anchor)


def _period_ending(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """The unit-long period ending on the day `near` gives, named by the calendar unit that
    holds its middle ("the quarter ended July 31", May to July, is the second quarter);
    but the period the text reports on if it is such a unit, named by the company's own
    count ("the fiscal first quarter ... the quarter ended Sept. 29")."""
    unit = _unit(_fill(args[0], fields))
    report = context.report
    if report is not None and _UNIT_OF_GRANULARITY.get(report.granularity) == unit:
        return Resolved(report.value, Anchor.TEXT)
    resolved = _near(args[1:], fields, context)
    last = date.fromisoformat(resolved.value)
    first = shift(last + timedelta(days=1), unit, -1)
    middle = first + (last - first) / 2
    return Resolved(period_of(middle, unit), resolved.anchor, asked_tense=resolved.asked_tense)


def _after(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """A date in the text moved by an amount, at the coarser of its precision and the
    amount's unit ("two years later" than a day is a year), except that a year from the
    period a report is about stays such a period ("a year earlier" than the third quarter is
    that quarter a year before, whatever day was named since); an amount of hours or minutes
    is only a length ("an hour later": PT1H), the text naming no clock time to count from."""
    base, anchor = _base(context)
    unit, amount = _unit(_fill(args[0], fields)), _offset(_fill(args[1], fields))
    if unit not in _ORDER:  # hours or minutes from a day: only how long is known
        return _duration([str(abs(amount)), unit], fields, context)
    if context.report is not None and unit == "year" and abs(amount) == 1:
        base, anchor = context.report, Anchor.TEXT
    moved = shift(_start(base), unit, amount)
    have = _UNIT_OF_GRANULARITY[base.granularity]
    report = base.granularity in _REPORT_PERIODS and context.report is not None
    if not report and _ORDER.index(unit) > _ORDER.index(have):
        have = unit
    return Resolved(period_of(moved, have), anchor)


def _next(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """The period of a unit next to (or before) the one holding a date in the text."""
    base, anchor = _base(context)
    unit = _unit(_fill(args[0], fields))
    _require_precision(base, unit)
    moved = shift(_start(base), unit, _offset(_fill(args[1], fields)))
    return Resolved(period_of(moved, unit), anchor)


def _moved(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """A day that another operation gives, moved by whole units ("the day before last
    Tuesday": `moved day -1 near ...`); when that operation gives no single day, the
    expression is left unresolved."""
    unit, amount = _unit(_fill(args[0], fields)), _offset(_fill(args[1], fields))
    inner = _OPERATIONS[args[2]](args[3:], fields, context)
    day = date.fromisoformat(inner.value)  # ValueError (unresolved) unless a day
    return inner._replace(value=period_of(shift(day, unit, amount), "day"))


def _weekday_from(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """The nearest given weekday before (-1) or after (+1) the last day named in the text, or
    the anchor's day when there is none ("the previous Friday")."""
    sign, weekday = (_offset(_fill(arg, fields)) for arg in args)
    base, anchor = _base(context)
    _require_precision(base, "day")
    day = _start(base)
    days = (sign * (weekday - day.isoweekday())) % 7 or 7
    return Resolved((day + timedelta(days=sign * days)).isoformat(), anchor)


def _within(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """The period of a unit that holds a date in the text ("that month"); given a second
    argument, inside a coarser date one whose place in it is unknown ("that same day" after
    "last October")."""
    base, anchor = _base(context)
    unit = _unit(_fill(args[0], fields))
    have = _UNIT_OF_GRANULARITY.get(base.granularity, "century")
    if unit in _ORDER and _ORDER.index(have) > _ORDER.index(unit):
        unknown = unknown_within(base.value, have, unit) if len(args) > 1 else None
        if unknown is None:
            raise Unresolvable(f"a {have} is not precise enough to name a {unit}")
        return Resolved(unknown, anchor)
    return Resolved(period_of(_start(base), unit), anchor)


def _that_day(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """A time on the day the text last named when it named a day, else on the anchor's day:
    a clock time with no day tells of the day the story is at ("at 10:35 a.m.")."""
    suffix = "".join(_fill(a, fields) for a in args)
    named = context.previous
    if named is None or named.granularity not in _DAYS or named.start is None:
        return _this(["day", "0", *args], fields, context)
    return Resolved(_start(named).isoformat() + suffix, Anchor.TEXT)


def _dateline(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """A date at the head of a line, before the wire service ("SEOUL, Sept. 5 (Reuters) -"):
    the publish date, which it should confirm; a disagreement goes into the notes."""
    resolved = _near(args, fields, context)
    line_start = context.text.rfind("\n", 0, context.start) + 1
    if context.start - line_start > _DATELINE_REACH or resolved.value == context.day.isoformat():
        return resolved
    note = f"the dateline says {resolved.value}, the article is dated {context.day.isoformat()}"
    return Resolved(resolved.value, resolved.anchor, (note,))


def _stamp(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """A time stamp heading the text after it ("At 4:40 pm on 10 Jul 2009, ... wrote:"): its
    own time; no date of the text, which is written on its day (see `resolve_text`)."""
    return Resolved("".join(_fill(a, fields) for a in args), Anchor.EXPLICIT, baseline=False)


def _ago(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """A year back from the period a report is about ("a year ago" after "the third quarter"
    is that quarter a year before), else an amount back from the anchor."""
    unit, amount = _unit(_fill(args[0], fields)), _offset(_fill(args[1], fields))
    if context.report is not None and unit == "year" and abs(amount) == 1:
        period = context.report
        moved = shift(_start(period), unit, amount)
        resolved = Resolved(period_of(moved, _UNIT_OF_GRANULARITY[period.granularity]),
                            Anchor.TEXT)  # fmt: skip
    else:
        resolved = _this(args, fields, context)
    return Resolved(resolved.value, resolved.anchor, resolved.notes, baseline=False)


def _period_ago(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """The period a report is about (though the text has turned from it since), an amount of
    years back ("the year-ago quarter"); else that many years back from the anchor."""
    if context.period is None:
        return _ago(["year", *args], fields, context)
    return _ago(["year", *args], fields, context._replace(report=context.period))


def _period_in(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """The period a report is about, in the year given ("the 1988 period"), else the year;
    given a unit, the last period of that unit reported on ("the 1988 quarter")."""
    year, unit = int(_fill(args[0], fields)), "".join(_fill(a, fields) for a in args[1:])
    period, last = context.report, context.period
    if last is not None and _UNIT_OF_GRANULARITY[last.granularity] == unit:
        period = last
    if period is None:
        return Resolved(f"{year:04d}", Anchor.EXPLICIT)
    start = _start(period)
    moved = shift(start, "year", year - start.year)
    return Resolved(period_of(moved, _UNIT_OF_GRANULARITY[period.granularity]), Anchor.TEXT)


def _current(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """The period of a unit the text reports on, or else last named if begun by the anchor's
    day, not a forecast's ("the quarter", "the full year"); else the one holding the anchor
    moved by an amount ("the latest quarter" before the anchor's own)."""
    unit = _unit(_fill(args[0], fields))
    day_end = context.anchor_day[1]
    for named in (context.report, context.previous):
        if named is None or _UNIT_OF_GRANULARITY.get(named.granularity) != unit:
            continue
        if named is context.report or (named.start is not None and named.start < day_end):
            return Resolved(named.value, Anchor.TEXT)
    return _this(args, fields, context)


def _none(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    raise Unresolvable("a rule that only keeps other rules off this text")


def _of_year(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    """A year-slot date in the year of the last date the text named ("June of that year"),
    else in the anchor's."""
    base, anchor = _base(context)
    parts, _ = _split_args(args, fields)
    return Resolved(_concrete("".join(parts).replace("{Y}", f"{_start(base).year:04d}")), anchor)


def _then(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    if context.previous is None:
        raise Unresolvable("nothing earlier in the text to refer to")
    return Resolved(context.previous.value, Anchor.TEXT)


def _numeric(args: list[str], fields: dict[str, str], context: Context) -> Resolved:
    a, b, c = fields["a"], fields["b"], fields["c"]
    order = "YMD" if len(a) == 4 else context.date_order
    parsed = _parse_absolute(f"{a}/{b}/{c}", order, context.language.code)
    if parsed is None:
        raise Unresolvable(f"not a date in {order} order: {a}/{b}/{c}")
    notes: tuple[str, ...] = ()
    if len(_readings(a, b, c)) > 1:
        notes = (f"ambiguous all-digit date {a}/{b}/{c}: read in {order} order",)
    return Resolved(parsed.isoformat(), Anchor.EXPLICIT, notes)


def _readings(*parts: str) -> set[date]:
    """The days three numbers can name, read in any of the orders dates are written in."""
    days = set()
    for y, m, d in _ORDERS:
        year = int(parts[y]) if len(parts[y]) == 4 else 2000 + int(parts[y]) % 100
        try:
            days.add(date(year, int(parts[m]), int(parts[d])))
        except ValueError:
            continue
    return days


@lru_cache(maxsize=4096)
def _parse_absolute(text: str, order: str, language: str) -> date | None:
    import dateparser  # here: a build after one edit seldom meets an all-digit date

    settings = {"DATE_ORDER": order, "STRICT_PARSING": True, "PREFER_DAY_OF_MONTH": "first"}
    try:
        parsed = dateparser.parse(text, languages=[language], settings=settings)
    except (ValueError, OverflowError, TypeError, AttributeError):
        return None
    return parsed.date() if parsed else None


_OPERATIONS: dict[str, Callable[[list[str], dict[str, str], Context], Resolved]] = {
    "date": _date,
    "vague": _vague,
    "duration": _duration,
    "this": _this,
    "near": _near_in_story,
    "untensed": _untensed,
    "past": _past,
    "begun": _begun,
    "week_of": _week_of,
    "period_ending": _period_ending,
    "after": _after,
    "next": _next,
    "within": _within,
    "weekday_from": _weekday_from,
    "moved": _moved,
    "then": _then,
    "of_year": _of_year,
    "that_day": _that_day,
    "dateline": _dateline,
    "ago": _ago,
    "current": _current,
    "period_in": _period_in,
    "period_ago": _period_ago,
    "none": _none,
    "numeric": _numeric,
    _STAMP: _stamp,
}


# --- helpers of the operations -------------------------------------------------------------


def _base(context: Context) -> tuple[TimeValue, Anchor]:
    """The date a text-relative expression counts from: the last one named, or the anchor."""
    if context.previous is not None:
        return context.previous, Anchor.TEXT
    day = context.day.isoformat()
    return time_value(day, tz=context.tz), Anchor.PUBLISHED


def _start(value: TimeValue) -> date:
    assert value.start is not None
    return value.start.date()


def _require_precision(base: TimeValue, unit: str) -> None:
    """Refuse to name a day (or week...) inside a date that is only known to the month."""
    have = _UNIT_OF_GRANULARITY.get(base.granularity, "century")
    if unit in _ORDER and _ORDER.index(have) > _ORDER.index(unit):
        raise Unresolvable(f"a {have} is not precise enough to name a {unit}")


@lru_cache(maxsize=4096)
def _options(template: str, day: date) -> tuple[str, ...]:
    """The concrete values `near` chooses among (a text names the same few dates again)."""
    return tuple(_concrete(v) for v in _candidates(template, day))


def _candidates(template: str, day: date) -> list[str]:
    """The template filled with the anchor's year (or week) and its neighbours."""
    if "{W}" in template:
        return [template.replace("{W}", iso_week(day + timedelta(weeks=k))) for k in (-1, 0, 1)]
    return [template.replace("{Y}", f"{day.year + k:04d}") for k in (-1, 0, 1)]


class _Lazy:
    """A number worked out at the first call only (`asked`: whether it was called)."""

    def __init__(self, work: Callable[[], int]) -> None:
        self._work = work
        self._value: int | None = None

    @property
    def asked(self) -> bool:
        return self._value is not None

    def __call__(self) -> int:
        if self._value is None:
            self._value = self._work()
        return self._value


def _concrete(value: str) -> str:
    """A value naming a weekday of an ISO week ("2023-W36-1"), the first given weekday on
    or after a day ("2023-11-22+4", Thanksgiving), or a day counted from Easter Sunday
    ("2023-E-2", Good Friday), as a calendar day."""
    if "W" not in value and "+" not in value and "E" not in value:
        return value
    match = _FROM_EASTER.fullmatch(value)
    if match:
        year, days, rest = match.groups()
        return (easter(int(year)) + timedelta(days=int(days))).isoformat() + rest
    match = _ISO_WEEKDAY.fullmatch(value)
    if match:
        year, week, weekday, rest = match.groups()
        return date.fromisocalendar(int(year), int(week), int(weekday)).isoformat() + rest
    match = _WEEKDAY_FROM.fullmatch(value)
    if match:
        year, month, day, weekday, rest = match.groups()
        first = date(int(year), int(month), int(day))
        return (first + timedelta(days=(int(weekday) - first.isoweekday()) % 7)).isoformat() + rest
    return value


def _interval(value: str, context: Context) -> tuple[datetime, datetime]:
    tv = time_value(value, "DATE", None, context.tz)
    if tv.start is None or tv.end is None:
        raise Unresolvable(f"no interval for {value!r}")
    return tv.start, tv.end


def _anchor_day(context: Context) -> tuple[datetime, datetime]:
    return context.anchor_day


def _choose(
    options: list[str],
    context: Context,
    tense: Callable[[], int],
    reach: tuple[timedelta, timedelta],
) -> str:
    """The option overlapping the anchor's day; else the one on the side the tense points to
    if it lies within `reach` of the anchor; else, mostly, the past one."""
    day_start, day_end = _anchor_day(context)
    spans = {v: _interval(v, context) for v in options}
    current = [v for v, (s, e) in spans.items() if s < day_end and day_start < e]
    if current:
        return current[0]
    before = max((v for v in options if spans[v][1] <= day_start), key=lambda v: spans[v][0])
    after = min((v for v in options if spans[v][0] >= day_end), key=lambda v: spans[v][0])
    gap_before, gap_after = day_start - spans[before][1], spans[after][0] - day_end
    if gap_before <= reach[0] and tense() < 0:
        return before
    if gap_after <= reach[1] and tense() > 0:
        return after
    # News tells of what happened more than of what is planned: without a tense, the past one
    # unless the next is less than half as far.
    return after if gap_after < gap_before / 2 else before


def _choose_year(options: list[str], context: Context, tense: Callable[[], int]) -> str:
    """Of a date in the year before, of and after the anchor's: the one the tense points to
    when it is within reach (and the anchor's year puts it well on the other side); else the
    one close to the anchor (see `_reach_back`); else the anchor's own year."""
    before, same, after = options
    day_start, day_end = _anchor_day(context)
    start, end = _interval(same, context)
    if start < day_end and day_start < end:
        return same
    gap_before = day_start - _interval(before, context)[1]
    gap_after = _interval(after, context)[0] - day_end
    far_ahead, far_back = start - day_end > _TENSE_SLACK, day_start - end > _TENSE_SLACK
    if not (far_ahead or far_back):
        return same
    if far_ahead and gap_before <= _YEAR_REACH[0] and tense() < 0:
        return before
    if far_back and gap_after <= _YEAR_REACH[1] and tense() > 0:
        return after
    if gap_before <= _reach_back(before, context) and tense() <= 0:
        return before
    if gap_after <= _ACROSS_NEW_YEAR and tense() >= 0:
        return after
    return same


def _reach_back(before: str, context: Context) -> timedelta:
    """How far back an option may end to be the one a neutral sentence means: across a new
    year, a season ("December" in February); within the anchor's year, only a month ("winter"
    in May is the coming one, in March the one just over)."""
    year_start = context.anchor_day[0].replace(month=1, day=1)
    return _ACROSS_NEW_YEAR if _interval(before, context)[1] <= year_start else _TENSE_SLACK


def _choose_strictly(options: list[str], context: Context, direction: int) -> str:
    """The latest option wholly before the anchor's day (-1), the earliest wholly after it
    (+1), or for 0 the one holding it, else the nearest."""
    if direction == 0:
        return _choose(options, context, lambda: 0, (timedelta(0), timedelta(0)))
    day_start, day_end = _anchor_day(context)
    spans = {v: _interval(v, context) for v in options}
    if direction < 0:
        before = [v for v, (s, e) in spans.items() if e <= day_start]
        return _required(max(before, key=lambda v: spans[v][0], default=None))
    after = [v for v, (s, e) in spans.items() if s >= day_end]
    return _required(min(after, key=lambda v: spans[v][0], default=None))


def _required(value: str | None) -> str:
    if value is None:
        raise Unresolvable("no option on that side of the anchor")
    return value


def _tense(context: Context) -> int:
    """-1 when the sentence around the mention looks back, +1 when it looks ahead, else 0.

    The nearest tense cue decides; a reporting verb ("said") only when it is next to the
    mention, for it dates the report rather than what is reported; before that, a
    preposition right before the mention ("since", "by").
    """
    left, right = _clause(context)
    tables = context.language.tables
    if _reported(tables["report"], left):  # "said Monday", not "Monday, he said"
        return -1
    if _reported_after(tables["report"], right):  # "the agency on Monday said it would"
        return -1
    words = left.rsplit(maxsplit=1)
    lead = tables["lead"].lookup(words[-1]) if words else None
    if lead is not None and len(words) == 1:  # opening the sentence: the clause's tense
        cue = _nearest(tables["tense"], "", right, ignore=tables["report"])
        return _offset(cue[1] if cue else lead)
    if lead is not None:
        return _offset(lead)
    cue = _nearest(tables["tense"], left, right, ignore=tables["report"])
    return _offset(cue[1]) if cue else 0


def _reported(report: Table, left: str) -> bool:
    """Whether the last reporting verb of the clause before the mention is next to it.

    A verb that near begins within the last few words: when no verb begins there, the last
    one (if any) is farther, and the whole clause need not be searched for it.
    """
    reach = _verb_reach(report)
    if reach is not None:
        last_words = list(islice(_WORD.finditer(left[::-1]), reach))  # from the last one back
        cut = len(left) - last_words[-1].end() if len(last_words) == reach else 0
        if report.phrases.search(left, cut) is None:
            return False
    reporting = _nearest(report, left, "")
    return reporting is not None and reporting[0] <= _REPORT_REACH


def _reported_after(report: Table, right: str) -> bool:
    """Whether a reporting verb follows the mention within a few words and no punctuation:
    then the mention dates the report ("the agency on Monday officially declared it would"),
    which a tense cue after it ("would") does not."""
    verb = report.phrases.search(right, 0, (_REPORT_AFTER + 1) * _WORD_CHARS)
    if verb is None:
        return False
    between = right[: verb.start()]
    return _PLAIN.fullmatch(between) is not None and len(_WORD.findall(between)) <= _REPORT_AFTER


@cache
def _verb_reach(report: Table) -> int | None:
    """How many words from the last one back a reporting verb next to a mention may begin
    (its own words and those allowed between), or None when its table has entries that
    might not begin and end with whole words (patterns, punctuation)."""
    if report.patterns or not report.words:
        return None
    if not all(_WORD.match(w[0]) and _WORD.match(w[-1]) for w in report.words):
        return None
    return max(len(_WORD.findall(word)) for word in report.words) + _REPORT_REACH


def _clause(context: Context) -> tuple[str, str]:
    """The text of the sentence before and after the mention, up to a window."""
    text = context.text
    left = text[max(0, context.start - _WINDOW) : context.start]
    short = context.language.tables["abbreviation"]
    ends = list(_SENTENCE_END.finditer(left))
    last = next((m for m in reversed(ends) if _ends_sentence(left, m, short)), None)
    left = left[last.end() :] if last else left
    right = text[context.end : context.end + _WINDOW]
    stop = next((m for m in _SENTENCE_END.finditer(right) if _ends_sentence(right, m, short)),
                None)  # fmt: skip
    return left, right[: stop.start()] if stop else right


def _ends_sentence(text: str, end: re.Match[str], short: Table) -> bool:
    """Whether a seeming sentence end is one, not the stop of an abbreviation: a capital and
    up to two letters, letters with stops, or a lower-case one the `short` table lists."""
    stop = end.start()
    if text[stop] != ".":
        return True
    if _ABBREVIATION.search(text, max(0, stop - 3), stop + 1):
        return False
    word = _LAST_WORD.search(text, max(0, stop - _ABBREVIATION_REACH), stop)
    return word is None or short.lookup(word.group()) is None


def _nearest(
    table: Table, left: str, right: str, ignore: Table | None = None
) -> tuple[int, str] | None:
    """The value of the table's word or phrase nearest the mention in its clause (leaving out
    words the `ignore` table knows), with how many words away it is; on the left when both
    sides are as near."""
    pattern = table.phrases

    def wanted(m: re.Match[str]) -> bool:
        return ignore is None or ignore.lookup(m.group()) is None

    found: list[tuple[int, int, str]] = []
    last = next((m for m in reversed(list(pattern.finditer(left))) if wanted(m)), None)
    if last is not None:
        found.append((len(_WORD.findall(left, last.end())), 0, last.group()))
    first = next((m for m in pattern.finditer(right) if wanted(m)), None)
    if first is not None:
        found.append((len(_WORD.findall(right, 0, first.start())), 1, first.group()))
    if not found:
        return None
    distance, _, phrase = min(found)
    return distance, table.normalize(phrase)
