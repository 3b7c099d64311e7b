"""Date labels say exactly as much as the value knows; <time datetime> gets a valid HTML value."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from timeline.labels import interval, label, machine, provenance
from timeline.model import Anchor, Granularity, Mention, TimeValue

G = Granularity


def tv(value: str, g: Granularity, start: tuple[int, ...], end: tuple[int, ...], mod=None):
    return TimeValue(
        value, "DATE", g, datetime(*start, tzinfo=UTC), datetime(*end, tzinfo=UTC), mod
    )


@pytest.mark.parametrize(
    ("value", "expected_label", "expected_machine"),
    [
        (tv("2023-07", G.MONTH, (2023, 7, 1), (2023, 8, 1)), "July 2023", "2023-07"),
        (tv("2023-W35", G.WEEK, (2023, 8, 28), (2023, 9, 4)), "week of 28 Aug 2023", "2023-W35"),
        (
            tv("2023-09-10/2023-09-13", G.RANGE, (2023, 9, 10), (2023, 9, 14)),
            "10–13 Sep 2023",
            "2023-09-10/2023-09-13",
        ),
        (tv("2023-08-30", G.DAY, (2023, 8, 30), (2023, 8, 31)), "30 Aug 2023", "2023-08-30"),
        (tv("2023-SU", G.SEASON, (2023, 6, 1), (2023, 9, 1)), "summer 2023", "2023"),
        (tv("2023-08", G.MONTH, (2023, 8, 1), (2023, 9, 1), "END"), "late August 2023", "2023-08"),
        (
            tv("2023-09-05TMO", G.TIME, (2023, 9, 5, 6), (2023, 9, 5, 12)),
            "morning of 5 Sep 2023",
            "2023-09-05",
        ),
    ],
)
def test_label_and_machine_value(value, expected_label, expected_machine):
    assert label(value) == expected_label
    assert machine(value) == expected_machine


def test_interval_spells_out_the_days_of_a_week():
    week = tv("2023-W35", G.WEEK, (2023, 8, 28), (2023, 9, 4))
    assert interval(week) == "28 Aug – 3 Sep 2023"


WEEK = "week of 28 Aug 2023 (28 Aug – 3 Sep 2023)"


@pytest.mark.parametrize(
    ("text", "anchor", "expected"),
    [
        (
            "last week",
            Anchor.PUBLISHED,
            "“last week” in an article published 5 Sep 2023 → " + WEEK,
        ),
        (
            "Aug. 28, 2023",
            Anchor.EXPLICIT,
            "“Aug. 28, 2023” names the date itself → " + WEEK,
        ),
        (
            "that week",
            Anchor.TEXT,
            "“that week”, read from an earlier date in the same article → " + WEEK,
        ),
    ],
)
def test_provenance_tells_how_the_date_was_obtained(text, anchor, expected):
    week = tv("2023-W35", G.WEEK, (2023, 8, 28), (2023, 9, 4))
    mention = Mention(0, len(text), text, week, anchor)
    assert provenance(mention, datetime(2023, 9, 5, tzinfo=UTC)) == expected
