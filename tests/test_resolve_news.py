"""The resolver on the formats of real news pages: wire headers, reader comments, datelines.

Each case is written in the manner of a 2009 news page (none is taken from one): the text,
its publish date, and every mention it should yield as (span, value).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from timeline.resolve import resolve_text

MAY_5 = datetime(2009, 5, 5, 12, 0, tzinfo=UTC)  # a Tuesday
JUN_9 = datetime(2009, 6, 9, 12, 0, tzinfo=UTC)  # a Tuesday
MAR_10 = datetime(2009, 3, 10, 12, 0, tzinfo=UTC)
FEB_10 = datetime(2009, 2, 10, 12, 0, tzinfo=UTC)

CASES = [
    # a wire header with a stopless month abbreviation
    ("DENVER | Thu Apr 30, 2009 4:37 pm EDT DENVER (Reuters) - Officials said.",
     MAY_5, [("Apr 30, 2009", "2009-04-30"), ("4:37 pm EDT", "2009-04-30T16:37")]),
    # a clock time followed by its own day is on that day
    ("The quake struck at 1:46 pm on 11 Jun 2009 and again at 10:26 pm on 12 Jun 2009.",
     JUN_9, [("1:46 pm", "2009-06-11T13:46"), ("11 Jun 2009", "2009-06-11"),
             ("10:26 pm", "2009-06-12T22:26"), ("12 Jun 2009", "2009-06-12")]),
    # reader comments posted days after the article: each time stamp is one mention, and
    # the comment after it is written on its day
    ("Cases rose yesterday.\n\nAt 08:55 am on 06 May 2009, a reader wrote:\nI fell ill "
     "yesterday.\n\nAt 10:13 28th Oct 2009, another wrote:\nToday I had the jab.",
     MAY_5, [("yesterday", "2009-05-04"), ("08:55 am on 06 May 2009", "2009-05-06T08:55"),
             ("yesterday", "2009-05-05"), ("10:13 28th Oct 2009", "2009-10-28T10:13"),
             ("Today", "2009-10-28")]),
    ("At 4:40 pm on 10 Jul 2009, a reader wrote: My daughter got a head cold last sat. "
     "At the time we worried.",
     MAY_5, [("4:40 pm on 10 Jul 2009", "2009-07-10T16:40"), ("last sat.", "2009-07-04"),
             ("the time", "2009-07-04")]),
    # British clock times with a stop for the colon; a bare decimal stays a number
    ("Tuesday 5 May 2009 17.42 BST. At 3.00 pm my shift ends.",
     MAY_5, [("Tuesday 5 May 2009", "2009-05-05"), ("17.42 BST", "2009-05-05T17:42"),
             ("3.00 pm", "2009-05-05T15:00")]),
    ("Shares rose 2.50 to 31.20 on Tuesday.", MAY_5, [("Tuesday", "2009-05-05")]),
    # a count is no year
    ("More than two thousand runners crossed the bridge on Tuesday.",
     MAY_5, [("Tuesday", "2009-05-05")]),
    # two months before one year are both in it
    ("Passengers travelled in March and April of 2008, researchers said on Tuesday.",
     MAY_5, [("March", "2008-03"), ("April of 2008", "2008-04"), ("Tuesday", "2009-05-05")]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "published", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_news_page_formats(text: str, published: datetime, expected: list[tuple[str, str]]) -> None:
    mentions = resolve_text(text, published)
    assert [(m.text, m.value.value) for m in mentions] == expected


# A season named in a sentence with no tense: the one just over only within a month of its
# end, unless its end is across a new year from the anchor (as for a month).
SEASONS = [
    ("Vaccine makers are producing the normal vaccine to combat winter flu.", MAY_5, "2009-WI"),
    ("Vaccine makers are producing the normal vaccine to combat winter flu.", MAR_10, "2008-WI"),
    ("Vaccine makers are producing the normal vaccine to combat winter flu.", FEB_10, "2008-WI"),
    ("The figures for December show a rise in cases.", FEB_10, "2008-12"),
]


@pytest.mark.parametrize(("text", "published", "value"), SEASONS)
def test_a_season_without_tense(text: str, published: datetime, value: str) -> None:
    assert [m.value.value for m in resolve_text(text, published)] == [value]
