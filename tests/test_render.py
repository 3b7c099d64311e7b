"""The rendered site, from a hand-made timeline: pages, links, honesty of dates, sanitising,
exports and determinism. (The browser suite in tests/browser checks the real seeds site.)"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from timeline import site_pages
from timeline.model import (
    Anchor,
    Article,
    DateVote,
    Dropped,
    Entry,
    Event,
    Granularity,
    Mention,
    Status,
    Timeline,
    TimeValue,
)
from timeline.render import RenderOptions, render_site

G = Granularity
PUB = datetime(2023, 9, 5, tzinfo=UTC)
BODY = (
    "Kim will travel to Vladivostok this month, officials said last week.\n\n"
    "Shoigu visited Pyongyang in July. The talks are set for Sept. 10-13."
)


def tv(value: str, g: Granularity, start: tuple[int, ...], days: int) -> TimeValue:
    first = datetime(*start, tzinfo=UTC)
    return TimeValue(value, "DATE", g, first, first + timedelta(days=days))


MONTH_JULY = tv("2023-07", G.MONTH, (2023, 7, 1), 31)
MONTH_AUG = tv("2023-08", G.MONTH, (2023, 8, 1), 31)
WEEK = tv("2023-W35", G.WEEK, (2023, 8, 28), 7)
RANGE = tv("2023-09-10/2023-09-13", G.RANGE, (2023, 9, 10), 4)


def mention(body: str, text: str, value: TimeValue, anchor: Anchor) -> Mention:
    at = body.index(text)
    return Mention(at, at + len(text), text, value, anchor)


def article(n: int, source: str | None = None, url: str | None = None) -> Article:
    return Article(
        id=f"a{n}",
        path=f"a{n}.md",
        title=f"Article {n} <about> Kim",
        published=PUB + timedelta(days=n),
        body=BODY,
        source=source,
        url=url,
        dropped=(Dropped(3, "Share this article", "furniture"),),
    )


def event(eid: str, art: Article, m: Mention, status: Status = Status.REPORTED) -> Event:
    start = art.body.rfind("\n", 0, m.start) + 1
    sentence = art.body[start:].split("\n")[0]
    return Event(eid, art.id, m, sentence, start, sentence[:40], status)


def sample_timeline() -> Timeline:
    arts = (article(0, "Reuters", "https://example.org/a0"), article(1, url="javascript:alert(1)"))
    m_week = [mention(a.body, "last week", WEEK, Anchor.PUBLISHED) for a in arts]
    m_july = [mention(a.body, "July", MONTH_JULY, Anchor.PUBLISHED) for a in arts]
    m_range = mention(BODY, "Sept. 10-13", RANGE, Anchor.PUBLISHED)
    july_aug = replace(m_july[1], value=MONTH_AUG)
    entries = (
        Entry(
            "shoigu",
            MONTH_JULY,
            "Shoigu visits Pyongyang",
            "Shoigu visited Pyongyang.",
            Status.REPORTED,
            (event("ev1", arts[0], m_july[0]), event("ev2", arts[1], july_aug)),
            disagreement=(
                DateVote(MONTH_JULY, ("ev1", "x", "y")),
                DateVote(MONTH_AUG, ("ev2", "z")),
            ),
            key=True,
        ),
        Entry(
            "officials",
            WEEK,
            "Officials speak",
            "Officials said so.",
            Status.REPORTED,
            (event("ev3", arts[0], m_week[0]), event("ev4", arts[1], m_week[1])),
        ),
        Entry(
            "talks",
            RANGE,
            "Talks <b>set</b>",
            "The talks are set.",
            Status.EXPECTED,
            (event("ev5", arts[0], m_range, Status.EXPECTED),),
        ),
    )
    mentions = tuple((a.id, (m_week[i], m_july[i], m_range)) for i, a in enumerate(arts))
    return Timeline("Kim's trip", arts, entries, mentions=mentions)


def render(timeline: Timeline | None = None, **options) -> dict[str, bytes]:
    options.setdefault("search", False)
    return render_site(timeline or sample_timeline(), RenderOptions(**options))


@pytest.fixture(scope="module")
def site() -> dict[str, bytes]:
    return render()


def text(html: bytes) -> str:
    """The visible text of a page, tags removed and whitespace collapsed."""
    stripped = re.sub(r"<script.*?</script>|<[^>]+>", " ", html.decode(), flags=re.S)
    return " ".join(unescape(stripped).split())


def test_site_has_every_page_and_export(site):
    expected = {
        "index.html",
        "events/shoigu.html",
        "events/officials.html",
        "events/talks.html",
        "articles/a0.html",
        "articles/a1.html",
        "about.html",
        "sources.html",
        "undated.html",
        "search.html",
        "404.html",
        "feed.xml",
        "robots.txt",
        "timeline.json",
        "timelinejs.json",
        "calendar.ics",
        "assets/style.css",
        "assets/timeline.js",
        "assets/search.js",
    }
    assert expected <= site.keys()
    assert "sitemap.xml" not in site, "a sitemap needs absolute URLs: only with base_url"


@pytest.mark.parametrize(
    ("datetime_attr", "shown"),
    [
        ("2023-07", "July 2023"),
        ("2023-W35", "week of 28 Aug 2023"),
        ("2023-09-10/2023-09-13", "10–13 Sep 2023"),
    ],
)
def test_index_labels_are_honest_to_granularity(site, datetime_attr, shown):
    assert f'<time datetime="{datetime_attr}">{shown}</time>' in site["index.html"].decode()


def test_index_marks_disagreement_expected_and_key(site):
    page = text(site["index.html"])
    assert "Sources disagree: July 2023 (3) · August 2023 (2)" in page
    assert "Expected" in page and "Key events" in page
    assert re.search(r'class="entry[^"]*\bkey\b[^"]*" id="e-shoigu"', site["index.html"].decode())


def test_event_page_quotes_every_source_with_the_expression_marked(site):
    page = site["events/officials.html"].decode()
    assert page.count('<mark class="timex timex-published">last week</mark>') == 2
    assert "“last week” in an article published 5 Sep 2023 → week of 28 Aug 2023" in text(
        site["events/officials.html"]
    )
    assert 'href="shoigu.html"' in page and 'href="talks.html"' in page, "neighbours"


def test_event_page_has_json_ld_event_with_news_article_sources(site):
    page = site["events/talks.html"].decode()
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1]
    )
    assert data["@type"] == "Event" and data["startDate"] == "2023-09-10"
    assert data["endDate"] == "2023-09-13"
    assert data["subjectOf"][0]["@type"] == "NewsArticle"


def test_article_page_links_expressions_to_events_and_shows_dropped_lines(site):
    page = site["articles/a0.html"].decode()
    assert re.search(r'<mark id="m\d+" class="timex timex-published"><a href="../events/', page)
    assert "<del>Share this article</del>" in page


def test_article_text_is_escaped_and_bad_links_dropped(site):
    assert b"<about>" not in site["articles/a0.html"]
    assert b"&lt;about&gt;" in site["articles/a0.html"]
    assert b"javascript:" not in site["articles/a1.html"]
    assert b"<b>set</b>" not in site["index.html"]


def test_about_and_notes_markdown_is_rendered_and_sanitised(tmp_path):
    about = tmp_path / "about.md"
    about.write_text(
        "# About *this*\n\n<script>alert(1)</script>\n\n"
        '<img src="https://tracker.example/x.png" onerror="alert(1)">\n\n[ok](https://example.org)\n'
    )
    notes = tmp_path / "notes.yaml"
    notes.write_text("talks: |\n  Planned, **not** confirmed. <a href='javascript:x()'>x</a>\n")
    files = render(about=about, notes=notes)
    page = files["about.html"].decode()
    assert "<h1>About <em>this</em></h1>" in page
    assert "<script>alert" not in page and "onerror" not in page and "tracker.example" not in page
    assert 'href="https://example.org"' in page
    event_page = files["events/talks.html"].decode()
    assert "Planned, <strong>not</strong> confirmed." in event_page
    assert "javascript:" not in event_page
    assert json.loads(files["timeline.json"])["events"][2]["note"].startswith("Planned")


def test_links_are_relative_and_every_internal_link_resolves(site):
    for name, data in site.items():
        if not name.endswith(".html"):
            continue
        for ref in re.findall(r'(?:href|src)="([^"]+)"', data.decode()):
            ref = unescape(ref)
            if urlsplit(ref).scheme in ("http", "https", "mailto"):
                continue
            assert not ref.startswith("/"), (name, ref)
            target, fragment = urldefrag(urljoin("http://x/" + name, ref))
            path = urlsplit(target).path.lstrip("/") or "index.html"
            assert path in site, (name, ref)
            if fragment and path.endswith(".html"):
                assert f'id="{fragment}"' in site[path].decode(), (name, ref)


def test_no_inline_scripts_or_handlers(site):
    for name, data in site.items():
        if name.endswith(".html"):
            html = data.decode()
            assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/ld\+json\"))", html)
            assert not re.search(r"\son[a-z]+=", html), name


def test_base_url_gives_sitemap_robots_and_absolute_404_links():
    files = render(base_url="https://news.example/kim/")
    sitemap = files["sitemap.xml"].decode()
    assert "<loc>https://news.example/kim/</loc>" in sitemap
    assert "<loc>https://news.example/kim/events/talks.html</loc>" in sitemap
    assert "404.html" not in sitemap
    assert "Sitemap: https://news.example/kim/sitemap.xml" in files["robots.txt"].decode()
    page = files["404.html"].decode()
    assert 'href="https://news.example/kim/assets/style.css"' in page
    assert 'href="https://news.example/kim/index.html"' in page


def test_calendar_is_all_day_and_honest_to_granularity(site):
    ics = site["calendar.ics"].decode()
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20230701\r\nDTEND;VALUE=DATE:20230801" in ics
    assert "DTSTART;VALUE=DATE:20230910\r\nDTEND;VALUE=DATE:20230914" in ics
    assert ics.count("STATUS:TENTATIVE") == 1, "the expected talks"
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))


def test_timeline_json_keeps_the_contract_and_timelinejs_the_precision(site):
    data = json.loads(site["timeline.json"])
    assert data["version"] == 1
    first = data["events"][0]
    assert {"id", "value", "start", "end", "granularity", "title", "sources"} <= first.keys()
    assert {"article", "quote", "expression"} <= first["sources"][0].keys()
    assert first["page"] == "events/shoigu.html"
    tljs = json.loads(site["timelinejs.json"])
    july = tljs["events"][0]
    assert july["start_date"] == {"year": "2023", "month": "7"} and "end_date" not in july
    talks = tljs["events"][2]
    assert talks["end_date"] == {"year": "2023", "month": "9", "day": "13"}
    assert talks["text"]["headline"] == "Talks &lt;b&gt;set&lt;/b&gt;", "TimelineJS renders HTML"


def test_timeline_json_matches_its_shipped_schema(site):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(site["assets/timeline-1.schema.json"])
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads(site["timeline.json"]), schema)
    broken = json.loads(site["timeline.json"])
    del broken["events"][0]["sources"][0]["quote"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_feed_is_atom_with_stable_ids(site):
    feed = site["feed.xml"].decode()
    assert '<feed xmlns="http://www.w3.org/2005/Atom">' in feed
    assert feed.count("<entry>") == 3
    assert "<updated>2023-09-06T00:00:00+00:00</updated>" in feed


def test_same_input_same_bytes(site):
    assert render() == site


def test_source_date_epoch_dates_the_feed(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert "<updated>2023-11-14T22:13:20+00:00</updated>" in render()["feed.xml"].decode()


def big_timeline(n: int) -> Timeline:
    """`n` entries, one every few hours across two years, from the sample's articles."""
    base = sample_timeline()
    ev = base.entries[1].events
    start = datetime(2009, 3, 1, tzinfo=UTC)
    entries = tuple(
        replace(
            base.entries[1],
            id=f"e{i:05d}",
            value=TimeValue(
                f"d{i}",
                "DATE",
                G.DAY,
                start + timedelta(hours=9 * i),
                start + timedelta(hours=9 * i + 24),
            ),
            events=ev,
            key=i % 50 == 0,
        )
        for i in range(n)
    )
    return replace(base, entries=entries)


def test_a_large_timeline_is_split_into_period_pages():
    files = render(big_timeline(1200))
    pages = [p for p in files if p.startswith("periods/")]
    assert len(pages) > 3
    assert len(files["index.html"]) < 200_000
    assert max(len(files[p]) for p in pages) < 400_000
    for entry_id in ("e00000", "e00600", "e01199"):
        assert sum(f'id="e-{entry_id}"' in files[p].decode() for p in pages) == 1
    index = files["index.html"].decode()
    assert index.count('class="bar') >= 12, "overview strip of months"
    assert re.search(r'<a href="periods/2009-03.html">March 2009</a>', index)


def test_key_events_on_a_split_index_link_into_period_pages():
    index = render(big_timeline(400))["index.html"].decode()
    assert re.search(r'href="periods/2009-03\.html#e-e00000"', index)


def test_project_templates_override_by_name(tmp_path):
    (tmp_path / "404.html").write_text("custom {{ timeline.title }}")
    assert render(templates=tmp_path)["404.html"] == b"custom Kim&#39;s trip"


def test_page_plan_files_coarse_values_under_their_year():
    year = tv("2023", G.YEAR, (2023, 1, 1), 365)
    entry = replace(sample_timeline().entries[0], value=year)
    [section] = site_pages.sections([entry])
    assert section.heading == "During 2023" and section.id == "2023"


@pytest.mark.skipif(
    not __import__("timeline.site_search").site_search.available(), reason="pagefind not installed"
)
def test_search_index_is_built_and_deterministic():
    one = render(search=True)
    two = render(search=True)
    bundle = {k: v for k, v in one.items() if k.startswith("pagefind/")}
    assert "pagefind/pagefind.js" in bundle and any(k.endswith(".pf_fragment") for k in bundle)
    assert not any("-ui." in k for k in bundle)
    assert bundle == {k: v for k, v in two.items() if k.startswith("pagefind/")}


def test_shipped_templates_are_found_from_a_checkout():
    from timeline.render import default_templates

    assert (default_templates() / "index.html").is_file()
    assert Path(default_templates()).name == "templates"


def test_undated_statements_are_paginated():
    base = sample_timeline()
    context = tuple(replace(base.entries[1].events[0], id=f"c{i}") for i in range(650))
    files = render(replace(base, context=context))
    assert {"undated.html", "undated-2.html", "undated-3.html"} <= files.keys()
    assert "undated-4.html" not in files
    assert files["undated-3.html"].decode().count("<q>") == 50
    assert 'href="undated-2.html"' in files["undated.html"].decode()


def test_ids_are_unique_on_every_page():
    files = render(big_timeline(450))
    for name, data in files.items():
        if name.endswith(".html"):
            ids = re.findall(r'\sid="([^"]+)"', data.decode())
            assert len(ids) == len(set(ids)), (name, sorted({i for i in ids if ids.count(i) > 1}))


def test_an_empty_timeline_still_renders_every_page():
    empty = replace(sample_timeline(), entries=(), context=())
    files = render(empty)
    assert "0 events from 2 articles" in text(files["index.html"])
    assert "None: every statement" in text(files["undated.html"])
    assert json.loads(files["timeline.json"])["events"] == []
