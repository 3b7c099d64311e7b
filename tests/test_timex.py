"""The TIMEX3 value language: intervals, granularities, containment, calendar arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from timeline.model import Granularity
from timeline.timex import (
    add_months,
    easter,
    iso_week,
    period_of,
    shift,
    time_value,
    unknown_within,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "start", "end", "granularity"),
    [
        ("2023", utc(2023, 1, 1), utc(2024, 1, 1), Granularity.YEAR),
        ("2023-09", utc(2023, 9, 1), utc(2023, 10, 1), Granularity.MONTH),
        ("2023-12", utc(2023, 12, 1), utc(2024, 1, 1), Granularity.MONTH),
        ("2023-09-05", utc(2023, 9, 5), utc(2023, 9, 6), Granularity.DAY),
        ("2023-W35", utc(2023, 8, 28), utc(2023, 9, 4), Granularity.WEEK),
        ("2023-W35-WE", utc(2023, 9, 2), utc(2023, 9, 4), Granularity.WEEKEND),
        ("2023-Q3", utc(2023, 7, 1), utc(2023, 10, 1), Granularity.QUARTER),
        ("2023-H2", utc(2023, 7, 1), utc(2024, 1, 1), Granularity.HALF),
        ("2023-SU", utc(2023, 6, 1), utc(2023, 9, 1), Granularity.SEASON),
        ("2023-WI", utc(2023, 12, 1), utc(2024, 3, 1), Granularity.SEASON),
        ("199", utc(1990, 1, 1), utc(2000, 1, 1), Granularity.DECADE),
        ("19", utc(1900, 1, 1), utc(2000, 1, 1), Granularity.CENTURY),
        ("2023-09-05T17:00", utc(2023, 9, 5, 17), utc(2023, 9, 5, 17, 1), Granularity.TIME),
        ("2023-09-05T17", utc(2023, 9, 5, 17), utc(2023, 9, 5, 18), Granularity.TIME),
        ("2023-09-05TMO", utc(2023, 9, 5, 6), utc(2023, 9, 5, 12), Granularity.TIME),
        ("2023-09-10/2023-09-13", utc(2023, 9, 10), utc(2023, 9, 14), Granularity.RANGE),
    ],
)
def test_calendar_values(value, start, end, granularity) -> None:
    tv = time_value(value)
    assert (tv.start, tv.end, tv.granularity) == (start, end, granularity)
    assert tv.is_dated


@pytest.mark.parametrize(
    ("value", "type", "granularity"),
    [
        ("P3Y", "DURATION", Granularity.DURATION),
        ("PT2H", "DURATION", Granularity.DURATION),
        ("P1W", "SET", Granularity.SET),
        ("XXXX-08", "DATE", Granularity.UNKNOWN),
        ("PAST_REF", "DATE", Granularity.PAST),
        ("PRESENT_REF", "DATE", Granularity.PRESENT),
        ("FUTURE_REF", "DATE", Granularity.FUTURE),
        ("2023-02-30", "DATE", Granularity.UNKNOWN),
        ("2023-W54", "DATE", Granularity.UNKNOWN),
        ("2023-09-13/2023-09-10", "DATE", Granularity.UNKNOWN),
    ],
)
def test_values_without_a_place_on_the_calendar(value, type, granularity) -> None:
    tv = time_value(value, type)
    assert (tv.start, tv.end, tv.granularity, tv.type) == (None, None, granularity, type)
    assert not tv.is_dated


@pytest.mark.parametrize(
    ("outer", "inner", "contains"),
    [
        ("2023-W35", "2023-08-30", True),
        ("2023-W35", "2023-09-04", False),
        ("2023-08", "2023-W35", False),
        ("2023-Q3", "2023-08", True),
        ("2023-SU", "2023-08-30", True),
        ("2023", "2023-09-10/2023-09-13", True),
        ("2023-09-10/2023-09-13", "2023-09-13", True),
        ("2023-09-10/2023-09-13", "2023-09-14", False),
        ("2023-09-05", "2023-09-05TEV", True),
        ("202", "2023", True),
        ("P3Y", "2023", False),
    ],
)
def test_containment(outer, inner, contains) -> None:
    assert time_value(outer).contains(time_value(inner)) is contains


def test_week_and_month_overlap_without_containing() -> None:
    week, month = time_value("2023-W35"), time_value("2023-09")
    assert week.overlaps(month) and not month.contains(week)


def test_interval_is_in_the_given_timezone() -> None:
    seoul = timezone(timedelta(hours=9))
    tv = time_value("2023-09-05", tz=seoul)
    assert tv.start == datetime(2023, 9, 5, tzinfo=seoul)


def test_mod_is_kept() -> None:
    assert time_value("2023-09", mod="START").mod == "START"


@pytest.mark.parametrize(
    ("day", "unit", "amount", "value"),
    [
        (date(2023, 9, 5), "week", -1, "2023-W35"),
        (date(2023, 1, 2), "week", -1, "2022-W52"),
        (date(2023, 9, 5), "month", -1, "2023-08"),
        (date(2023, 1, 31), "month", 1, "2023-02"),
        (date(2023, 9, 5), "quarter", -1, "2023-Q2"),
        (date(2023, 1, 15), "quarter", -1, "2022-Q4"),
        (date(2023, 9, 5), "year", -3, "2020"),
        (date(2023, 9, 5), "decade", -1, "201"),
        (date(2023, 9, 5), "day", -1, "2023-09-04"),
        (date(2023, 1, 15), "season", 0, "2022-WI"),
        (date(2023, 9, 5), "half", 0, "2023-H2"),
    ],
)
def test_shift_and_period(day, unit, amount, value) -> None:
    assert period_of(shift(day, unit, amount), unit) == value


def test_shift_keeps_the_day_within_a_shorter_month() -> None:
    assert shift(date(2024, 3, 31), "month", -1) == date(2024, 2, 29)


def test_iso_week_and_month_arithmetic() -> None:
    assert iso_week(date(2021, 1, 1)) == "2020-W53"
    assert add_months(date(2023, 11, 20), 3) == date(2024, 2, 1)


@pytest.mark.parametrize(
    ("value", "have", "unit", "expected"),
    [
        ("1998-10", "month", "day", "1998-10-XX"),
        ("1998", "year", "month", "1998-XX"),
        ("1998", "year", "day", "1998-XX-XX"),
        ("1998", "year", "week", "1998-WXX"),
        ("1998-Q3", "quarter", "day", None),  # TIMEX3 cannot say a day of a quarter
    ],
)
def test_unknown_within(value, have, unit, expected) -> None:
    assert unknown_within(value, have, unit) == expected


@pytest.mark.parametrize(
    ("year", "sunday"),
    [(1818, "1818-03-22"), (1943, "1943-04-25"), (2000, "2000-04-23"), (2008, "2008-03-23"),
     (2009, "2009-04-12"), (2024, "2024-03-31"), (2038, "2038-04-25"), (2285, "2285-03-22")],
)  # fmt: skip
def test_easter_falls_on_the_published_sunday(year: int, sunday: str) -> None:
    day = easter(year)
    assert day.isoformat() == sunday
    assert day.isoweekday() == 7
