"""Stage resolve: the shortcuts of its tense cues find what the plain forms find."""

from __future__ import annotations

import pytest

from timeline.find import load_language
from timeline.resolve import _REPORT_REACH, _nearest, _reported

TEXTS = [
    "The ministry said on Monday that talks, according to officials, would resume",
    "according to  the statement, he said, told reporters, and, said: Monday",
    "Officials SAID it; the Times reported\nlast week; x-said y_said said_ said-Monday",
    "it was, as he said earlier this year, according to plan; says; according to",
    "ſaid \u00e9said said\u0301 saidé 1said said1 'said' \"said\" (said) said.",
]


def _plain(left: str) -> bool:
    reporting = _nearest(load_language("en").tables["report"], left, "")
    return reporting is not None and reporting[0] <= _REPORT_REACH


@pytest.mark.parametrize("text", TEXTS)
def test_a_reporting_verb_next_to_the_mention_is_found_as_in_the_whole_clause(text: str) -> None:
    report = load_language("en").tables["report"]
    lefts = [text[a:b] for a in range(0, len(text), 7) for b in range(a, len(text) + 1)]
    assert [_reported(report, left) for left in lefts] == [_plain(left) for left in lefts]
    assert any(_plain(left) for left in lefts) and not all(_plain(left) for left in lefts)
