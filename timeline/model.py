"""The plain data that flows between the stages of a build.

load -> Article; find + resolve -> Mention (with its TimeValue); events -> Event;
merge -> Entry; the whole result is a Timeline. Everything here is frozen: a stage
returns new values and never changes what it was given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property


class Granularity(StrEnum):
    """How precisely a time value pins down the calendar."""

    TIME = "time"  # a clock time or a part of a day on a known day
    DAY = "day"
    WEEK = "week"
    WEEKEND = "weekend"
    MONTH = "month"
    SEASON = "season"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"
    DECADE = "decade"
    CENTURY = "century"
    RANGE = "range"  # an explicit span such as "Sept. 10-13"
    PAST = "past"  # PAST_REF: some time before the anchor
    PRESENT = "present"  # PRESENT_REF: now
    FUTURE = "future"  # FUTURE_REF: some time after the anchor
    DURATION = "duration"  # a length of time, not a place on the calendar
    SET = "set"  # a recurrence such as "every week"
    UNKNOWN = "unknown"  # a value whose calendar position is not known (e.g. XXXX-08)


# Coarser granularities rank higher; used to find "the most precise date".
PRECISION_RANK: dict[Granularity, int] = {
    Granularity.TIME: 0,
    Granularity.DAY: 1,
    Granularity.RANGE: 2,
    Granularity.WEEKEND: 2,
    Granularity.WEEK: 3,
    Granularity.MONTH: 4,
    Granularity.SEASON: 5,
    Granularity.QUARTER: 5,
    Granularity.HALF: 6,
    Granularity.YEAR: 7,
    Granularity.DECADE: 8,
    Granularity.CENTURY: 9,
    Granularity.PRESENT: 10,
    Granularity.PAST: 11,
    Granularity.FUTURE: 11,
    Granularity.DURATION: 12,
    Granularity.SET: 12,
    Granularity.UNKNOWN: 13,
}


class Anchor(StrEnum):
    """How a mention's calendar value was obtained."""

    EXPLICIT = "explicit"  # the text names the date in full ("April 25, 2019")
    PUBLISHED = "published"  # relative to the article's publish date ("last week", "Aug. 30")
    TEXT = "text"  # relative to another date in the text ("the next day")
    VAGUE = "vague"  # no calendar position ("recent years", "in the coming days")


@dataclass(frozen=True)
class TimeValue:
    """A TIMEX3 value with the calendar interval it stands for.

    `start` is inclusive and `end` exclusive; both are timezone-aware, in the timezone of the
    anchor the value was resolved against. They are None when the value has no place on the
    calendar (durations, sets, vague references whose side of the anchor is all we know).
    """

    value: str  # TIMEX3 value: "2023-08", "2023-W35", "2023-09-10/2023-09-13", "PAST_REF", "P3Y"
    type: str  # TIMEX3 type: DATE, TIME, DURATION or SET
    granularity: Granularity
    start: datetime | None = None
    end: datetime | None = None
    mod: str | None = None  # TIMEX3 mod: START, MID, END, APPROX, BEFORE, AFTER, ...

    @property
    def is_dated(self) -> bool:
        """True when the value is a bounded place on the calendar that a timeline can show."""
        return (
            self.start is not None
            and self.end is not None
            and self.granularity
            not in (Granularity.PAST, Granularity.FUTURE, Granularity.PRESENT, Granularity.UNKNOWN)
            and self.type in ("DATE", "TIME")
        )

    def contains(self, other: TimeValue) -> bool:
        """True when `other`'s interval lies inside this one ("2023-08-30" in "2023-W35")."""
        if not (self.is_dated and other.is_dated):
            return False
        assert self.start and self.end and other.start and other.end
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: TimeValue) -> bool:
        """True when the two intervals share any instant."""
        if not (self.is_dated and other.is_dated):
            return False
        assert self.start and self.end and other.start and other.end
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, init=False)
class Mention:
    """A time expression found in a text: where it is, what it says, what it means."""

    start: int  # character offset into the text it was found in
    end: int
    text: str
    value: TimeValue
    anchor: Anchor
    rule: str = ""  # the rule that found it, for provenance and debugging
    notes: tuple[str, ...] = ()  # problems worth reporting (e.g. an ambiguous day/month order)

    def __init__(
        self,
        start: int,
        end: int,
        text: str,
        value: TimeValue,
        anchor: Anchor,
        rule: str = "",
        notes: tuple[str, ...] = (),
    ) -> None:
        # One is made for every expression found: filling the instance's dict at once takes
        # a third of the time of the frozen dataclass's setattr per field.
        self.__dict__.update(
            start=start, end=end, text=text, value=value, anchor=anchor, rule=rule, notes=notes
        )


@dataclass(frozen=True)
class Dropped:
    """A line removed from an article at load time, and why."""

    line: int  # 1-based line number in the source file
    text: str
    reason: str  # "furniture" or "repeated"


@dataclass(frozen=True)
class Problem:
    """Something wrong with the input that did not stop the build (a warning)."""

    file: str
    message: str
    hint: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}" + (f" ({self.hint})" if self.hint else "")


@dataclass(frozen=True)
class Article:
    """One news article, cleaned of page furniture, with its publish date."""

    id: str  # slug, unique in a build; used in URLs
    path: str  # source file, relative to the source folder, POSIX separators
    title: str
    published: datetime  # timezone-aware
    body: str  # cleaned text; paragraphs separated by a blank line; offsets refer to this
    source: str | None = None  # the outlet, only when known
    language: str = "en"
    url: str | None = None
    dropped: tuple[Dropped, ...] = ()
    meta: tuple[tuple[str, str], ...] = ()  # other front-matter fields, as text

    @property
    def paragraphs(self) -> tuple[tuple[int, str], ...]:
        """Each paragraph of the body with its start offset."""
        out: list[tuple[int, str]] = []
        pos = 0
        for part in self.body.split("\n\n"):
            out.append((pos, part))
            pos += len(part) + 2
        return tuple(out)


class Status(StrEnum):
    """Whether an event had happened when it was reported, or was still to come."""

    REPORTED = "reported"
    EXPECTED = "expected"


@dataclass(frozen=True)
class Event:
    """What one sentence of one article reports at one date."""

    id: str
    article_id: str
    mention: Mention
    sentence: str  # the sentence (or clause) that carries the event, cleaned
    sentence_start: int  # offset of the sentence in the article body
    title: str  # a short readable form of the sentence
    status: Status
    # The part of the sentence that belongs to this event's date when the sentence dates
    # several events ("Shoigu travelled last month ..., Watson said on Monday"); "" when all.
    focus: str = ""

    @property
    def value(self) -> TimeValue:
        return self.mention.value


@dataclass(frozen=True)
class DateVote:
    """One of the dates that sources give for an entry, with the events that give it."""

    value: TimeValue
    event_ids: tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    """One real event on the timeline: the same happening told by one or more sources."""

    id: str
    value: TimeValue  # the most precise date its sources support
    title: str
    text: str
    status: Status
    events: tuple[Event, ...]  # every source's telling, in a stable order
    disagreement: tuple[DateVote, ...] = ()  # empty unless sources give incompatible dates
    importance: float = 0.0
    key: bool = False

    @property
    def article_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.article_id for e in self.events))


@dataclass(frozen=True)
class Timeline:
    """The result of a build: every article, every entry in date order, and what went wrong."""

    title: str
    articles: tuple[Article, ...]
    entries: tuple[Entry, ...]
    context: tuple[Event, ...] = ()  # vague-dated statements: kept, not placed on the timeline
    mentions: tuple[tuple[str, tuple[Mention, ...]], ...] = ()  # article id -> its mentions
    problems: tuple[Problem, ...] = field(default=())
    # What each article was made from, by id, when known (`execute.Analysed.versions`): the
    # same version, the same article, mentions and events.
    versions: tuple[tuple[str, str], ...] = ()

    def mentions_of(self, article_id: str) -> tuple[Mention, ...]:
        return self._mentions_by_article.get(article_id, ())

    @cached_property
    def _mentions_by_article(self) -> dict[str, tuple[Mention, ...]]:
        # Built once: a dict per call made rendering N article pages take N² steps.
        return dict(self.mentions)
