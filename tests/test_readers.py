"""Saved web pages and JSON Lines files as articles, on small pages made for these tests."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from timeline.cli import app
from timeline.errors import ArticleError
from timeline.load import LoadOptions, article_paths, load_file, load_folder
from timeline.readers import read_html, read_jsonl

FIXTURES = Path(__file__).parent / "fixtures"
HTML = FIXTURES / "html"
JSONL = FIXTURES / "jsonl"


def page(name: str):
    article, warnings = load_file(HTML / name, name, LoadOptions())
    assert warnings == []
    return article


@pytest.mark.parametrize(
    ("name", "title", "published", "source", "url"),
    [
        (
            "meta-tags.html",
            "Kim Jong Un arrives in Russia by armoured train",
            "2023-09-12",
            "The Harbour Times",
            "https://harbour-times.example/world/kim-arrives-russia",
        ),
        (
            "json-ld.html",
            "Putin and Kim meet at Russia's Vostochny cosmodrome",
            "2023-09-13",
            "Northern Wire",
            None,
        ),
        (
            "date-in-address.html",
            "Kim visits aircraft factory in Komsomolsk-on-Amur",
            "2023-09-15",
            "Eastern Post",
            "https://eastern-post.example/news/2023/09/15/kim-aircraft-factory/",
        ),
        (
            "windows-1252.html",
            "Kim leaves Russia after six-day visit",
            "2023-09-17",
            "Café Gazette",
            None,
        ),
    ],
)
def test_page_metadata(name, title, published, source, url):
    article = page(name)
    assert (article.title, article.source, article.url) == (title, source, url)
    assert article.published == datetime.fromisoformat(published).replace(tzinfo=UTC)
    assert article.language == "en"


def test_page_keeps_the_story_and_drops_the_furniture():
    article = page("meta-tags.html")
    paragraphs = [text for _, text in article.paragraphs]
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("North Korean leader Kim Jong Un arrived in Russia on Tuesday")
    for furniture in ("Skip to main content", "newsletter", "Business", "Related", "Updated"):
        assert furniture not in article.body
    assert [d.reason for d in article.dropped] == ["headline"]


def test_page_in_a_legacy_encoding_is_decoded():
    article = page("windows-1252.html")
    assert "Kim Jong Un’s train" in article.body
    assert "“longest trip abroad”" in article.body


def test_publish_date_comes_from_metadata_not_the_text():
    # The text says "12 September"; the page's metadata says 17 September.
    assert page("windows-1252.html").published.day == 17


def test_page_without_a_date_says_how_to_give_one():
    with pytest.raises(ArticleError) as caught:
        load_file(HTML / "no-date.html", "no-date.html", LoadOptions())
    assert caught.value.file == "no-date.html"
    assert caught.value.message == "no publish date"
    assert 'property="article:published_time"' in caught.value.hint
    assert "--published" in caught.value.hint


def test_page_without_a_date_takes_the_published_option():
    when = datetime(2023, 9, 14, tzinfo=UTC)
    article, _ = load_file(HTML / "no-date.html", "no-date.html", LoadOptions(published=when))
    assert article.published == when
    assert article.title == "Analysis: what Kim wants from Putin"


def test_page_of_links_only_has_no_article():
    with pytest.raises(ArticleError, match="no article text found"):
        read_html((HTML / "empty-page.html").read_bytes(), "empty-page.html")


def test_folder_of_pages_loads_the_good_and_reports_the_bad():
    result = load_folder(HTML)
    assert [a.id for a in result.articles] == [
        "date-in-address",
        "json-ld",
        "meta-tags",
        "windows-1252",
    ]
    assert [(p.file, p.message) for p in result.problems] == [
        ("empty-page.html", "no article text found in the page"),
        ("no-date.html", "no publish date"),
    ]


def test_jsonl_one_article_per_line():
    result = load_folder(JSONL)
    first, second = result.articles
    assert (first.id, first.path, first.title) == (
        "articles-5d1f09",
        "articles.jsonl",
        "Kim to visit Russia this month, US says",
    )
    # A midnight time with no zone (news-tls) is a day: no timezone warning.
    assert first.published == datetime(2023, 9, 5, tzinfo=UTC)
    assert first.url == "https://wire.example/kim-to-visit"
    assert first.body.startswith("North Korean leader Kim Jong Un plans to travel")
    assert second.published.isoformat() == "2023-09-12T07:45:00+09:00"


def test_jsonl_errors_name_file_and_line():
    problems = [str(p) for p in load_folder(JSONL).problems]
    assert problems == [
        'articles.jsonl:4: no publish date (give the line a "time" such as '
        '"2023-09-05T10:00:00+00:00", or pass --published)',
        "articles.jsonl:5: not valid JSON: Unterminated string starting at (column 72) "
        "(one JSON object a line)",
        'articles.jsonl:6: no "text" (give each line a "text" with the article)',
        "articles.jsonl:7: the line is not a JSON object (write {...} on each line)",
    ]


def test_jsonl_naive_time_is_warned_with_its_line(tmp_path):
    (tmp_path / "a.jsonl").write_text(
        '{"id": 1, "time": "2023-09-12 14:00:00", "text": "Kim arrived on Tuesday."}\n'
    )
    result = load_folder(tmp_path, LoadOptions())
    assert [str(p).split(" (")[0] for p in result.problems] == [
        "a.jsonl:1: publish date '2023-09-12 14:00:00' has no timezone"
    ]
    assert result.articles[0].id == "a-1"


def test_jsonl_reader_yields_errors_in_place():
    data = b'{"id": "x", "time": "2023-09-05", "text": "Hello there."}\n\n{oops\n'
    items = list(read_jsonl(data, "f.jsonl"))
    assert items[0].key == "x" and items[0].line == 1
    assert isinstance(items[1], ArticleError) and items[1].line == 3


def test_every_format_is_discovered(tmp_path):
    for name in ("a.md", "b.txt", "c.html", "d.htm", "e.jsonl", "f.pdf", "README.md"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in article_paths(tmp_path)] == [
        "a.md",
        "b.txt",
        "c.html",
        "d.htm",
        "e.jsonl",
    ]


def test_build_from_pages_and_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(HTML, tmp_path / "articles")
    shutil.copy(JSONL / "articles.jsonl", tmp_path / "articles" / "wire.jsonl")
    result = CliRunner().invoke(app, ["build"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Built 6 articles")
    assert "warning: wire.jsonl:5: not valid JSON" in result.stderr
    assert "warning: no-date.html: no publish date" in result.stderr
    site = tmp_path / "site" / "articles"
    assert (site / "meta-tags.html").is_file() and (site / "wire-77a0c3.html").is_file()
