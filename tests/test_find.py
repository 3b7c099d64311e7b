"""Stage find: spans as the TimeML guidelines draw them, and the rule language itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeline.find import compile_match, find, load_language


def spans(text: str) -> list[tuple[str, str]]:
    return [(c.text, c.rule.name) for c in find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reported on Monday", [("Monday", "weekday")]),
        ("visited Pyongyang in July", [("July", "month")]),
        ("since 2006", [("2006", "year")]),
        ("in the third quarter", [("the third quarter", "quarter")]),
        ("early next year", [("early next year", "mod_this_unit")]),
        ("over the past two weeks", [("the past two weeks", "duration_the")]),
        ("At the time, they met", [("the time", "at_the_time")]),
        ("April 25, 2019", [("April 25, 2019", "month_day_year")]),
        ("third-quarter profit", [("third-quarter", "quarter")]),
        # an adjective leaves "the" to its noun: the rule claims "the" from `quarter`
        ("the third-quarter loss", [("third-quarter", "quarter_adjective")]),
        ("The year-ago results", [("year-ago", "the_year_earlier")]),
        ("the eight-year war", [("eight-year", "duration")]),
    ],
)
def test_spans(text, expected) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    "text",
    ["the 70th anniversary", "You may go", "a march on the capital", "Section 2011a", "x1990"],
)
def test_not_time_expressions(text) -> None:
    assert find(text) == ()


def test_captured_fields_are_normalized() -> None:
    (candidate,) = find("Sept. 10-13")
    assert dict(candidate.fields) == {"month": "09", "day": "10", "day2": "13"}


def test_offsets_point_into_the_text_as_given() -> None:
    text = "Déjà vu —\u00a0on Aug.\u00a030, 2023 we met"
    (candidate,) = find(text)
    assert text[candidate.start : candidate.end] == candidate.text == "Aug.\u00a030, 2023"


def test_longest_match_wins() -> None:
    assert spans("on Thursday, April 25, 2019") == [
        ("Thursday, April 25, 2019", "weekday_month_day_year")
    ]


def test_optional_elements_and_joiners() -> None:
    tables = load_language("en").tables
    regex, groups = compile_match("the? <mod>? <month>", tables)
    assert regex.fullmatch("the early April") and regex.fullmatch("April")
    assert regex.fullmatch("early April") and regex.fullmatch("mid-April")
    assert groups == (("mod", "mod"), ("month", "month"))


def test_unknown_language_falls_back_to_english() -> None:
    assert [c.text for c in find("on Monday", language="xx")] == ["Monday"]


def test_offsets_survive_characters_that_lower_to_two() -> None:
    text = "İİİ İstanbul talks on Monday"
    (candidate,) = find(text)
    assert text[candidate.start : candidate.end] == candidate.text == "Monday"


def test_every_rule_begins_with_a_word_or_a_number() -> None:
    assert all(rule.starts for rule in load_language("en").rules)


@pytest.mark.parametrize("text", ["the the the the", "2023 2023 2023", "a a a year"])
def test_repeated_trigger_words(text) -> None:
    found = find(text)
    assert all(text[c.start : c.end] == c.text for c in found)


def test_resources_live_inside_the_package_so_the_wheel_ships_them() -> None:
    import timeline
    from timeline.find import RESOURCES

    assert RESOURCES.parent == Path(timeline.__file__).parent
    assert (RESOURCES / "en" / "time" / "rules").is_dir()


# ASCII text is scanned with its non-word characters blanked; other text with the plain
# trigger. Both must find the same expressions, whatever punctuation sits around them.
PUNCTUATED = [
    "the 1990's and the '90s, 'Friday' (Monday) -Tuesday- on 3/4/05",
    "1,000 shares; 1990.5 x1990 Mar.5 at 5:30p.m. o'clock, 10-15 March's",
    '"Last week," he said. [Sept. 5, 2023] {next year} <today> the year-earlier period',
    "Sales rose 5% in the third quarter/fiscal 1989 from a year ago;Friday's close",
]


@pytest.mark.parametrize("text", PUNCTUATED)
def test_ascii_and_other_text_find_the_same(text) -> None:
    ascii_found = [(c.start, c.end, c.rule.name) for c in find(text)]
    other_found = [(c.start, c.end, c.rule.name) for c in find(text + " \u00e9")]
    assert ascii_found and ascii_found == other_found
