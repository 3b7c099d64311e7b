"""TempEval-3 Task A scoring and TimeML reading/writing, on small documents written here."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from timeline.evaluate import evaluate, format_report, to_timeml
from timeline.evaluate.timeml import read_timeml
from timeline.resolve import resolve_text

DOC = """<?xml version="1.0" ?>
<TimeML>
<DOCID>TEST1</DOCID>
<DCT><TIMEX3 tid="t0" type="DATE" value="2023-09-05T10:00:00" temporalFunction="false" \
functionInDocument="CREATION_TIME">20230905</TIMEX3></DCT>
<TEXT>
The Times <EVENT eid="e1">reported</EVENT> on <TIMEX3 tid="t1" type="DATE" \
value="2023-09-04">Monday</TIMEX3> that Kim &amp; Putin met <TIMEX3 tid="t2" type="DATE" \
value="2023-W35">last week</TIMEX3>, and <TIMEX3 tid="t3" type="DATE" value="2023-07">in \
July</TIMEX3> and for <TIMEX3 tid="t4" type="DURATION" value="P2Y">two years</TIMEX3>.
</TEXT>
</TimeML>
"""


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "test1.tml"
    path.write_text(DOC, encoding="utf-8")
    return path


def test_read_timeml_gives_plain_text_offsets(doc: Path) -> None:
    parsed = read_timeml(doc)
    assert parsed.id == "TEST1"
    assert parsed.created == datetime(2023, 9, 5, 10, tzinfo=UTC)
    assert [(g.text, g.value) for g in parsed.gold] == [
        ("Monday", "2023-09-04"), ("last week", "2023-W35"), ("in July", "2023-07"),
        ("two years", "P2Y"),
    ]  # fmt: skip
    assert all(parsed.text[g.start : g.end] == g.text for g in parsed.gold)
    assert "Kim & Putin" in parsed.text


def test_scores_strict_relaxed_and_value(doc: Path) -> None:
    report = evaluate([doc.parent])
    # The system finds all four, "July" only overlapping the gold "in July".
    assert (report.gold, report.system) == (4, 4)
    assert report.relaxed.f1 == pytest.approx(1.0)
    assert report.strict.precision == pytest.approx(0.75)
    assert report.value_f1 == pytest.approx(1.0)


def test_wrong_values_are_listed_as_errors(doc: Path) -> None:
    doc.write_text(DOC.replace('value="2023-W35"', 'value="2023-W30"'), encoding="utf-8")
    report = evaluate([doc])
    assert report.value_accuracy == pytest.approx(0.75)
    text = format_report(report, errors=True)
    assert "value    TEST1" in text and "2023-W30" in text and "value F1" in text


def test_to_timeml_round_trips(tmp_path: Path) -> None:
    text = "Kim & Putin met on Monday, said Watson <on Tuesday>."
    published = datetime(2023, 9, 5, tzinfo=UTC)
    mentions = resolve_text(text, published)
    path = tmp_path / "out.tml"
    path.write_text(to_timeml(text, mentions, published), encoding="utf-8")
    parsed = read_timeml(path)
    assert parsed.text == text
    assert [(g.start, g.end, g.value) for g in parsed.gold] == [
        (m.start, m.end, m.value.value) for m in mentions
    ]
    assert parsed.created == published


def test_a_file_that_is_not_timeml_is_skipped_and_named(doc: Path) -> None:
    (doc.parent / "broken.tml").write_text("<TimeML><TEXT>unclosed", encoding="utf-8")
    report = evaluate([doc.parent])
    assert report.documents == 1
    assert len(report.skipped) == 1 and "broken.tml" in report.skipped[0]
    assert "skipped" in format_report(report)
