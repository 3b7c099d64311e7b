"""Stage resolve: the outcomes it reuses across candidates and texts are those worked out afresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from timeline import resolve
from timeline.model import Mention
from timeline.resolve import resolve_text

TUE = datetime(2023, 9, 5, 12, tzinfo=UTC)
NEW_YEAR = datetime(2024, 1, 3, 12, tzinfo=UTC)
TOKYO = datetime(2023, 9, 5, 23, 30, tzinfo=timezone(timedelta(hours=9)))

# The same expressions under another tense, anchor, timezone or date order.
TEXTS = [
    ("The talks ended on Monday.", TUE, "MDY"),
    ("The talks will resume on Monday.", TUE, "MDY"),
    ("The talks will resume on Monday.", NEW_YEAR, "MDY"),
    ("He was elected in December.", NEW_YEAR, "MDY"),
    ("He will be sworn in in December.", NEW_YEAR, "MDY"),
    ("Sales rose this week, three years after the merger, on 03/04/05.", TUE, "MDY"),
    ("Sales rose this week, three years after the merger, on 03/04/05.", TUE, "DMY"),
    ("Sales rose this week, three years after the merger, on 03/04/05.", TOKYO, "DMY"),
    ("The fourth quarter was weak, Friday's close too.", NEW_YEAR, "MDY"),
    ("The fourth quarter was weak, Friday's close too.", TUE, "MDY"),
]


def fresh(text: str, published: datetime, date_order: str) -> tuple[Mention, ...]:
    resolve._REUSED.clear()
    return resolve_text(text, published, date_order=date_order)


@pytest.mark.parametrize("step", [1, -1])
def test_reused_outcomes_are_those_worked_out_afresh(step: int) -> None:
    expected = [fresh(*case) for case in TEXTS]
    resolve._REUSED.clear()
    found = [resolve_text(t, p, date_order=order) for t, p, order in TEXTS[::step]][::step]
    assert found == expected


@pytest.mark.parametrize(
    ("one", "other"),
    [(0, 1), (1, 2), (3, 4), (5, 6), (6, 7), (8, 9)],  # indices into TEXTS
)
def test_the_cases_differ_where_only_the_context_does(one: int, other: int) -> None:
    values = [[m.value for m in fresh(*TEXTS[i])] for i in (one, other)]
    assert values[0] != values[1]  # the value, or its interval
