"""Stage 6, render: the timeline as site files, in memory.

`render_site` returns every file of the site as `{relative path: bytes}`; nothing here writes to
the site folder. Templates come from the project's own `templates/` folder first (any template
can be overridden by name), then from the defaults shipped with the tool. Every string that
came from an article is escaped by Jinja's autoescape; the only HTML we let through is the
Markdown the project wrote (about page, editorial notes), and that is sanitised by nh3.

Pages: index.html (the timeline; split into periods/*.html when large), events/<id>.html,
articles/<id>.html, sources.html, undated.html (-2, -3, ...), about.html, search.html, 404.html.
Data beside them: timeline.json, timelinejs.json, calendar.ics, feed.xml, robots.txt,
sitemap.xml (only with base_url), and the Pagefind search bundle under pagefind/.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import markdown
import nh3
import yaml

from timeline import __version__, exports, site_search
from timeline.errors import ConfigError
from timeline.labels import day, interval, label, machine, provenance
from timeline.model import Article, DateVote, Entry, Event, Mention, Timeline
from timeline.site_pages import (
    Page,
    Plan,
    SourceKey,
    article_path,
    event_path,
    neighbours,
    plan,
    shorten,
)

ASSETS = (
    "assets/style.css",
    "assets/timeline.js",
    "assets/search.js",
    "assets/favicon.svg",
    "assets/timeline-1.schema.json",
)
ABOUT_FILE = "about.md"
NOTES_FILE = "notes.yaml"
UNDATED_PAGE_SIZE = 300  # vague-dated statements per page of undated.html


@dataclass(frozen=True)
class RenderOptions:
    """What the renderer needs beyond the timeline."""

    templates: Path | None = None  # the project's own templates folder, if any
    description: str = ""  # Markdown shown above the timeline
    base_url: str = ""  # where the site is published, e.g. https://x.github.io/repo/ ('' unknown)
    about: Path | None = None  # Markdown for about.html (default: about.md in the sources)
    notes: Path | None = None  # YAML mapping event id -> Markdown note (default: notes.yaml)
    search: bool = True  # build the Pagefind index when Pagefind is installed
    language: str = "en"
    cache_dir: Path | None = None  # where render may keep results between builds (None: don't)


@dataclass(frozen=True)
class Segment:
    """A piece of a text: plain, or a time expression (with the entry it dates, if any)."""

    text: str
    mention: Mention | None = None
    entry_id: str | None = None


def render_site(timeline: Timeline, options: RenderOptions) -> dict[str, bytes]:
    """Every file of the site, keyed by its path relative to the site root."""
    site = _Site(timeline, options)
    files: dict[str, bytes] = {".nojekyll": b""}
    files.update(site.timeline_pages())
    files.update(site.event_pages())
    files.update(site.article_pages())
    files.update(site.other_pages())
    if options.search and site.searchable:
        indexed = {p: b for p, b in files.items() if p.startswith(("events/", "articles/"))}
        files.update(_search_files(indexed, timeline, options))
    files.update(site.data_files(sorted(p for p in files if p.endswith(".html"))))
    files.update(site.assets())
    return files


class _Site:
    """The renderer's working state: the environment, the layout plan and lookups."""

    def __init__(self, timeline: Timeline, options: RenderOptions) -> None:
        self.timeline, self.options = timeline, options
        self.env = environment(options.templates)
        self.plan: Plan = plan(timeline)
        self.articles = {a.id: a for a in timeline.articles}
        self.entry_of = {
            (ev.article_id, ev.mention.start): e.id for e in timeline.entries for ev in e.events
        }
        self.raw_notes = read_notes(options.notes)
        self.notes = {k: render_markdown(v) for k, v in self.raw_notes.items()}
        self.searchable = options.search and site_search.available()
        self.base_url = options.base_url.strip() or None

    def page(self, name: str, path: str, **ctx: Any) -> bytes:
        root = "../" * path.count("/")
        return self.render(name, path, root, **ctx)

    def render(self, name: str, path: str, root: str, **ctx: Any) -> bytes:
        html = self.env.get_template(name).render(
            root=root,
            path=path,
            timeline=self.timeline,
            articles=self.articles,
            plan=self.plan,
            notes=self.notes,
            searchable=self.searchable,
            base_url=self.base_url,
            **ctx,
        )
        return html.encode("utf-8")

    def timeline_pages(self) -> Iterator[tuple[str, bytes]]:
        years = sorted({s.year for p in self.plan.pages for s in p.sections})
        intro = render_markdown(self.options.description)
        common: dict[str, Any] = {"years": years, "intro": intro, "prev": None, "next": None}
        if self.plan.split:
            yield "index.html", self.page("index.html", "index.html", page=None, **common)
        pages = self.plan.pages
        for i, page in enumerate(pages):
            common["prev"] = pages[i - 1] if i > 0 else None
            common["next"] = pages[i + 1] if i + 1 < len(pages) else None
            yield (
                page.path,
                self.page(
                    "index.html", page.path, page=page, choices=self._choices(page), **common
                ),
            )

    def _choices(self, page: Page) -> dict[str, Any]:
        """The values the filters of a timeline page offer: its sources and years."""
        counts: dict[str, int] = {}
        labels: dict[str, SourceKey] = {}
        for entry in (e for s in page.sections for e in s.entries):
            for key in {self.plan.sources[aid].key: aid for aid in entry.article_ids}.items():
                labels[key[0]] = self.plan.sources[key[1]]
                counts[key[0]] = counts.get(key[0], 0) + 1
        ordered = sorted(labels.values(), key=lambda s: (s.label.lower(), s.key))
        years = sorted({s.year for s in page.sections})
        return {"sources": ordered, "counts": counts, "years": years}

    def event_pages(self) -> Iterator[tuple[str, bytes]]:
        around = neighbours(self.timeline.entries)
        for e in self.timeline.entries:
            path = event_path(e.id)
            yield (
                path,
                self.page(
                    "event.html",
                    path,
                    entry=e,
                    quotes=[(ev, quote_segments(ev)) for ev in e.events],
                    before=around[e.id][0],
                    after=around[e.id][1],
                    jsonld=exports.event_jsonld(e, self.articles, self.base_url),
                ),
            )

    def article_pages(self) -> Iterator[tuple[str, bytes]]:
        for a in self.timeline.articles:
            path = article_path(a.id)
            mentions = self.timeline.mentions_of(a.id)
            yield (
                path,
                self.page(
                    "article.html",
                    path,
                    article=a,
                    paragraphs=highlight(a, mentions, self.entry_of),
                    mention_count=len(mentions),
                    link=safe_url(a.url),
                    jsonld=exports.article_jsonld(a, self.base_url),
                ),
            )

    def other_pages(self) -> Iterator[tuple[str, bytes]]:
        about = read_text(self.options.about)
        yield "about.html", self.page("about.html", "about.html", about=render_markdown(about))
        yield "sources.html", self.page("sources.html", "sources.html", counts=self._counts())
        yield from self.undated_pages()
        yield "search.html", self.page("search.html", "search.html")
        base = self.base_url
        root = base.rstrip("/") + "/" if base else ""
        yield "404.html", self.render("404.html", "404.html", root)

    def undated_pages(self) -> Iterator[tuple[str, bytes]]:
        """The vague-dated statements, UNDATED_PAGE_SIZE to a page."""
        context = self.timeline.context
        size = UNDATED_PAGE_SIZE
        chunks = [context[i : i + size] for i in range(0, len(context), size)] or [()]
        names = ["undated.html"] + [f"undated-{n}.html" for n in range(2, len(chunks) + 1)]
        for n, (name, chunk) in enumerate(zip(names, chunks, strict=True)):
            prev = names[n - 1] if n else None
            nxt = names[n + 1] if n + 1 < len(names) else None
            pager = {"number": n + 1, "of": len(chunks), "prev": prev, "next": nxt}
            yield name, self.page("undated.html", name, statements=chunk, pager=pager)

    def _counts(self) -> dict[str, tuple[int, int]]:
        events: dict[str, int] = {}
        for e in self.timeline.entries:
            for aid in e.article_ids:
                events[aid] = events.get(aid, 0) + 1
        return {
            a.id: (len(self.timeline.mentions_of(a.id)), events.get(a.id, 0))
            for a in self.timeline.articles
        }

    def data_files(self, html_pages: list[str]) -> Iterator[tuple[str, bytes]]:
        t, base = self.timeline, self.base_url
        yield "timeline.json", exports.timeline_json(t, self.raw_notes).encode("utf-8")
        yield "timelinejs.json", exports.timelinejs_json(t).encode("utf-8")
        yield "calendar.ics", exports.icalendar(t, base).encode("utf-8")
        yield "feed.xml", exports.atom_feed(t, base).encode("utf-8")
        yield "robots.txt", exports.robots(base).encode("utf-8")
        if base:
            listed = [p for p in html_pages if p != "404.html"]
            yield "sitemap.xml", exports.sitemap(listed, base).encode("utf-8")

    def assets(self) -> Iterator[tuple[str, bytes]]:
        loader = self.env.loader
        assert loader is not None
        for asset in ASSETS:
            yield asset, loader.get_source(self.env, asset)[0].encode("utf-8")


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
    env.filters.update(
        label=label, machine=machine, day=_day_filter, interval=interval, shorten=shorten
    )
    env.globals.update(
        version=__version__,
        event_path=event_path,
        article_path=article_path,
        provenance=provenance,
        event_sources=event_sources,
        vote_sources=vote_sources,
    )
    return env


def default_templates() -> Path:
    """The templates shipped with the tool: inside the package when installed from a wheel,
    the repository's top-level `templates/` when run from a checkout."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


def _day_filter(when: datetime) -> str:
    return day(when.date())


# --- article text ----------------------------------------------------------------------------


def highlight(
    article: Article, mentions: Iterable[Mention], entry_of: Mapping[tuple[str, int], str]
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
    entry_of: Mapping[tuple[str, int], str],
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


def quote_segments(ev: Event) -> list[Segment]:
    """An event's sentence with its time expression marked, wherever the sentence has it."""
    m, sentence = ev.mention, ev.sentence
    at = m.start - ev.sentence_start
    if sentence[at : at + len(m.text)] != m.text:
        at = sentence.find(m.text)
    if at < 0 or not m.text:
        return [Segment(sentence)]
    cut = at + len(m.text)
    parts = [Segment(sentence[:at]), Segment(sentence[at:cut], m), Segment(sentence[cut:])]
    return [p for p in parts if p.text]


def safe_url(url: str | None) -> str | None:
    """An article's link, only when it is an http(s) URL (never javascript: or data:)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


# --- Markdown the project writes ---------------------------------------------------------------


def render_markdown(text: str) -> str:
    """Markdown to HTML, sanitised: no scripts, no event handlers, no images from elsewhere."""
    if not text.strip():
        return ""
    html = markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        link_rel="noopener noreferrer",
        url_schemes={"http", "https", "mailto"},
        attribute_filter=_local_images_only,
    )


def _local_images_only(tag: str, attribute: str, value: str) -> str | None:
    """Keep an <img> only when it points inside the site: no request may leave it."""
    if tag == "img" and attribute == "src" and (urlsplit(value).scheme or value.startswith("//")):
        return None
    return value


def read_text(path: Path | None) -> str:
    """The text of an optional project file ('' when it is not there)."""
    if path is None or not path.is_file():
        return ""
    return path.read_text(encoding="utf-8-sig")


def read_notes(path: Path | None) -> dict[str, str]:
    """Editorial notes: a YAML mapping of event id to Markdown text."""
    text = read_text(path)
    if not text.strip():
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError([f"{path}: not valid YAML ({err}); see docs on notes.yaml"]) from err
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ConfigError([f"{path}: expected 'event-id: Markdown text' pairs"])
    return {str(k): v for k, v in sorted(data.items(), key=lambda kv: str(kv[0]))}


def _search_files(
    pages: Mapping[str, bytes], timeline: Timeline, options: RenderOptions
) -> dict[str, bytes]:
    """The search index, in shards that one edit rarely touches: each page goes with the
    article it comes from (an event with the earliest article that tells it), under that
    article's publish month."""
    articles = {a.id: a for a in timeline.articles}
    groups = {article_path(a.id): _search_group(a) for a in timeline.articles}
    for e in timeline.entries:
        told = [articles[aid] for aid in e.article_ids if aid in articles]
        if told:
            groups[event_path(e.id)] = _search_group(min(told, key=lambda a: (a.published, a.id)))
    return site_search.search_index(pages, options.language, groups, options.cache_dir)


def _search_group(article: Article) -> tuple[str, str, str]:
    return f"{article.published.year}", f"{article.published.month:02d}", article.id


def vote_sources(
    vote: DateVote, entry: Entry, articles: Mapping[str, Article]
) -> list[tuple[Article, str, int]]:
    """The articles behind one date vote: each with its first event's id and how many of its
    sentences give that date."""
    events = {ev.id: ev for ev in entry.events}
    out: dict[str, list[str]] = {}
    for eid in vote.event_ids:
        ev = events.get(eid)
        if ev is not None and ev.article_id in articles:
            out.setdefault(ev.article_id, []).append(eid)
    return [(articles[aid], ids[0], len(ids)) for aid, ids in out.items()]


def event_sources(entry: Entry, articles: Mapping[str, Article]) -> list[Article]:
    """The distinct articles an entry is told in, in order."""
    return [articles[aid] for aid in entry.article_ids if aid in articles]
