"""The resolver on the kinds of expression the seed articles use, at their publish dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from timeline.model import Anchor, Granularity
from timeline.resolve import resolve_text

TUE = datetime(2023, 9, 5, 12, 0, tzinfo=UTC)  # most seeds
MON = datetime(2023, 9, 11, 9, 0, tzinfo=UTC)  # seed 002


def only(text: str, published: datetime = TUE):
    mentions = resolve_text(text, published)
    assert len(mentions) == 1, mentions
    return mentions[0]


SEED_CASES = [
    # text, published, span, value, granularity, anchor
    (
        "attend a reception in Vladivostok, Russia, April 25, 2019.",
        MON,
        "April 25, 2019",
        "2019-04-25",
        Granularity.DAY,
        Anchor.EXPLICIT,
    ),
    ("Kirby said on Aug. 30 that", TUE, "Aug. 30", "2023-08-30", Granularity.DAY, Anchor.PUBLISHED),
    (
        "Shoigu, who visited Pyongyang in July, had proposed",
        TUE,
        "July",
        "2023-07",
        Granularity.MONTH,
        Anchor.PUBLISHED,
    ),
    (
        "when he visited Vladivostok in April 2019",
        MON,
        "April 2019",
        "2019-04",
        Granularity.MONTH,
        Anchor.EXPLICIT,
    ),
    ("before his death in 2011.", TUE, "2011", "2011", Granularity.YEAR, Anchor.EXPLICIT),
    (
        "annexation of parts of Ukraine in 2022.",
        TUE,
        "2022",
        "2022",
        Granularity.YEAR,
        Anchor.EXPLICIT,
    ),
    (
        "the New York Times reported on Monday, citing",
        TUE,
        "Monday",
        "2023-09-04",
        Granularity.DAY,
        Anchor.PUBLISHED,
    ),
    (
        "according to a statement from the Kremlin on Monday.",
        MON,
        "Monday",
        "2023-09-11",
        Granularity.DAY,
        Anchor.PUBLISHED,
    ),
    (
        "On Saturday, Russia's ambassador told TASS",
        TUE,
        "Saturday",
        "2023-09-02",
        Granularity.DAY,
        Anchor.PUBLISHED,
    ),
    (
        "The Kremlin said last week that Moscow",
        TUE,
        "last week",
        "2023-W35",
        Granularity.WEEK,
        Anchor.PUBLISHED,
    ),
    (
        "Kim plans to travel to Russia this month",
        TUE,
        "this month",
        "2023-09",
        Granularity.MONTH,
        Anchor.PUBLISHED,
    ),
    (
        "Shoigu travelled last month to North Korea",
        TUE,
        "last month",
        "2023-08",
        Granularity.MONTH,
        Anchor.PUBLISHED,
    ),
    (
        "an economic forum in Vladivostok scheduled for Sept. 10-13.",
        MON,
        "Sept. 10-13",
        "2023-09-10/2023-09-13",
        Granularity.RANGE,
        Anchor.PUBLISHED,
    ),
    (
        "had been testing various missiles over recent years but",
        TUE,
        "recent years",
        "PAST_REF",
        Granularity.PAST,
        Anchor.VAGUE,
    ),
    (
        "Russia and North Korea have recently called for",
        TUE,
        "recently",
        "PAST_REF",
        Granularity.PAST,
        Anchor.VAGUE,
    ),
    (
        'Kim "will pay an official visit to Russia in the coming days"',
        MON,
        "the coming days",
        "FUTURE_REF",
        Granularity.FUTURE,
        Anchor.VAGUE,
    ),
    (
        "has conducted six nuclear tests since 2006 and",
        TUE,
        "2006",
        "2006",
        Granularity.YEAR,
        Anchor.EXPLICIT,
    ),
    (
        "a possible supplier of ammunition for some time because",
        MON,
        "some time",
        "PXX",
        Granularity.DURATION,
        Anchor.VAGUE,
    ),
]


@pytest.mark.parametrize(
    ("text", "published", "span", "value", "granularity", "anchor"),
    SEED_CASES,
    ids=[c[2] + " @ " + c[1].date().isoformat() for c in SEED_CASES],
)
def test_seed_expressions(text, published, span, value, granularity, anchor) -> None:
    mention = only(text, published)
    assert (mention.text, mention.value.value) == (span, value)
    assert mention.value.granularity == granularity
    assert mention.anchor == anchor
    assert text[mention.start : mention.end] == span
    assert mention.value.type == ("DATE" if value.endswith("_REF") or value[0].isdigit()
                                  else "DURATION")  # fmt: skip


def test_at_the_time_refers_back_to_the_previous_date() -> None:
    text = ("Kim has only been to Russia once, when he visited Vladivostok in April 2019. "
            "At the time, the talks with Putin focused on the nuclear program.")  # fmt: skip
    last = resolve_text(text, MON)[-1]
    assert (last.text, last.value.value, last.anchor) == ("the time", "2019-04", Anchor.TEXT)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Gonzalez said on CBS's ''60 Minutes'' that", []),
        ("The meeting lasted 60 minutes.", [("60 minutes", "PT60M")]),
        ("Talks Resume This Week", [("This Week", "2023-W36")]),  # a headline in title case
        ("The Senate votes this week.", [("this week", "2023-W36")]),
    ],
)
def test_a_programme_in_title_case_is_no_time_but_a_headline_keeps_its_date(
    text: str, found: list[tuple[str, str]]
) -> None:
    assert [(m.text, m.value.value) for m in resolve_text(text, TUE)] == found


def test_an_anniversary_is_not_a_date() -> None:
    assert resolve_text("to mark the 70th anniversary of the end of the Korean War", TUE) == ()


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("He was seen on Aug. 30, the day before police issued a warrant.", ["Aug. 30"]),
        ("He spoke there later in the day before returning home.", []),
        ("He was seen on Aug. 30, and on the day before.", ["Aug. 30", "the day before"]),
    ],
)
def test_before_that_opens_a_clause_makes_no_date(text, spans) -> None:
    assert [m.text for m in resolve_text(text, TUE)] == spans


def test_months_before_a_death_in_a_year() -> None:
    found = [(m.text, m.value.value) for m in resolve_text(
        "last visited Russia just months before his death in 2011.", TUE)]  # fmt: skip
    assert found == [("months", "PXM"), ("2011", "2011")]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Kim will meet Putin on Monday.", "2023-09-11"),
        ("Putin said on Monday that", "2023-09-04"),
        ("The forum plans to open in July.", "2024-07"),
        ("The forum opened in July.", "2023-07"),
        ("He will arrive next Tuesday.", "2023-09-12"),
        ("He arrived last Tuesday.", "2023-08-29"),
        ("The vote is on Tuesday.", "2023-09-05"),
        # a preposition right before the date outweighs the verbs around it
        ("The sale, which had been expected, closes by February.", "2024-02"),
        ("The index is up 5% since Thursday.", "2023-08-31"),
        # opening the sentence, the preposition takes the tense of the clause after it
        ("Until Thursday, they had not called him a suspect.", "2023-08-31"),
        ("Until Thursday, the talks will go on.", "2023-09-07"),
        ("By Friday, the rebels had taken the city.", "2023-09-01"),
        # "planned to" looks ahead; "planned" alone is a participle like any other
        ("She set aside plans on Friday for a hastily planned trip.", "2023-09-01"),
        ("The team planned to leave on Friday.", "2023-09-08"),
        ("Exiles set a rally on Saturday and were planning a march.", "2023-09-09"),
        # an abbreviation's stop does not end the sentence the cue is in
        ("He will visit Mr. Kim on Monday.", "2023-09-11"),
        # a past form after a passive "be" is a participle of what is to come
        ("The summit will be held on Monday.", "2023-09-11"),
        ("The summit was held on Monday.", "2023-09-04"),
        # after an article a past form is an adjective, no past tense
        ("The split would be paid on an unspecified date in January.", "2024-01"),
        # what is likely, or a time being entered, is to come, however near a past form
        ("A study predicted the virus was likely to spread in the winter.", "2023-WI"),
        ("Farmers warned that herds heading into their winter need more feed.", "2023-WI"),
        ("Shops that closed are likely to reopen on Thursday.", "2023-09-07"),
        (
            "Doctors are preparing for winter as the virus that faded in the heat spreads again.",
            "2023-WI",
        ),
        # what is said or thought to be so tells the present: its "to be" is no future
        ("The climber is said to be resting after a fall on Monday.", "2023-09-04"),
        ("The bridge is thought to be safe after repairs on Sunday.", "2023-09-03"),
        ("The bridge is expected to be open on Friday.", "2023-09-08"),
        # a reporting verb right after the date dates the report, whatever it tells of
        ("The agency on Thursday said it would stop.", "2023-08-31"),
        ("The agency on Thursday formally declared it would stop.", "2023-08-31"),
        ("Best to fix the roof early, not in winter when they say storms are worse.", "2023-WI"),
    ],
)
def test_tense_decides_the_side_of_the_anchor(text, value) -> None:
    assert only(text).value.value == value


@pytest.mark.parametrize(
    "verb", ["spoke", "wrote", "knew", "flew", "ran", "told", "sold", "led", "fled", "caught"]
)
def test_an_irregular_past_form_looks_back(verb: str) -> None:
    # the day after the anchor's unless the verb says it has happened
    assert only(f"The minister {verb} them on Wednesday.").value.value == "2023-08-30"
    assert only("The minister is with them on Wednesday.").value.value == "2023-09-06"


@pytest.mark.parametrize("verb", ["sold", "led", "caught", "heard", "kept"])
def test_a_participle_after_be_looks_ahead(verb: str) -> None:
    assert only(f"They will be {verb} on Wednesday.").value.value == "2023-09-06"


STORY = datetime(2009, 5, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "span", "value"),
    [
        # a year-less date takes the year named just before it in its sentence
        ("In 1918, a first wave of the illness came in April.", "April", "1918-04"),
        ("Last year, in September the river flooded.", "September", "2008-09"),
        ("Two years ago, on the 23rd of April, it opened.", "the 23rd of April", "2007-04-23"),
        # ... unless the sentence looks the other way
        ("The firm, set up in 1998, will meet in June.", "June", "2009-06"),
        # ... or comes back to the present first
        ("Back in 1918 it began at the time we see now (March to April).", "March", "2009-03"),
        # ... or is too far from it, or in the next sentence
        (
            "In 1918 a virus spread around the world, and officials who study it now expect"
            " the worst in June.",
            "June",
            "2009-06",
        ),
        ("In 1918 a virus spread. In June it came back.", "June", "2009-06"),
        # a dateline is the publish date whatever year the headline names
        (
            "Mine set to open in 2013 LYON, France, May 1 (Reuters) - A",
            "May 1",
            "2009-05-01",
        ),
    ],
)
def test_a_year_less_date_keeps_to_the_year_of_its_sentence(text, span, value) -> None:
    mentions = {m.text: m for m in resolve_text(text, STORY)}
    assert mentions[span].value.value == value


def test_the_present_perfect_looks_back() -> None:
    published = datetime(1998, 2, 23, tzinfo=UTC)
    mention = only("Fuel costs have come down from the middle of October.", published)
    assert mention.value.value == "1997-10"


def test_the_stop_of_a_dotted_abbreviation_ends_no_sentence() -> None:
    found = resolve_text("Trading will open at 9 a.m. Eastern time on Monday.", TUE)
    assert [m.value.value for m in found] == ["2023-09-05T09:00", "2023-09-11"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # "vs." is listed: the past tense after it still counts ("killed")
        ("In January, a week after the Roe vs. Wade ruling, a bomb killed a guard.", "2023-01"),
        # a real sentence end: nothing in the sentence says the past, so the near January
        ("In January, a week after the ruling. Wade will visit.", "2024-01"),
    ],
)
def test_a_listed_lower_case_abbreviation_ends_no_sentence(text, value) -> None:
    found = resolve_text(text, datetime(2023, 10, 25, tzinfo=UTC))
    assert found[0].text == "January"
    assert found[0].value.value == value


@pytest.mark.parametrize(
    ("text", "value", "anchor"),
    [
        ("He arrived on Aug. 30 and left the next day.", "2023-08-31", Anchor.TEXT),
        ("Sales rose in the third quarter from a year earlier.", "2022-Q3", Anchor.TEXT),
        # the report's period, though a day was named after it
        (
            "A third-quarter loss (quarter ended Sept. 30); a year ago, a profit.",
            "2022-Q3",
            Anchor.TEXT,
        ),
        ("He left the next day.", "2023-09-06", Anchor.PUBLISHED),
        # a span of months or a whole year named after the quarter turns the report from it
        (
            "Profit fell in the third quarter. In the nine months, net rose from a year earlier.",
            "2022",
            Anchor.TEXT,
        ),
        (
            "Third-quarter sales rose. Last year, profit fell from a year ago.",
            "2022",
            Anchor.PUBLISHED,
        ),
    ],
)
def test_expressions_counted_from_a_date_in_the_text(text, value, anchor) -> None:
    last = resolve_text(text, TUE)[-1]
    assert (last.value.value, last.anchor) == (value, anchor)


@pytest.mark.parametrize(
    "text",
    [
        "Third-quarter profit fell; it expects a fourth-quarter loss. A year ago, it earned more.",
        "Third-quarter profit fell; last month it cut jobs. It earned more a year ago.",
        "Third-quarter profit fell; it sees a loss in the third quarter of 2024. A year earlier, "
        "it earned more.",
        "Third-quarter profit rose from a flat second quarter. A year ago, it earned more.",
    ],
)
def test_a_report_is_about_the_period_over_not_a_forecast_or_a_month(text) -> None:
    published = datetime(2023, 11, 2, 12, tzinfo=UTC)
    assert resolve_text(text, published)[-1].value.value == "2022-Q3"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (
            "Third-quarter profit fell; a fourth-quarter charge looms. The latest quarter was bad.",
            "2023-Q3",
        ),
        ("It expects to earn $2 a share in 2025. It forecast a gain for the full year.", "2023"),
    ],
)
def test_the_period_is_the_one_reported_on_not_a_forecast(text, value) -> None:
    published = datetime(2023, 11, 2, 12, tzinfo=UTC)
    assert resolve_text(text, published)[-1].value.value == value


def test_the_fourth_quarter_in_january_is_last_years() -> None:
    published = datetime(2024, 1, 26, 12, tzinfo=UTC)
    mention = only("Profits fell 18% in the fourth quarter.", published)
    assert mention.value.value == "2023-Q4"


def test_a_day_is_never_invented_from_a_month() -> None:
    found = resolve_text("He arrived in July. The next day he left.", TUE)
    assert [m.value.value for m in found] == ["2023-07"]


def test_the_same_day_of_a_month_is_a_day_of_it() -> None:
    found = resolve_text("He died last October; that same day his name was crossed out.", TUE)
    assert [m.value.value for m in found] == ["2022-10", "2022-10-XX"]
    assert found[1].anchor == Anchor.TEXT


def test_hours_later_than_a_day_are_a_length() -> None:
    found = resolve_text("He was shot on Aug. 30. Just over an hour later, he died.", TUE)
    assert [(m.text, m.value.value) for m in found][1] == ("an hour later", "PT1H")


@pytest.mark.parametrize(
    ("order", "value", "noted"),
    [("MDY", "2005-03-04", True), ("DMY", "2005-04-03", True), ("YMD", "2003-04-05", True)],
)
def test_ambiguous_numeric_dates_follow_the_order_and_say_so(order, value, noted) -> None:
    (mention,) = resolve_text("filed on 03/04/05 in court", TUE, date_order=order)
    assert mention.value.value == value
    assert bool(mention.notes) is noted


@pytest.mark.parametrize(
    ("text", "value"),
    [("12/25/2020", "2020-12-25"), ("13/04/2005", "2005-04-13"), ("2005/04/13", "2005-04-13")],
)
def test_unambiguous_numeric_dates_carry_no_note(text, value) -> None:
    (mention,) = resolve_text(f"filed on {text} in court", TUE)
    assert (mention.value.value, mention.notes) == (value, ())


def test_an_unknown_date_order_gives_no_date_and_no_error() -> None:
    assert resolve_text("filed on 03/04/05", TUE, date_order="XYZ") == ()


def test_values_carry_the_timezone_of_the_anchor() -> None:
    seoul = timezone(timedelta(hours=9))
    (mention,) = resolve_text("said on Monday", datetime(2023, 9, 5, 8, tzinfo=seoul))
    assert mention.value.start == datetime(2023, 9, 4, tzinfo=seoul)


def test_mentions_are_sorted_by_start() -> None:
    found = resolve_text("In 2011, and on Monday, and last week, and in July.", TUE)
    assert [m.start for m in found] == sorted(m.start for m in found)
    assert len(found) == 4


def test_a_dateline_confirms_the_publish_date() -> None:
    (mention,) = resolve_text("SEOUL, Sept. 5 (Reuters) - North Korea said", TUE)
    assert (mention.value.value, mention.notes) == ("2023-09-05", ())


def test_a_dateline_that_disagrees_is_noted() -> None:
    (mention,) = resolve_text("SEOUL, Sept. 4 (Reuters) - North Korea said", TUE)
    assert mention.value.value == "2023-09-04"
    assert mention.notes == ("the dateline says 2023-09-04, the article is dated 2023-09-05",)


def test_a_date_before_a_bracket_inside_a_sentence_is_no_dateline() -> None:
    text = "Officials said the vote, first planned for Sept. 4 (a Monday), was moved."
    (mention,) = [m for m in resolve_text(text, TUE) if m.text == "Sept. 4"]
    assert (mention.value.value, mention.notes) == ("2023-09-04", ())


def test_a_naive_publish_date_is_taken_as_utc() -> None:
    (mention,) = resolve_text("said on Monday", datetime(2023, 9, 5, 12))
    assert (mention.value.value, mention.value.start) == (
        "2023-09-04",
        datetime(2023, 9, 4, tzinfo=UTC),
    )


KINDS = [
    # relative to the publish date (Tuesday 2023-09-05)
    ("visited three years ago", "three years ago", "2020", "DATE"),
    ("For now, the talks are over.", "now", "PRESENT_REF", "DATE"),
    ("Now the talks are over.", "Now", "PRESENT_REF", "DATE"),
    ("sales will rise next month", "next month", "2023-10", "DATE"),
    ("met earlier this year", "earlier this year", "2023", "DATE"),
    ("he left two weeks ago", "two weeks ago", "2023-W34", "DATE"),
    ("a decade ago", "a decade ago", "201", "DATE"),
    ("he said this morning", "this morning", "2023-09-05TMO", "TIME"),
    ("bids are due by 5 p.m.", "5 p.m.", "2023-09-05T17:00", "TIME"),
    ("tonight", "tonight", "2023-09-05TNI", "TIME"),
    ("in mid-August", "mid-August", "2023-08", "DATE"),
    ("over the weekend", "the weekend", "2023-W35-WE", "DATE"),
    ("last summer", "last summer", "2023-SU", "DATE"),
    ("in the third quarter", "the third quarter", "2023-Q3", "DATE"),
    ("on Christmas Day", "Christmas Day", "2023-12-25", "DATE"),
    # explicit
    ("in fiscal 1998", "fiscal 1998", "1998", "DATE"),
    ("in the 1990s", "the 1990s", "199", "DATE"),
    ("in the 19th century", "the 19th century", "18", "DATE"),
    ("in the first half of 2024", "the first half of 2024", "2024-H1", "DATE"),
    ("on 25 December 2022", "25 December 2022", "2022-12-25", "DATE"),
    ("since the end of 2021", "the end of 2021", "2021", "DATE"),
    # durations, sets, vague references
    ("over the past decade", "the past decade", "P10Y", "DURATION"),
    ("for three years", "three years", "P3Y", "DURATION"),
    ("over the past two weeks", "the past two weeks", "P2W", "DURATION"),
    ("within 18 months", "18 months", "P18M", "DURATION"),
    ("a two-hour meeting", "two-hour", "PT2H", "DURATION"),
    ("meets every week", "every week", "P1W", "SET"),
    ("paid annually", "annually", "P1Y", "SET"),
    ("Now the talks resume", "Now", "PRESENT_REF", "DATE"),
    ("it is currently short", "currently", "PRESENT_REF", "DATE"),
    ("in the future", "the future", "FUTURE_REF", "DATE"),
]


@pytest.mark.parametrize(("text", "span", "value", "type"), KINDS, ids=[k[0] for k in KINDS])
def test_kinds_of_expression(text, span, value, type) -> None:
    mention = only(text)
    assert (mention.text, mention.value.value, mention.value.type) == (span, value, type)


def test_mods_are_kept() -> None:
    assert only("in late 2022").value.mod == "END"
    assert only("for about a week").value.mod == "APPROX"


@pytest.mark.parametrize(
    ("published", "value"),
    [
        (datetime(2009, 5, 1, tzinfo=UTC), "2009-WI"),  # the coming winter
        (datetime(2009, 3, 5, tzinfo=UTC), "2008-WI"),  # the winter just over
        (datetime(2009, 1, 15, tzinfo=UTC), "2008-WI"),  # the winter it is in
        (datetime(2009, 10, 20, tzinfo=UTC), "2009-WI"),
    ],
)
def test_this_season_is_named_by_the_anchor_whatever_the_tense(published, value) -> None:
    mention = only("Officials warned of an epidemic this winter.", published)
    assert (mention.text, mention.value.value) == ("this winter", value)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("There were 1500 cases in the state.", []),
        ("The islands stretch 1600 miles.", []),
        ("Demand is up 1000% this month.", [("this month", "2023-09")]),
        ("The risk of dying is 1 in 1000.", []),
        ("The plague of 1347 killed millions.", [("1347", "1347")]),
        ("A census was taken in 1851 and 1500 people were counted.", [("1851", "1851")]),
    ],
)
def test_a_number_before_1800_is_a_year_only_after_a_word_leading_to_one(
    text: str, found: list[tuple[str, str]]
) -> None:
    assert [(m.text, m.value.value) for m in resolve_text(text, TUE)] == found
