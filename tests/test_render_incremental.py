"""Render with a cache folder: after any change, every file is the same, byte for byte, as a
render without one; and the cache does serve the pages the change did not reach."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_render import MONTH_AUG, big_timeline, sample_timeline

from timeline import render_cache
from timeline.model import Status, Timeline
from timeline.render import RUN_ITEMS, RenderOptions, _run_ends, _Site, render_site
from timeline.render_cache import RenderCache
from timeline.write import SiteFiles


def base_timeline() -> Timeline:
    """A split timeline (period pages) with undated statements over two pages."""
    big = big_timeline(450)
    ev = big.entries[1].events[0]
    context = tuple(replace(ev, id=f"c{i}", sentence=f"Vague {i}.") for i in range(350))
    return replace(big, context=context)


def retitle(t: Timeline, n: int, title: str) -> Timeline:
    entries = list(t.entries)
    entries[n] = replace(entries[n], title=title)
    return replace(t, entries=tuple(entries))


def edit_article(t: Timeline, **fields: object) -> Timeline:
    return replace(t, articles=(replace(t.articles[0], **fields), *t.articles[1:]))  # type: ignore[arg-type]


def revalue_mention(t: Timeline) -> Timeline:
    aid, mentions = t.mentions[1]
    return replace(t, mentions=((t.mentions[0]), (aid, (replace(mentions[0], value=MONTH_AUG),))))


def revalue_told(t: Timeline, same_object: bool) -> Timeline:
    """An event's mention gets another value; with `same_object`, its article's mention (the
    very same object) too, as the analysis makes them."""
    entries = list(t.entries)
    ev = entries[5].events[0]
    new = replace(ev.mention, value=MONTH_AUG)
    told = replace(ev, mention=new)
    entries[5] = replace(entries[5], events=(told, *entries[5].events[1:]))
    t = replace(t, entries=tuple(entries))
    if not same_object:
        return t
    mentions = [
        (aid, tuple(new if aid == ev.article_id and m.start == new.start else m for m in ms))
        for aid, ms in t.mentions
    ]
    return replace(t, mentions=tuple(mentions))


def drop_entry(t: Timeline, n: int) -> Timeline:
    return replace(t, entries=t.entries[:n] + t.entries[n + 1 :])


def add_entry(t: Timeline) -> Timeline:
    late = t.entries[-1]
    assert late.value.start is not None and late.value.end is not None
    value = replace(late.value, start=late.value.start + timedelta(days=3))
    value = replace(value, end=late.value.end + timedelta(days=3))
    return replace(t, entries=(*t.entries, replace(late, id="added", value=value)))


def expect(t: Timeline) -> Timeline:
    entries = list(t.entries)
    entries[200] = replace(entries[200], status=Status.EXPECTED)
    return replace(t, entries=tuple(entries))


def drop_statement(t: Timeline) -> Timeline:
    return replace(t, context=t.context[1:])


def more_key(t: Timeline) -> Timeline:
    entries = list(t.entries)
    entries[7] = replace(entries[7], key=True, importance=9.0)
    return replace(t, entries=tuple(entries))


Change = Callable[[Timeline], Timeline]
TIMELINE_CHANGES: dict[str, Change] = {
    "nothing": lambda t: t,
    "an entry's title (its neighbours show it)": lambda t: retitle(t, 120, "Renamed <i>"),
    "the first entry's title (the index shows it)": lambda t: retitle(t, 0, "First"),
    "an article's title": lambda t: edit_article(t, title="Retitled"),
    "an article's outlet": lambda t: edit_article(t, source="AP"),
    "an article's text": lambda t: edit_article(t, body=t.articles[0].body + "\n\nMore."),
    "an article's publish date": lambda t: edit_article(
        t, published=datetime(2023, 9, 9, tzinfo=UTC)
    ),
    "a mention's value": revalue_mention,
    "an event's mention's value": lambda t: revalue_told(t, same_object=False),
    "an event's mention's value, in its article too": lambda t: revalue_told(t, True),
    "an entry removed": lambda t: drop_entry(t, 300),
    "an entry added": add_entry,
    "an entry now expected": expect,
    "a key entry more": more_key,
    "an undated statement removed": drop_statement,
    "the title": lambda t: replace(t, title="Another story"),
    "an article added": lambda t: replace(
        t, articles=(*t.articles, replace(t.articles[0], id="a9", title="New"))
    ),
}


def same(a: SiteFiles, b: SiteFiles) -> list[str]:
    return sorted(p for p in a.keys() | b.keys() if a.get(p) != b.get(p))


def render(t: Timeline, cache: Path | None, **options: object) -> SiteFiles:
    return render_site(t, RenderOptions(search=False, cache_dir=cache, **options))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache holding the render of `base_timeline()`, copied for each test."""
    folder = tmp_path_factory.mktemp("warm") / "cache"
    render(base_timeline(), folder)
    return folder


def copy_cache(warm: Path, to: Path) -> Path:
    import shutil

    shutil.copytree(warm, to)
    return to


@pytest.mark.parametrize("change", list(TIMELINE_CHANGES.values()), ids=list(TIMELINE_CHANGES))
def test_rendering_after_a_change_gives_the_bytes_of_a_fresh_render(warm, tmp_path, change):
    cache = copy_cache(warm, tmp_path / "cache")
    after = change(base_timeline())
    incremental, fresh = render(after, cache), render(after, None)
    assert not same(incremental, fresh)
    again = render(after, cache)
    assert not same(again, fresh)
    assert len(again._lazy) > len(again) // 2, "a second render takes most pages from the cache"


OPTION_CHANGES: dict[str, dict[str, object]] = {
    "description": {"description": "A *new* intro."},
    "base url": {"base_url": "https://example.org/story/"},
    "language": {"language": "fr"},
}


@pytest.mark.parametrize("options", list(OPTION_CHANGES.values()), ids=list(OPTION_CHANGES))
def test_changed_options_give_the_bytes_of_a_fresh_render(warm, tmp_path, options):
    cache = copy_cache(warm, tmp_path / "cache")
    t = base_timeline()
    assert not same(render(t, cache, **options), render(t, None, **options))


def test_notes_about_and_templates_give_the_bytes_of_a_fresh_render(warm, tmp_path):
    cache = copy_cache(warm, tmp_path / "cache")
    t = base_timeline()
    notes, about, templates = tmp_path / "notes.yaml", tmp_path / "about.md", tmp_path / "tpl"
    steps: list[Callable[[], object]] = [
        lambda: notes.write_text(f"{t.entries[5].id}: A *note*.\n"),
        lambda: notes.write_text(f"{t.entries[5].id}: Another note.\n"),
        lambda: about.write_text("# About\n\nWho we are.\n"),
        lambda: templates.mkdir(),
        lambda: (templates / "event.html").write_text(
            '{% extends "base.html" %}{% block main %}{{ entry.title }}'
            " · {{ timeline.entries|length }}{% endblock %}"
        ),
        lambda: (templates / "event.html").write_text(
            '{% extends "base.html" %}{% block main %}{{ entry.text }}{% endblock %}'
        ),
    ]
    for step in steps:
        step()
        options = {"notes": notes, "about": about, "templates": templates}
        assert not same(render(t, cache, **options), render(t, None, **options))
    # A project template may read anything: a change anywhere must reach every page.
    later = drop_entry(t, 10)
    options = {"notes": notes, "about": about, "templates": templates}
    templates.joinpath("event.html").write_text(
        '{% extends "base.html" %}{% block main %}{{ timeline.entries|length }}{% endblock %}'
    )
    render(t, cache, **options)
    assert not same(render(later, cache, **options), render(later, None, **options))


def test_source_date_epoch_reaches_the_cached_exports(warm, tmp_path, monkeypatch):
    cache = copy_cache(warm, tmp_path / "cache")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    t = base_timeline()
    assert not same(render(t, cache), render(t, None))


def test_an_unchanged_render_renders_nothing_but_the_whole_timeline_pages(warm, tmp_path):
    cache = copy_cache(warm, tmp_path / "cache")
    files = render(base_timeline(), cache)
    rendered = sorted(p for p in files if p.endswith(".html") and p not in files._lazy)
    assert rendered == ["404.html", "about.html", "index.html", "search.html"]


def test_an_article_edit_that_leaves_its_events_as_they_were_keeps_their_pages(warm, tmp_path):
    """Event pages show their articles' heads, not their text: a line added to an article
    re-renders its own page, not the pages of the events it told before."""
    cache = copy_cache(warm, tmp_path / "cache")
    t = base_timeline()
    after = edit_article(t, body=t.articles[0].body + "\n\nMore.")
    files = render(after, cache)
    rendered = {p for p in files if p not in files._lazy}
    assert f"articles/{t.articles[0].id}.html" in rendered
    told = [e for e in t.entries if t.articles[0].id in e.article_ids]
    assert told
    assert not rendered & {f"events/{e.id}.html" for e in told}


def test_a_damaged_cache_is_a_miss_not_a_failure(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "render-2.sqlite").write_bytes(b"not a database" * 100)
    t = sample_timeline()
    assert not same(render(t, cache), render(t, None))
    assert RenderCache(cache).enabled


@pytest.mark.parametrize("change", ["nothing", "an article's text", "an entry removed"])
def test_files_kept_by_digest_only_are_made_again_when_their_bytes_are_needed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    monkeypatch.setattr(render_cache, "KEPT_BYTES", 0)
    cache, t = tmp_path / "cache", base_timeline()
    render(t, cache)
    after = TIMELINE_CHANGES[change](t)
    incremental = render(after, cache)
    assert incremental._lazy, "some files come from the cache"
    assert not same(incremental, render(after, None))
    assert RenderCache(cache).load(next(iter(RenderCache(cache)._known))) is None


def test_period_bodies_outlast_builds_that_do_not_need_them(tmp_path: Path) -> None:
    """A period page is kept twice: whole, and without the overview strip that any entry added
    anywhere changes; a build that takes the whole pages keeps the bodies for the next one."""
    import sqlite3

    cache, t = tmp_path / "cache", base_timeline()
    periods = [p for p in render(t, cache) if p.startswith("periods/")]
    render(retitle(t, 120, "Renamed"), cache)
    db = sqlite3.connect(cache / render_cache.DB_FILE)
    kept = db.execute("SELECT count(*) FROM pieces WHERE kind = 'periods'").fetchone()[0]
    assert len(periods) > 2
    assert kept == len(periods)
    after = add_entry(retitle(t, 120, "Renamed"))
    assert not same(render(after, cache), render(after, None))


@pytest.mark.parametrize(
    ("marks", "ends"),
    [
        ([], []),
        ([1], [1]),
        ([0], [1]),
        ([5, 32, 7], [2, 3]),
        ([32, 64, 1, 2], [1, 2, 4]),
        ([1, 2, 3, 96], [4]),
    ],
)
def test_runs_of_export_items_end_after_the_items_their_marks_choose(
    marks: list[int], ends: list[int]
) -> None:
    assert _run_ends(marks) == ends


def test_an_item_added_changes_only_its_own_run() -> None:
    marks = [zlib.crc32(f"article-{i}".encode()) for i in range(2000)]
    grown = [*marks[:1000], 7, *marks[1000:]]
    before, after = runs(marks), runs(grown)
    assert len(after - before) == 1
    assert len(before - after) == 1
    assert 2000 / RUN_ITEMS / 2 < len(before) < 2000 / RUN_ITEMS * 2


def runs(marks: list[int]) -> set[tuple[int, ...]]:
    ends = _run_ends(marks)
    return {tuple(marks[a:b]) for a, b in zip([0, *ends[:-1]], ends, strict=True)}


def test_each_page_has_the_strip_the_template_gives_its_own_path() -> None:
    site = _Site(base_timeline(), RenderOptions(search=False))
    paths = ["index.html", *(p.path for p in site.plan.pages)]
    strip = site.env.get_template("_strip.html")
    marked = 0
    for path in paths:
        root = "../" * path.count("/")
        assert site._strip(path) == strip.render(plan=site.plan, root=root, path=path)
        marked += 'aria-current="page"' in site._strip(path)
    assert 0 < marked < len(paths)
