"""Load stage: front matter, publish dates, cleaning, ids, and errors that name the file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from timeline.errors import ArticleError
from timeline.load import LoadOptions, decode, load_folder, load_text, parse_published, slugify

SEEDS = Path(__file__).parent.parent / "seeds"
OPTS = LoadOptions()


def article(text: str, options: LoadOptions = OPTS):
    return load_text(text, "a.md", options)


def test_front_matter_fields():
    a, warnings = article(
        "---\ntitle: Kim to visit\npublished: 2023-09-05T08:00:00+09:00\nsource: Reuters\n"
        "language: en\nurl: https://example.org/a\nsection: World\n---\nKim plans to travel.\n"
    )
    assert (a.title, a.source, a.language, a.url) == (
        "Kim to visit",
        "Reuters",
        "en",
        "https://example.org/a",
    )
    assert a.published == datetime(2023, 9, 5, 8, tzinfo=timezone(timedelta(hours=9)))
    assert a.body == "Kim plans to travel."
    assert a.meta == (("section", "World"),)
    assert warnings == []


@pytest.mark.parametrize(
    ("value", "expected", "naive"),
    [
        ("2023-09-05", datetime(2023, 9, 5, tzinfo=UTC), False),
        ("2023-09-05T10:30:00Z", datetime(2023, 9, 5, 10, 30, tzinfo=UTC), False),
        ("2023-09-05T10:30:00", datetime(2023, 9, 5, 10, 30, tzinfo=UTC), True),
        ("5 September 2023", None, False),
    ],
)
def test_parse_published(value, expected, naive):
    parsed = parse_published(value, UTC)
    if expected is None:
        assert parsed is None
    else:
        assert parsed == (expected, naive)


def test_naive_publish_date_is_a_warning_naming_the_file():
    _, warnings = article("---\npublished: 2023-09-05 10:00:00\n---\nText.\n")
    assert len(warnings) == 1
    assert warnings[0].file == "a.md" and "timezone" in warnings[0].message


def test_plain_text_without_front_matter_needs_a_publish_date():
    with pytest.raises(ArticleError) as err:
        article("Headline here\n\nBody text.\n")
    assert "a.md" in str(err.value) and "--published" in str(err.value)


def test_plain_text_takes_first_line_as_title_and_published_from_options():
    when = datetime(2023, 9, 5, tzinfo=UTC)
    a, _ = article(
        "Skip to main content\n\nHeadline here\n\nBody text.\n", LoadOptions(published=when)
    )
    assert a.title == "Headline here"
    assert a.body == "Body text."
    assert a.published == when
    assert [(d.line, d.reason) for d in a.dropped] == [(1, "furniture"), (3, "headline")]


def test_bom_and_crlf():
    text = decode(
        "\ufeff---\r\ntitle: T\r\npublished: 2023-09-05\r\n---\r\nOne.\r\n\r\nTwo.\r\n".encode(),
        "a.md",
    )
    a, _ = article(text)
    assert a.body == "One.\n\nTwo."


def test_invalid_utf8_names_file_and_line():
    with pytest.raises(ArticleError) as err:
        decode(b"line one\nline \xff two\n", "bad.txt")
    assert err.value.file == "bad.txt" and err.value.line == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ntitle: [unclosed\n---\nText\n", "not valid YAML"),
        ("---\n- a list\n---\nText\n", "key: value"),
        ("---\ntitle: T\nText without an end\n", "never ends"),
        ("---\ntitle: T\npublished: someday\n---\nText\n", "not a date"),
        ("---\ntitle: T\npublished: 2023-09-05\n---\n\n\n", "no text"),
    ],
)
def test_bad_front_matter_is_a_clear_error(text, message):
    with pytest.raises(ArticleError, match=message):
        article(text)


def test_repeated_paragraphs_and_teasers_are_dropped():
    body = (
        "---\ntitle: Headline\npublished: 2023-09-05\n---\n"
        "First paragraph, long enough to count as a paragraph of the story.\n\n"
        "Second paragraph.\n\n"
        "Headline\n\n"
        "First paragraph, long enough to count as a paragraph\n\n"
        "First paragraph, long enough to count as a paragraph of the story.\n"
    )
    a, _ = article(body)
    assert a.body.split("\n\n") == [
        "First paragraph, long enough to count as a paragraph of the story.",
        "Second paragraph.",
    ]
    assert [d.reason for d in a.dropped] == ["repeated", "repeated", "repeated"]


def test_hard_wrapped_lines_join_and_finished_lines_split():
    a, _ = article(
        "---\ntitle: T\npublished: 2023-09-05\n---\nThe minister said the talks\nwould go on.\n"
        "A new sentence on its own line.\n"
    )
    assert a.body == "The minister said the talks would go on.\n\nA new sentence on its own line."


def test_seeds_load_clean():
    result = load_folder(SEEDS)
    assert result.problems == ()
    assert [a.id for a in result.articles] == [
        "000_44e9073e4ffe12b5",
        "001_6d0b907f72dd5827",
        "002_963ee7dfa9b136de",
        "003_e6ac758f29a0a73e",
        "004_e79a482424493417",
    ]
    doubled = result.articles[1]
    assert doubled.body.count("Kirby said on Aug. 30") == 1
    assert {d.reason for d in doubled.dropped} == {"furniture", "headline", "repeated"}
    for a in result.articles:
        for furniture in (
            "Skip to main content",
            "Thumbnail",
            "Share this post",
            "Source link",
            "Back to top button",
            "Sorting by",
            "×",
            "Related Articles",
        ):
            assert furniture not in a.body.split("\n\n")
        assert a.published.tzinfo is not None


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    (tmp_path / "good.md").write_text("---\ntitle: Good\npublished: 2023-09-05\n---\nText.\n")
    (tmp_path / "bad.md").write_text("---\ntitle: Bad\n---\nNo date.\n")
    (tmp_path / "README.md").write_text("# not an article\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    result = load_folder(tmp_path)
    assert [a.id for a in result.articles] == ["good"]
    assert [p.file for p in result.problems] == ["image.png", "bad.md"]  # stray file: a warning


def test_clashing_ids_are_renamed_and_reported(tmp_path):
    (tmp_path / "Kim Visit.md").write_text("---\npublished: 2023-09-05\n---\nA.\n")
    (tmp_path / "kim-visit.md").write_text("---\npublished: 2023-09-05\n---\nB.\n")
    result = load_folder(tmp_path)
    assert sorted(a.id for a in result.articles) == ["kim-visit", "kim-visit-2"]
    assert len(result.problems) == 1 and "rename" in result.problems[0].hint


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("000_44e9", "000_44e9"),
        ("../../etc/passwd", "etc-passwd"),
        ("Émile Zola", "emile-zola"),
        ("", "article"),
    ],
)
def test_slugify(name, slug):
    assert slugify(name) == slug


@pytest.mark.parametrize(
    ("first", "title", "kept"),
    [
        # A headline line: it is the title, and not story text.
        ("Kim to meet Putin in Russia", "Kim to meet Putin in Russia", False),
        # Headline and lead run together (scraped text): the paragraph stays in the body.
        (
            "Obama finds a friend in Washington The president said on Monday he would sign it.",
            "Obama finds a friend in Washington The president said on Monday he would sign it.",
            True,
        ),
        (
            "Flu spreads The World Health Organization raised its pandemic alert on Wednesday, "
            "saying the new virus had now spread to several countries in two regions.",
            "Flu spreads The World Health Organization raised its pandemic alert on Wednesday, "
            "saying the new virus had now spread…",
            True,
        ),
    ],
)
def test_title_from_the_body_never_loses_story_text(first, title, kept):
    a, _ = article(f"---\npublished: 2009-04-29\n---\n{first}\n\nSecond paragraph.\n")
    assert a.title == title
    assert a.body.startswith(first) is kept
    assert a.body.endswith("Second paragraph.")
