"""Stage "events": sentences, titles, status and which mentions date an event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from timeline.events import (
    event_mentions,
    extract_events,
    focused,
    make_title,
    split_clauses,
    split_sentences,
    telling,
)
from timeline.model import Anchor, Article, Granularity, Mention, Status, TimeValue

PUBLISHED = datetime(2023, 9, 5, tzinfo=UTC)


def day(y: int, m: int, d: int) -> TimeValue:
    start = datetime(y, m, d, tzinfo=UTC)
    return TimeValue(
        f"{y:04d}-{m:02d}-{d:02d}", "DATE", Granularity.DAY, start, start + timedelta(1)
    )


def month(y: int, m: int) -> TimeValue:
    start = datetime(y, m, 1, tzinfo=UTC)
    end = datetime(y + m // 12, m % 12 + 1, 1, tzinfo=UTC)
    return TimeValue(f"{y:04d}-{m:02d}", "DATE", Granularity.MONTH, start, end)


def year(y: int) -> TimeValue:
    return TimeValue(
        str(y),
        "DATE",
        Granularity.YEAR,
        datetime(y, 1, 1, tzinfo=UTC),
        datetime(y + 1, 1, 1, tzinfo=UTC),
    )


PAST_REF = TimeValue("PAST_REF", "DATE", Granularity.PAST)
FUTURE_REF = TimeValue("FUTURE_REF", "DATE", Granularity.FUTURE)


def article(body: str, published: datetime = PUBLISHED) -> Article:
    return Article(id="a1", path="a1.md", title="T", published=published, body=body)


def mention(body: str, text: str, value: TimeValue, nth: int = 0) -> Mention:
    start = -1
    for _ in range(nth + 1):
        start = body.index(text, start + 1)
    return Mention(start, start + len(text), text, value, Anchor.PUBLISHED)


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Kirby said on Aug. 30 that talks advanced. Kim left.",
            ["Kirby said on Aug. 30 that talks advanced.", "Kim left."],
        ),
        (
            "The U.S. and N. Korea met. Mr Kim and Mr. Putin spoke. Then it rained.",
            ["The U.S. and N. Korea met.", "Mr Kim and Mr. Putin spoke.", "Then it rained."],
        ),
        (
            '"Why not. We are neighbours," Shoigu said on Monday. He smiled.',
            ['"Why not. We are neighbours," Shoigu said on Monday.', "He smiled."],
        ),
        (
            "“It is over. Go home.” The crowd left.",
            ["“It is over. Go home.”", "The crowd left."],
        ),
        (
            "Headline without stop\nBody starts here. Second one.",
            ["Headline without stop", "Body starts here.", "Second one."],
        ),
        ("Prices rose 2.5 percent. Stocks fell.", ["Prices rose 2.5 percent.", "Stocks fell."]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_semicolon_makes_a_clause() -> None:
    text = "Talks began on Monday; a deal followed on Friday."
    assert [text[s:e] for s, e in split_clauses(text)] == [
        "Talks began on Monday;",
        "a deal followed on Friday.",
    ]


@pytest.mark.parametrize(
    ("clause", "title"),
    [
        ("Kim left.", "Kim left."),
        (
            "According to the New York Times report, the visit is to take place in Vladivostok.",
            "The visit is to take place in Vladivostok.",
        ),
        (
            "one two three four five six seven eight nine ten eleven twelve thirteen, fourteen 15",
            "One two three four five six seven eight nine ten eleven twelve thirteen, fourteen…",
        ),
        (
            '"Why not, these are our neighbours," Interfax quoted Shoigu as saying on Monday.',
            "Interfax quoted Shoigu as saying on Monday",
        ),
    ],
)
def test_make_title(clause: str, title: str) -> None:
    assert make_title(clause) == title


YONHAP = (
    "South Korean news agency Yonhap earlier cited South Korea's intelligence agency as saying "
    "Shoigu, who visited Pyongyang in July, had proposed to Kim that their countries hold a "
    "naval exercise, along with China."
)
KIM_IL = (
    "Kim's father, the reclusive Kim Jong Il who famously shunned planes and travelled by "
    "armoured train only, last visited Russia just months before his death in 2011."
)
NYT_MONDAY = (
    "In a rare trip abroad, Kim would travel from Pyongyang to Vladivostok, "
    "the New York Times reported on Monday, citing U.S. and allied sources."
)


@pytest.mark.parametrize(
    ("clause", "date", "title"),
    [
        # Attribution in front goes, unless the date is the statement's own.
        (YONHAP, "July", "Shoigu visited Pyongyang in July"),
        (
            "Smith said the cases are now in 14 towns, up from 9 yesterday.",
            "yesterday",
            "The cases are now in 14 towns, up from 9 yesterday.",
        ),
        (
            "Kirby said on Aug. 30 that the United States was concerned about the arms talks.",
            "Aug. 30",
            "Kirby said on Aug. 30 that the United States was concerned about the arms…",
        ),
        (
            "Sir Liam said in his report today that closing schools would be impractical.",
            "today",
            "Sir Liam said in his report today that closing schools would be impractical.",
        ),
        (
            "The council said on Wednesday the city is at the edge of a drought.",
            "Wednesday",
            "The council said on Wednesday the city is at the edge of a drought.",
        ),
        # A clause cut before its attribution does not end on the comma.
        (
            "The bridge will reopen to traffic on April 15,",
            "April 15",
            "The bridge will reopen to traffic on April 15",
        ),
        # What follows the verb is its object, not a statement of its own: the attribution stays.
        (
            "The New York Times reported on the meeting last week.",
            "last week",
            "The New York Times reported on the meeting last week.",
        ),
        # Attribution as the last piece goes; holding the date, it leads.
        (
            "A man in his 30s died last week, health officials said.",
            "last week",
            "A man in his 30s died last week.",
        ),
        (
            NYT_MONDAY,
            "Monday",
            "The New York Times reported on Monday: in a rare trip abroad, Kim…",
        ),
        # Asides go when too long; the cut ends on a whole word and a whole name.
        (KIM_IL, "2011", "Kim's father last visited Russia just months before his death in 2011."),
        # Content after "said" is no closing attribution; a list piece is no aside.
        (
            "Just last week, the weather service said that a storm was imminent.",
            "last week",
            "Just last week, the weather service said that a storm was imminent.",
        ),
        (
            "The young, the old and people who live alone near the coast, such as fishermen, "
            "often suffer in storms in winter.",
            "winter",
            "The young, the old and people who live alone near the coast, such…",
        ),
        (
            "White House national security spokesman John Kirby said on Aug. 30 that the United "
            "States was worried.",
            "Aug. 30",
            "White House national security spokesman John Kirby said on Aug. 30…",
        ),
        (
            "Shoigu visited North Korea in July and tried hard to convince leaders of the "
            "government to sell shells.",
            "July",
            "Shoigu visited North Korea in July and tried hard to convince leaders…",
        ),
    ],
)
def test_title_is_built_around_the_date(clause: str, date: str, title: str) -> None:
    assert make_title(clause, mention=date) == title


@pytest.mark.parametrize(
    ("worse", "better", "date"),
    [
        # A date told in an aside ranks below the same date in the main predicate.
        (
            YONHAP,
            "Russian defence minister Sergei Shoigu visited North Korea in July to try to "
            "convince Pyongyang to sell artillery ammunition to Russia.",
            "July",
        ),
        # Opening with a pronoun, after an opening date piece, ranks below naming who acted.
        (
            "On Monday, he signalled the two countries were discussing joint exercises.",
            "Interfax quoted Russian defence minister Sergei Shoigu as saying on Monday.",
            "Monday",
        ),
        (
            "On April 29 it raised its fire warning to 4 on a 5-level scale.",
            "The agency raised its fire warning on April 29 to 4 on the scale, meaning a fire "
            "is likely.",
            "April 29",
        ),
        # A statement ranks below the happening itself.
        (
            "Officials said on Friday that the hotel was sealed off by police.",
            "Police sealed off the Metropark hotel on Friday after test results came in.",
            "Friday",
        ),
    ],
)
def test_telling_rank_prefers_what_happened(worse: str, better: str, date: str) -> None:
    assert telling(better, mention=date).rank > telling(worse, mention=date).rank


@pytest.mark.parametrize(
    ("body", "text", "mod"),
    [
        ("North Korea has conducted six nuclear tests since 2006.", "2006", "ON_OR_AFTER"),
        ("The school would be closed until Thursday.", "Thursday", "ON_OR_BEFORE"),
        ("Cases soared to 498 by Friday.", "Friday", "ON_OR_BEFORE"),
        ("North Korea tested a missile in 2006.", "2006", None),
    ],
)
def test_a_date_after_since_or_until_is_a_bound(body: str, text: str, mod: str | None) -> None:
    (event,) = extract_events(article(body), (mention(body, text, year(2006)),))
    assert event.value.mod == mod


@pytest.mark.parametrize(
    ("body", "text", "events"),
    [
        ("Re: Posted by Jason - May 1, 2009 -- I agree with you.", "May 1, 2009", 0),
        ("Anna Berg | 09:53 AM I have covered this beat for years.", "09:53 AM", 0),
        ("Friday 1 May 2009 15.49 BST", "1 May 2009", 0),
        ("At 6:03 pm on 1 May 2009, quietreader wrote: sorry, i was wrong.", "1 May 2009", 0),
        ("At 19:56 1 May 2009, NorthWind wrote: my daughter works there.", "1 May 2009", 0),
        (
            "Officials said on 1 May 2009 that Jean Dupont wrote: the virus spreads.",
            "1 May 2009",
            1,
        ),
        ("The study was posted online on 1 May 2009 by the journal.", "1 May 2009", 1),
        ("Police sealed off the hotel on 1 May 2009.", "1 May 2009", 1),
    ],
)
def test_time_stamps_and_bare_dates_are_no_events(body: str, text: str, events: int) -> None:
    assert len(extract_events(article(body), (mention(body, text, day(2009, 5, 1)),))) == events


@pytest.mark.parametrize(
    ("body", "text", "value", "status"),
    [
        ("Shoigu visited Pyongyang in July.", "in July", month(2023, 7), Status.REPORTED),
        (
            "Kim plans to travel to Russia this month.",
            "this month",
            month(2023, 9),
            Status.EXPECTED,
        ),
        ("Kim travelled to Russia this month.", "this month", month(2023, 9), Status.REPORTED),
        ("The forum opens on Sept. 10.", "Sept. 10", day(2023, 9, 10), Status.EXPECTED),
        ("The Times said on Monday he will go.", "on Monday", day(2023, 9, 4), Status.REPORTED),
        (
            "Moscow confirmed on Monday that Kim will visit Russia.",
            "Monday",
            day(2023, 9, 5),
            Status.REPORTED,
        ),
        ("Kim will visit Russia on Monday.", "Monday", day(2023, 9, 5), Status.EXPECTED),
        (
            "Kim will pay a visit in the coming days.",
            "in the coming days",
            FUTURE_REF,
            Status.EXPECTED,
        ),
        ("Russia has recently called for ties.", "recently", PAST_REF, Status.REPORTED),
    ],
)
def test_status(body: str, text: str, value: TimeValue, status: Status) -> None:
    (event,) = extract_events(article(body), (mention(body, text, value),))
    assert event.status is status


def test_one_event_per_dated_mention_with_content_ids() -> None:
    body = (
        "Headline here\n\n"
        "The Kremlin said last week that it backed the annexation of parts of Ukraine in 2022. "
        "Russia has recently called for closer ties."
    )
    week = TimeValue(
        "2023-W35",
        "DATE",
        Granularity.WEEK,
        datetime(2023, 8, 28, tzinfo=UTC),
        datetime(2023, 9, 4, tzinfo=UTC),
    )
    mentions = (
        mention(body, "last week", week),
        mention(body, "2022", year(2022)),
        mention(body, "recently", PAST_REF),
    )
    events = extract_events(article(body), mentions)
    assert [e.mention.text for e in events] == ["last week", "2022", "recently"]
    assert [e.id for e in events] == [f"a1-{m.start}" for m in mentions]
    assert events[0].sentence == events[1].sentence
    assert events[0].sentence.startswith("The Kremlin said last week")
    assert events[2].sentence == "Russia has recently called for closer ties."
    assert events[0].sentence_start == body.index("The Kremlin")
    assert extract_events(article(body), mentions) == events


def test_vague_mentions_beside_a_dated_one_give_no_event() -> None:
    body = "Shoigu visited Pyongyang in July, and has recently written."
    mentions = (mention(body, "in July", month(2023, 7)), mention(body, "recently", PAST_REF))
    assert [m.text for m in event_mentions(mentions)] == ["in July"]


def test_a_mention_inside_another_is_not_an_event_of_its_own() -> None:
    body = "They met on April 25, 2019 in Vladivostok."
    outer = mention(body, "April 25, 2019", day(2019, 4, 25))
    inner = mention(body, "2019", year(2019))
    assert event_mentions((outer, inner)) == (outer,)


def test_dateline_and_list_marker_are_cleaned() -> None:
    body = (
        "WASHINGTON (Reuters) - The CDC said on Monday that cases rose.\n\n- Kim left on Monday."
        "\n\n\\* Putin arrived on Monday."
    )
    mentions = tuple(mention(body, "on Monday", day(2023, 9, 4), nth=n) for n in range(3))
    events = extract_events(article(body), mentions)
    assert [e.sentence for e in events] == [
        "The CDC said on Monday that cases rose.",
        "Kim left on Monday.",
        "Putin arrived on Monday.",
    ]


def test_a_dateline_gives_one_event_and_none_beside_a_date_of_the_lead() -> None:
    body = "OSLO | Thu Apr 30, 2009 11:37 am EDT OSLO (Reuters) - The council met on Wednesday."
    when = datetime(2009, 4, 30, 15, 37, tzinfo=UTC)
    clock = TimeValue("2009-04-30T11:37", "TIME", Granularity.TIME, when, when + timedelta(0, 60))
    dateline = (mention(body, "2009", year(2009)), mention(body, "11:37 am EDT", clock))
    lead = mention(body, "on Wednesday", day(2009, 4, 29))
    published = datetime(2009, 4, 30, tzinfo=UTC)
    only_dateline = extract_events(article(body, published), dateline)
    assert [e.mention.text for e in only_dateline] == ["11:37 am EDT"]
    assert only_dateline[0].sentence == "The council met on Wednesday."
    with_lead = extract_events(article(body, published), (*dateline, lead))
    assert [e.mention.text for e in with_lead] == ["on Wednesday"]


@pytest.mark.parametrize(
    ("clause", "status"),
    [
        ("Schools re-scheduled exams this month.", Status.REPORTED),
        ("Schools have scheduled exams this month.", Status.EXPECTED),
    ],
)
def test_cue_words_match_whole_words_only(clause: str, status: Status) -> None:
    (event,) = extract_events(article(clause), (mention(clause, "this month", month(2023, 9)),))
    assert event.status is status


WATSON = "Shoigu travelled last month to North Korea seeking munitions, Watson said on Monday."


@pytest.mark.parametrize(
    ("focus", "expected"),
    [
        ("", WATSON),
        (
            "Watson said on Monday.",
            "Watson said on Monday: Shoigu travelled last month to North Korea seeking munitions",
        ),
        (
            "Shoigu travelled last month to North Korea seeking munitions,",
            "Shoigu travelled last month to North Korea seeking munitions,",
        ),
    ],
)
def test_focused_title_text(focus: str, expected: str) -> None:
    assert focused(WATSON, focus) == expected


def test_each_event_of_a_two_date_sentence_gets_its_own_title() -> None:
    body = WATSON
    mentions = (
        mention(body, "last month", month(2023, 8)),
        mention(body, "on Monday", day(2023, 9, 4)),
    )
    travel, statement = extract_events(article(body), mentions)
    assert travel.focus == "Shoigu travelled last month to North Korea seeking munitions,"
    assert statement.focus == "Watson said on Monday."
    assert statement.title.startswith("Watson said on Monday: Shoigu travelled")
