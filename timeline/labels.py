"""Human date labels that say exactly as much as the value knows.

A month is shown as a month ("July 2023"), a week as a week ("week of 28 Aug 2023"), a range as
a range ("10–13 Sep 2023"); nothing is shown more precisely than the text said.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from timeline.model import Anchor, Granularity, Mention, TimeValue

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
SHORT = [m[:3] for m in MONTHS]
SEASONS = {"SP": "spring", "SU": "summer", "FA": "autumn", "WI": "winter"}
PARTS_OF_DAY = {"MO": "morning", "MI": "midday", "AF": "afternoon", "EV": "evening", "NI": "night"}
MODS = {
    "APPROX": "about {}",
    "START": "early {}",
    "MID": "mid-{}",
    "END": "late {}",
    "BEFORE": "before {}",
    "ON_OR_BEFORE": "by {}",
    "AFTER": "after {}",
    "ON_OR_AFTER": "from {}",
    "LESS_THAN": "less than {}",
    "MORE_THAN": "more than {}",
}
VAGUE = {
    Granularity.PAST: "some time before",
    Granularity.PRESENT: "at the time",
    Granularity.FUTURE: "some time after",
}


def label(value: TimeValue) -> str:
    """The date as a reader should see it, honest to its granularity."""
    text = _plain(value)
    template = MODS.get(value.mod or "")
    return template.format(text) if template else text


def day(d: date) -> str:
    """'4 Sep 2023'."""
    return f"{d.day} {SHORT[d.month - 1]} {d.year}"


def _plain(value: TimeValue) -> str:
    if value.start is None or value.end is None:
        return VAGUE.get(value.granularity, value.value)
    first, last = value.start.date(), (value.end - timedelta(microseconds=1)).date()
    g = value.granularity
    if g is Granularity.TIME:
        return _time(value.value, value.start)
    if g is Granularity.DAY:
        return day(first)
    if g is Granularity.WEEK:
        return f"week of {day(first)}"
    if g is Granularity.WEEKEND:
        return f"weekend of {span(first, last)}"
    if g is Granularity.MONTH:
        return f"{MONTHS[first.month - 1]} {first.year}"
    if g is Granularity.SEASON:
        return f"{SEASONS.get(value.value[-2:], 'season')} {first.year}"
    if g is Granularity.QUARTER:
        return f"Q{(first.month - 1) // 3 + 1} {first.year}"
    if g is Granularity.HALF:
        return f"{'first' if first.month == 1 else 'second'} half of {first.year}"
    if g is Granularity.YEAR:
        return str(first.year)
    if g is Granularity.DECADE:
        return f"the {first.year}s"
    if g is Granularity.CENTURY:
        return f"the {_ordinal(first.year // 100 + 1)} century"
    return span(first, last)


def span(first: date, last: date) -> str:
    """'10–13 Sep 2023', '28 Aug – 3 Sep 2023', '30 Dec 2023 – 2 Jan 2024'."""
    if first == last:
        return day(first)
    if first.year != last.year:
        return f"{day(first)} – {day(last)}"
    if first.month != last.month:
        return f"{first.day} {SHORT[first.month - 1]} – {day(last)}"
    return f"{first.day}–{day(last)}"


def _time(value: str, start: datetime) -> str:
    part = PARTS_OF_DAY.get(value.rsplit("T", 1)[-1][-2:]) if "T" in value else None
    if part and not value.rsplit("T", 1)[-1][:1].isdigit():
        return f"{part} of {day(start.date())}"
    return f"{day(start.date())}, {start:%H:%M}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# The forms HTML accepts in <time datetime>: year, month, day, week, local or zoned date-time;
# a range of two of them is kept as TIMEX3 writes it ("2023-09-10/2023-09-13").
_HTML_TIME = re.compile(
    r"\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})?)?)?|-W\d{2})?"
)


def machine(value: TimeValue) -> str:
    """The value for a <time datetime="..."> attribute: the TIMEX3 value when HTML can read it,
    else the narrowest HTML form that still contains the whole value (its year, or its day)."""
    parts = value.value.split("/")
    if all(_HTML_TIME.fullmatch(p) for p in parts) and len(parts) <= 2:
        return value.value
    if value.start is None or value.end is None:
        return ""
    first, last = value.start.date(), (value.end - timedelta(microseconds=1)).date()
    if first == last:
        return first.isoformat()
    if first.year == last.year and first.month == last.month:
        return f"{first:%Y-%m}"
    return str(first.year) if first.year == last.year else f"{first}/{last}"


def interval(value: TimeValue) -> str:
    """The calendar days a dated value covers ('28 Aug – 3 Sep 2023'); '' when undated."""
    if value.start is None or value.end is None:
        return ""
    return span(value.start.date(), (value.end - timedelta(microseconds=1)).date())


# Granularities whose label does not say which days it covers: a provenance line spells them out.
_SPELL_OUT = (
    Granularity.WEEK,
    Granularity.WEEKEND,
    Granularity.SEASON,
    Granularity.QUARTER,
    Granularity.HALF,
)


def provenance(mention: Mention, published: datetime) -> str:
    """How a mention's date was obtained, in one line a reader can check against the quote."""
    quoted = f"“{mention.text}”"
    result = label(mention.value)
    days = interval(mention.value)
    if days and days != result and mention.value.granularity in _SPELL_OUT:
        result = f"{result} ({days})"
    if mention.anchor is Anchor.EXPLICIT:
        return f"{quoted} names the date itself → {result}"
    if mention.anchor is Anchor.PUBLISHED:
        return f"{quoted} in an article published {day(published.date())} → {result}"
    if mention.anchor is Anchor.TEXT:
        return f"{quoted}, read from an earlier date in the same article → {result}"
    return f"{quoted} gives no calendar position ({result})"
