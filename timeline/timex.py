"""The TIMEX3 value language: parse a value string into the calendar interval it stands for.

A value ("2023-W35", "2023-SU", "199", "2023-09-05TMO", "2023-09-10/2023-09-13", "P3Y",
"PAST_REF") becomes a `TimeValue` whose interval is start-inclusive, end-exclusive and
timezone-aware. Values without a calendar position (durations, sets, "XXXX-08", the vague
references) keep their value string and get no interval.

The module also holds the calendar arithmetic the resolver needs: shifting a period by whole
units and naming the period that contains an instant ("the week of 2023-09-05" is "2023-W36").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache

from timeline.model import Granularity, TimeValue

TYPES = ("DATE", "TIME", "DURATION", "SET")
MODS = (
    "START", "MID", "END", "APPROX", "BEFORE", "AFTER", "ON_OR_BEFORE", "ON_OR_AFTER",
    "LESS_THAN", "MORE_THAN", "EQUAL_OR_LESS", "EQUAL_OR_MORE",
)  # fmt: skip
REFS = {
    "PAST_REF": Granularity.PAST,
    "PRESENT_REF": Granularity.PRESENT,
    "FUTURE_REF": Granularity.FUTURE,
}
# Seasons as meteorological quarters: (first month, months long); winter runs into the next year.
SEASONS = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}
# Parts of a day as clock hours [from, to); night runs to midnight.
DAY_PARTS = {"MO": (6, 12), "MI": (11, 13), "AF": (12, 18), "EV": (18, 21), "NI": (21, 24),
             "DT": (9, 17)}  # fmt: skip

Interval = tuple[date | datetime, date | datetime, Granularity]


@lru_cache(maxsize=8192)
def time_value(
    value: str, type: str = "DATE", mod: str | None = None, tz: tzinfo = UTC
) -> TimeValue:
    """The TimeValue for a TIMEX3 value string, with its interval in `tz` when it has one."""
    if type == "SET":
        return TimeValue(value, type, Granularity.SET, mod=mod)
    if value in REFS:
        return TimeValue(value, type, REFS[value], mod=mod)
    if value.startswith("P"):
        return TimeValue(value, type, Granularity.DURATION, mod=mod)
    interval = parse_interval(value)
    if interval is None:
        return TimeValue(value, type, Granularity.UNKNOWN, mod=mod)
    start, end, granularity = interval
    return TimeValue(value, type, granularity, _instant(start, tz), _instant(end, tz), mod)


@lru_cache(maxsize=8192)
def parse_interval(value: str) -> Interval | None:
    """The [start, end) interval and granularity of a calendar value, or None if it has none."""
    if "/" in value:
        return _range(value)
    for pattern, build in _PARSERS:
        match = pattern.fullmatch(value)
        if match:
            try:
                return build(*(int(g) if g and g.isdigit() else g for g in match.groups()))
            except ValueError:  # a well-formed value naming no real day, e.g. 2023-02-30
                return None
    return None


def _range(value: str) -> Interval | None:
    first, _, last = value.partition("/")
    a, b = parse_interval(first), parse_interval(last)
    if a is None or b is None or b[1] <= a[0]:
        return None
    return a[0], b[1], Granularity.RANGE


def _instant(moment: date | datetime, tz: tzinfo) -> datetime:
    if isinstance(moment, datetime):
        return moment.replace(tzinfo=tz)
    return datetime(moment.year, moment.month, moment.day, tzinfo=tz)


# --- one builder per value shape ------------------------------------------------------------


def _year(y: int) -> Interval:
    return date(y, 1, 1), date(y + 1, 1, 1), Granularity.YEAR


def _decade(d: int) -> Interval:
    return date(d * 10, 1, 1), date(d * 10 + 10, 1, 1), Granularity.DECADE


def _century(c: int) -> Interval:
    return date(max(c * 100, 1), 1, 1), date(c * 100 + 100, 1, 1), Granularity.CENTURY


def _month(y: int, m: int) -> Interval:
    return date(y, m, 1), add_months(date(y, m, 1), 1), Granularity.MONTH


def _day(y: int, m: int, d: int) -> Interval:
    day = date(y, m, d)
    return day, day + timedelta(days=1), Granularity.DAY


def _week(y: int, w: int) -> Interval:
    monday = date.fromisocalendar(y, w, 1)
    return monday, monday + timedelta(days=7), Granularity.WEEK


def _weekend(y: int, w: int) -> Interval:
    saturday = date.fromisocalendar(y, w, 6)
    return saturday, saturday + timedelta(days=2), Granularity.WEEKEND


def _quarter(y: int, q: int) -> Interval:
    if not 1 <= q <= 4:
        raise ValueError(q)
    first = date(y, 3 * q - 2, 1)
    return first, add_months(first, 3), Granularity.QUARTER


def _half(y: int, h: int) -> Interval:
    if h not in (1, 2):
        raise ValueError(h)
    first = date(y, 6 * h - 5, 1)
    return first, add_months(first, 6), Granularity.HALF


def _season(y: int, s: str) -> Interval:
    first = date(y, SEASONS[s], 1)
    return first, add_months(first, 3), Granularity.SEASON


def _clock(y: int, m: int, d: int, hh: int, mm: int | None, ss: int | None) -> Interval:
    midnight = datetime(y, m, d)  # noqa: DTZ001 - the zone is attached by _instant
    start = midnight + timedelta(hours=hh, minutes=mm or 0, seconds=ss or 0)
    if ss is not None:
        step = timedelta(seconds=1)
    else:
        step = timedelta(minutes=1 if mm is not None else 60)
    return start, start + step, Granularity.TIME


def _day_part(y: int, m: int, d: int, part: str) -> Interval:
    first, last = DAY_PARTS[part]
    midnight = datetime(y, m, d)  # noqa: DTZ001 - the zone is attached by _instant
    return midnight + timedelta(hours=first), midnight + timedelta(hours=last), Granularity.TIME


_PARSERS: tuple[tuple[re.Pattern[str], Callable[..., Interval]], ...] = (
    (re.compile(r"(\d{4})"), _year),
    (re.compile(r"(\d{3})X?"), _decade),
    (re.compile(r"(\d{2})(?:XX)?"), _century),
    (re.compile(r"(\d{4})-(\d{2})"), _month),
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), _day),
    (re.compile(r"(\d{4})-W(\d{1,2})"), _week),
    (re.compile(r"(\d{4})-W(\d{1,2})-WE"), _weekend),
    (re.compile(r"(\d{4})-Q(\d)"), _quarter),
    (re.compile(r"(\d{4})-H(\d)"), _half),
    (re.compile(r"(\d{4})-(SP|SU|FA|WI)"), _season),
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2})(?::(\d{2})(?::(\d{2}))?)?"), _clock),
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})T(MO|MI|AF|EV|NI|DT)"), _day_part),
)


# --- calendar arithmetic -------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def iso_week(day: date) -> str:
    """The ISO week value that contains `day` ("2023-W36")."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def easter(year: int) -> date:
    """Easter Sunday of a Gregorian year (the anonymous algorithm of Meeus, Jones and
    Butcher), from which the movable feasts are counted."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 (the algorithm's own names)
    m = (a + 11 * h + 19 * l) // 433
    month = (h + l - 7 * m + 90) // 25
    return date(year, month, (h + l - 7 * m + 33 * month + 19) % 32)


# The digits of a `unit`-long period inside a coarser one whose place in it is unknown.
_UNKNOWN_PART = {("month", "day"): "-XX", ("year", "month"): "-XX", ("year", "day"): "-XX-XX",
                 ("year", "week"): "-WXX"}  # fmt: skip


def unknown_within(value: str, have: str, unit: str) -> str | None:
    """A `unit`-long period somewhere in `value`, a `have`-long one ("1998-10" and "day":
    "1998-10-XX"), or None when TIMEX3 has no such value."""
    part = _UNKNOWN_PART.get((have, unit))
    return None if part is None else value + part


def period_of(day: date, unit: str) -> str:
    """The value of the `unit`-long period containing `day` (unit: a Granularity name)."""
    return _PERIOD_OF[unit](day)


def shift(day: date, unit: str, amount: int) -> date:
    """`day` moved by `amount` whole units (day, week, weekend, month, quarter, half, year...)."""
    if unit in ("day",):
        return day + timedelta(days=amount)
    if unit in ("week", "weekend"):
        return day + timedelta(weeks=amount)
    months = {"month": 1, "season": 3, "quarter": 3, "half": 6, "year": 12, "decade": 120,
              "century": 1200}[unit]  # fmt: skip
    moved = add_months(day, amount * months)
    return _clamped(moved.year, moved.month, day.day)


def _clamped(y: int, m: int, d: int) -> date:
    last = (add_months(date(y, m, 1), 1) - timedelta(days=1)).day
    return date(y, m, min(d, last))


def _season_of(day: date) -> str:
    if day.month in (1, 2):
        return f"{day.year - 1:04d}-WI"
    name = {3: "SP", 6: "SU", 9: "FA", 12: "WI"}[(day.month // 3) * 3]
    return f"{day.year:04d}-{name}"


_PERIOD_OF: dict[str, Callable[[date], str]] = {
    "day": lambda d: d.isoformat(),
    "week": iso_week,
    "weekend": lambda d: iso_week(d) + "-WE",
    "month": lambda d: f"{d.year:04d}-{d.month:02d}",
    "season": _season_of,
    "quarter": lambda d: f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}",
    "half": lambda d: f"{d.year:04d}-H{(d.month - 1) // 6 + 1}",
    "year": lambda d: f"{d.year:04d}",
    "decade": lambda d: f"{d.year // 10:03d}",
    "century": lambda d: f"{d.year // 100:02d}",
}
