"""The resolver never raises, whatever the text, and its offsets always point at the text."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from timeline.resolve import resolve_text

WORDS = st.sampled_from([
    "Monday", "last", "week", "Aug.", "30", "2023", "the", "next", "day", "3/4/05", "ago",
    "three", "years", "p.m.", "5", "-", ",", "May", "in", "July", "said", "will", "12:30",
    "31/02/2023", "fiscal", "quarter", "the time", "at", "earlier", "9999", "0", "1e9",
    "before", "after", "Christmas", "Easter", "week", "GMT", "1400", "local time", "(", ")",
    "and", "Jun", "2009,", "wrote:", "1918", "Tuesday", "on", "now", "today's", "of",
])  # fmt: skip
TEXTS = st.one_of(st.text(), st.lists(WORDS, max_size=30).map(" ".join))
PUBLISHED = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(TEXTS, PUBLISHED, st.sampled_from(["MDY", "DMY", "YMD"]))
def test_any_text_resolves_without_raising(text: str, published: datetime, order: str) -> None:
    mentions = resolve_text(text, published, date_order=order)
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text
        assert mention.text
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)
    ends = [m.end for m in mentions]
    assert all(a <= b.start for a, b in zip(ends, mentions[1:], strict=False))
