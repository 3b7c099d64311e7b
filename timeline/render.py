"""Stage 6, render: the timeline as site files, in memory.

`render_site` returns every file of the site as `{relative path: bytes}`; nothing here touches
the disk except reading templates. Templates come from the project's own `templates/` folder
first (any template can be overridden by name), then from the defaults shipped with the tool.
Every string that came from an article is escaped by Jinja's autoescape.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

import jinja2

from timeline import __version__
from timeline.labels import MONTHS, day, label, machine
from timeline.model import Article, Entry, Event, Mention, Timeline, TimeValue

SCHEMA = "https://github.com/timeline/timeline/schema/timeline-1.json"
SCHEMA_VERSION = 1
ASSETS = ("assets/style.css",)


@dataclass(frozen=True)
class RenderOptions:
    """What the renderer needs beyond the timeline."""

    templates: Path | None = None  # the project's own templates folder, if any
    site_title: str = "Timeline"


@dataclass(frozen=True)
class Segment:
    """A piece of an article paragraph: plain text, or a time expression."""

    text: str
    mention: Mention | None = None
    entry_id: str | None = None


@dataclass(frozen=True)
class Section:
    """A year or month heading of the timeline page and its entries."""

    id: str
    heading: str
    level: int
    entries: tuple[Entry, ...] = field(default=())


def render_site(timeline: Timeline, options: RenderOptions) -> dict[str, bytes]:
    """Every file of the site, keyed by its path relative to the site root."""
    env = environment(options.templates)
    entry_of = _entry_of_mention(timeline.entries)
    files: dict[str, bytes] = {".nojekyll": b""}
    files["index.html"] = _page(env, "index.html", "", timeline, sections=sections(timeline))
    for article in timeline.articles:
        paragraphs = highlight(article, timeline.mentions_of(article.id), entry_of)
        files[f"articles/{article.id}.html"] = _page(
            env, "article.html", "../", timeline, article=article, paragraphs=paragraphs
        )
    for asset in ASSETS:
        files[asset] = env.loader.get_source(env, asset)[0].encode("utf-8")  # type: ignore[union-attr]
    files["timeline.json"] = timeline_json(timeline).encode("utf-8")
    return files


def environment(project_templates: Path | None) -> jinja2.Environment:
    """A Jinja environment: the project's templates first, then the shipped defaults."""
    folders = [str(p) for p in (project_templates, default_templates()) if p and p.is_dir()]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(label=label, machine=machine, day=_day_filter)
    env.globals.update(version=__version__)
    return env


def default_templates() -> Path:
    """The templates shipped with the tool: inside the package when installed from a wheel,
    the repository's top-level `templates/` when run from a checkout."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


def _page(env: jinja2.Environment, name: str, root: str, timeline: Timeline, **ctx: Any) -> bytes:
    articles = {a.id: a for a in timeline.articles}
    html = env.get_template(name).render(root=root, timeline=timeline, articles=articles, **ctx)
    return html.encode("utf-8")


def sections(timeline: Timeline) -> list[Section]:
    """Year headings, each followed by its month headings, with the entries under them."""
    out: list[Section] = []
    for year, in_year in groupby(timeline.entries, key=lambda e: _start(e.value).year):
        out.append(Section(f"y{year}", str(year), 2))
        for month, in_month in groupby(in_year, key=_month_key):
            entries = tuple(in_month)
            if month == 0:
                out.append(Section(f"y{year}-all", f"During {year}", 3, entries))
            else:
                out.append(
                    Section(f"y{year}-{month:02d}", f"{MONTHS[month - 1]} {year}", 3, entries)
                )
    return out


def _month_key(entry: Entry) -> int:
    """The month an entry is filed under; 0 for values coarser than a month."""
    value = entry.value
    assert value.start and value.end
    return value.start.month if value.end - value.start <= timedelta(days=31) else 0


def _start(value: TimeValue) -> datetime:
    assert value.start is not None
    return value.start


def highlight(
    article: Article, mentions: Iterable[Mention], entry_of: dict[tuple[str, int], str]
) -> list[list[Segment]]:
    """The article's paragraphs cut into plain text and highlighted time expressions."""
    ordered = sorted(mentions, key=lambda m: m.start)
    return [
        list(_segments(article.id, start, text, ordered, entry_of))
        for start, text in article.paragraphs
    ]


def _segments(
    article_id: str,
    start: int,
    text: str,
    mentions: list[Mention],
    entry_of: dict[tuple[str, int], str],
) -> Iterator[Segment]:
    pos = start
    for m in mentions:
        if m.start < pos or m.end > start + len(text):
            continue
        if m.start > pos:
            yield Segment(text[pos - start : m.start - start])
        yield Segment(text[m.start - start : m.end - start], m, entry_of.get((article_id, m.start)))
        pos = m.end
    if pos < start + len(text):
        yield Segment(text[pos - start :])


def _entry_of_mention(entries: Iterable[Entry]) -> dict[tuple[str, int], str]:
    return {(ev.article_id, ev.mention.start): e.id for e in entries for ev in e.events}


def _day_filter(when: datetime) -> str:
    return day(when.date())


def timeline_json(timeline: Timeline) -> str:
    """The merged timeline as data: a versioned, documented contract for scripts."""
    data = {
        "$schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "generator": f"timeline {__version__}",
        "title": timeline.title,
        "articles": [_article_json(a) for a in timeline.articles],
        "events": [_entry_json(e) for e in timeline.entries],
        "context": [_event_json(e) for e in timeline.context],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _article_json(a: Article) -> dict[str, Any]:
    return {
        "id": a.id,
        "title": a.title,
        "published": a.published.isoformat(),
        "source": a.source,
        "url": a.url,
        "language": a.language,
        "path": a.path,
        "page": f"articles/{a.id}.html",
    }


def _entry_json(e: Entry) -> dict[str, Any]:
    return {
        "id": e.id,
        **_value_json(e.value),
        "label": label(e.value),
        "title": e.title,
        "text": e.text,
        "status": str(e.status),
        "importance": round(e.importance, 4),
        "key": e.key,
        "sources": [_event_json(ev) for ev in e.events],
        "disagreement": [
            {**_value_json(v.value), "label": label(v.value), "events": list(v.event_ids)}
            for v in e.disagreement
        ],
    }


def _event_json(ev: Event) -> dict[str, Any]:
    m = ev.mention
    return {
        "event": ev.id,
        "article": ev.article_id,
        "quote": ev.sentence,
        "expression": m.text,
        "offset": [m.start, m.end],
        "anchor": str(m.anchor),
        "status": str(ev.status),
        **_value_json(m.value),
    }


def _value_json(v: TimeValue) -> dict[str, Any]:
    """TIMEX3 value, type, mod, granularity, and the interval as inclusive ISO dates (or
    date-times for clock times)."""
    start = end = None
    if v.start is not None and v.end is not None:
        last = v.end - timedelta(microseconds=1)
        if v.granularity == "time":
            start, end = v.start.isoformat(), v.end.isoformat()
        else:
            start, end = v.start.date().isoformat(), last.date().isoformat()
    return {
        "value": v.value,
        "type": v.type,
        "mod": v.mod,
        "granularity": str(v.granularity),
        "start": start,
        "end": end,
    }
