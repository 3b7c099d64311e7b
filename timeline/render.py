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

Given a cache folder, pages and pieces of the data exports are kept between builds under a
digest of everything they are rendered from (`_Keys`), so a build after a small edit renders
only the pages the edit reaches; the site is the same, byte for byte, as a build without it.
"""

from __future__ import annotations

import operator
import os
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import markdown
import nh3
import yaml
from markupsafe import Markup

from timeline import __version__, collector, exports, site_search
from timeline.errors import ConfigError
from timeline.labels import day, interval, label, machine, provenance
from timeline.model import Article, DateVote, Entry, Event, Mention, Timeline
from timeline.render_cache import FORMAT, ModelDigest, RenderCache, digest
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
from timeline.write import SiteFiles

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
# Export items are kept in runs of about this many (see `_Site._runs`): a run an edit reaches
# is made again whole (an item of timeline.json takes a quarter of a millisecond).
RUN_ITEMS = 8
# Where a kept period page's overview strip goes: escaped text can never read like this.
STRIP_MARK = "<!-- timeline: the overview strip -->"
# A file to make: its path, its cache key (None: not cached) and how to render it.
Job = tuple[str, bytes | None, Callable[[], bytes]]


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


def render_site(timeline: Timeline, options: RenderOptions) -> SiteFiles:
    """Every file of the site, keyed by its path relative to the site root."""
    with collector.paused():
        return _render(timeline, options)


def _render(timeline: Timeline, options: RenderOptions) -> SiteFiles:
    site = _Site(timeline, options)
    files = SiteFiles({".nojekyll": b""})
    site.produce(files, site.timeline_pages())
    site.produce(files, site.event_pages())
    site.produce(files, site.article_pages())
    site.produce(files, site.other_pages())
    # Pagefind indexes the changed shards in its own processes while the data files are made.
    searched = (
        _start_search(files, timeline, options) if options.search and site.searchable else None
    )
    data = SiteFiles()
    site.produce(data, site.data_files(sorted(p for p in files if p.endswith(".html"))))
    if searched is not None:
        files.extend(searched())
    files.extend(data)
    files.update(dict(site.assets()))
    site.cache.save()
    return files


class _Site:
    """The renderer's working state: the environment, the layout plan and lookups."""

    def __init__(self, timeline: Timeline, options: RenderOptions) -> None:
        self.timeline, self.options = timeline, options
        self.env = environment(options.templates, _compiled(options.cache_dir))
        self.plan: Plan = plan(timeline)
        self.articles = {a.id: a for a in timeline.articles}
        self.entry_of = {
            (ev.article_id, ev.mention.start): e.id for e in timeline.entries for ev in e.events
        }
        self.told_by = {e.id: e.article_ids for e in timeline.entries}  # once: a dict each
        self.raw_notes = read_notes(options.notes)
        self.notes = {k: render_markdown(v) for k, v in self.raw_notes.items()}
        self.searchable = options.search and site_search.available()
        self.base_url = options.base_url.strip() or None
        self.cache = RenderCache(options.cache_dir)
        self.keys = _Keys(self) if self.cache.enabled else None
        self._own_templates = changed_templates(options.templates)
        self._strip_links = {bar.href for bar in self.plan.strip}
        self._strips: dict[tuple[str, str | None], Markup] = {}

    def produce(self, files: SiteFiles, jobs: Iterable[Job]) -> None:
        """Render each job into `files`, or take it from the cache when its key is known."""
        for path, key, make in jobs:
            known = self.cache.known(key) if key is not None else None
            if key is not None and known is not None:
                files.add_known(path, known, partial(self._reload, key, make))
            else:
                data = make()
                files.add(path, data, self.cache.put(key, data) if key is not None else None)

    def _reload(self, key: bytes, make: Callable[[], bytes]) -> bytes:
        data = self.cache.load(key)
        return make() if data is None else data

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

    def timeline_pages(self) -> Iterator[Job]:
        years = sorted({s.year for p in self.plan.pages for s in p.sections})
        intro = render_markdown(self.options.description)
        common: dict[str, Any] = {"years": years, "intro": intro, "prev": None, "next": None}
        if self.plan.split:
            common["period_sizes"] = period_sizes(self.plan.pages)
            strip = partial(self._strip, "index.html")
            yield (
                "index.html",
                None,
                partial(self.page, "index.html", "index.html", page=None, strip=strip, **common),
            )
        pages = self.plan.pages
        for i, page in enumerate(pages):
            prev = pages[i - 1] if i > 0 else None
            nxt = pages[i + 1] if i + 1 < len(pages) else None
            ctx = {**common, "prev": prev, "next": nxt, "page": page}
            if self.keys is None or page.path == "index.html":
                yield page.path, None, partial(self._timeline_page, page, ctx)
                continue
            body = self.keys.period(page, prev, nxt, years)
            self.cache.touch("periods", body)
            key = self.keys.with_strip(body)
            yield page.path, key, partial(self._period_page, page, ctx, body)

    def _timeline_page(self, page: Page, ctx: dict[str, Any]) -> bytes:
        strip = partial(self._strip, page.path)
        return self.page("index.html", page.path, choices=self._choices(page), strip=strip, **ctx)

    def _period_page(self, page: Page, ctx: dict[str, Any], body_key: bytes) -> bytes:
        """A period page from its body kept between builds (the page but the overview strip,
        which changes with every entry added or removed anywhere) and its strip."""
        assert self.keys is not None
        mark = partial(Markup, STRIP_MARK)
        body = partial(self.page, "index.html", page.path, choices=self._choices(page), **ctx)
        kept = self.cache.piece(
            "periods", self.keys.salt, body_key, lambda: body(strip=mark).decode()
        )
        return kept.replace(STRIP_MARK.encode(), self._strip(page.path).encode("utf-8"), 1)

    def _strip(self, path: str) -> Markup:
        """The overview strip as `path` shows it. The shipped template reads the path only to
        mark the bar that links to it: the pages no bar links to share one strip per folder."""
        root = "../" * path.count("/")
        linked = path in self._strip_links or self._own_templates
        seen = (root, path if linked else None)
        if seen not in self._strips:
            html = self.env.get_template("_strip.html").render(plan=self.plan, root=root, path=path)
            self._strips[seen] = Markup(html)
        return self._strips[seen]

    def _choices(self, page: Page) -> dict[str, Any]:
        """The values the filters of a timeline page offer: its sources and years."""
        counts: dict[str, int] = {}
        labels: dict[str, SourceKey] = {}
        for entry in (e for s in page.sections for e in s.entries):
            for key in {self.plan.sources[aid].key: aid for aid in self.told_by[entry.id]}.items():
                labels[key[0]] = self.plan.sources[key[1]]
                counts[key[0]] = counts.get(key[0], 0) + 1
        ordered = sorted(labels.values(), key=lambda s: (s.label.lower(), s.key))
        years = sorted({s.year for s in page.sections})
        return {"sources": ordered, "counts": counts, "years": years}

    def event_pages(self) -> Iterator[Job]:
        around = neighbours(self.timeline.entries)
        for e in self.timeline.entries:
            path = event_path(e.id)
            before, after = around[e.id]
            key = self.keys.event(e, self.plan.home_of[e.id], before, after) if self.keys else None
            yield path, key, partial(self._event_page, path, e, before, after)

    def _event_page(self, path: str, e: Entry, before: Entry | None, after: Entry | None) -> bytes:
        return self.page(
            "event.html",
            path,
            entry=e,
            quotes=[(ev, quote_segments(ev)) for ev in e.events],
            before=before,
            after=after,
            jsonld=exports.event_jsonld(e, self.articles, self.base_url),
        )

    def article_pages(self) -> Iterator[Job]:
        for a in self.timeline.articles:
            path = article_path(a.id)
            mentions = self.timeline.mentions_of(a.id)
            key = None
            if self.keys is not None:
                dated = tuple(self.entry_of.get((a.id, m.start)) for m in mentions)
                key = self.keys.article(a, dated)
            yield path, key, partial(self._article_page, path, a, mentions)

    def _article_page(self, path: str, a: Article, mentions: Sequence[Mention]) -> bytes:
        return self.page(
            "article.html",
            path,
            article=a,
            paragraphs=highlight(a, mentions, self.entry_of),
            mention_count=len(mentions),
            link=safe_url(a.url),
            jsonld=exports.article_jsonld(a, self.base_url),
        )

    def other_pages(self) -> Iterator[Job]:
        about = render_markdown(read_text(self.options.about))
        yield "about.html", None, partial(self.page, "about.html", "about.html", about=about)
        counts = self._counts()
        key = self.keys.sources(counts) if self.keys else None
        rows = partial(self._source_rows, counts)
        yield "sources.html", key, partial(self._sources_page, counts, rows)
        yield from self.undated_pages()
        yield "search.html", None, partial(self.page, "search.html", "search.html")
        base = self.base_url
        root = base.rstrip("/") + "/" if base else ""
        yield "404.html", None, partial(self.render, "404.html", "404.html", root)

    def _sources_page(self, counts: dict[str, tuple[int, int]], rows: Callable[[], str]) -> bytes:
        return self.page("sources.html", "sources.html", counts=counts, rows=rows)

    def _source_rows(self, counts: dict[str, tuple[int, int]]) -> Markup:
        """The rows of sources.html, oldest article first: each a piece kept between builds
        (one edit changes one or two of ten thousand)."""
        row = self.env.get_template("_source.html")
        ordered = sorted(self.timeline.articles, key=lambda a: a.published)
        if self.keys is None:
            return Markup("".join(row.render(a=a, c=counts[a.id]) for a in ordered))
        keys = [self.keys.source_row(a, counts[a.id]) for a in ordered]
        ends = _run_ends([zlib.crc32(a.id.encode()) for a in ordered])
        rows = self._pieces(
            "sources.html",
            self.keys.salt,
            keys,
            ends,
            "",
            lambda i: row.render(a=ordered[i], c=counts[ordered[i].id]),
        )
        return Markup(b"".join(rows).decode("utf-8"))

    def undated_pages(self) -> Iterator[Job]:
        """The vague-dated statements, UNDATED_PAGE_SIZE to a page."""
        context = self.timeline.context
        size = UNDATED_PAGE_SIZE
        starts = range(0, len(context), size)
        chunks = [context[i : i + size] for i in starts] or [()]
        names = ["undated.html"] + [f"undated-{n}.html" for n in range(2, len(chunks) + 1)]
        for n, (name, chunk) in enumerate(zip(names, chunks, strict=True)):
            prev = names[n - 1] if n else None
            nxt = names[n + 1] if n + 1 < len(names) else None
            pager = {"number": n + 1, "of": len(chunks), "prev": prev, "next": nxt}
            key = self.keys.undated(name, pager, n * size, chunk) if self.keys else None
            yield name, key, partial(self.page, "undated.html", name, statements=chunk, pager=pager)

    def _counts(self) -> dict[str, tuple[int, int]]:
        events: dict[str, int] = {}
        for told in self.told_by.values():
            for aid in told:
                events[aid] = events.get(aid, 0) + 1
        return {
            a.id: (len(self.timeline.mentions_of(a.id)), events.get(a.id, 0))
            for a in self.timeline.articles
        }

    def data_files(self, html_pages: list[str]) -> Iterator[Job]:
        base = self.base_url
        yield "timeline.json", self._doc_key("timeline.json"), self._timeline_json
        yield "timelinejs.json", self._doc_key("timelinejs.json"), self._timelinejs_json
        yield "calendar.ics", self._doc_key("calendar.ics"), self._calendar
        yield "feed.xml", self._doc_key("feed.xml"), self._feed
        yield "robots.txt", None, lambda: exports.robots(base).encode("utf-8")
        if base:
            listed = [p for p in html_pages if p != "404.html"]
            yield "sitemap.xml", None, lambda: exports.sitemap(listed, base).encode("utf-8")

    def _doc_key(self, name: str) -> bytes | None:
        return self.keys.document(name) if self.keys else None

    def _timeline_json(self) -> bytes:
        t, k, notes = self.timeline, self.keys, self.raw_notes
        if k is None:
            return exports.timeline_json(t, notes)
        runs = partial(self._runs, "timeline.json", k.code, sep=",\n")
        articles = runs(list(map(k.article_of.__getitem__, (a.id for a in t.articles))))
        events = runs(list(map(k.entry_note, t.entries)))
        context = runs(k.context)
        return exports.timeline_document(
            t.title,
            articles(lambda i: exports.article_item(t.articles[i])),
            events(lambda i: exports.entry_item(t.entries[i], notes.get(t.entries[i].id))),
            context(lambda i: exports.context_item(t.context[i])),
        )

    def _timelinejs_json(self) -> bytes:
        t, k = self.timeline, self.keys
        if k is None:
            return exports.timelinejs_json(t)
        dated = [e for e in t.entries if e.value.is_dated]
        runs = self._runs("timelinejs.json", k.code, [k.entry[e.id] for e in dated], sep=",\n")
        return exports.timelinejs_document(
            t.title, runs(lambda i: exports.timelinejs_item(dated[i]))
        )

    def _calendar(self) -> bytes:
        t, k, base = self.timeline, self.keys, self.base_url
        if k is None:
            return exports.icalendar(t, base)
        shown = [e for e in t.entries if exports.in_calendar(e)]
        runs = self._runs("calendar.ics", k.code, list(map(k.sourced, shown)), sep="")
        events = runs(lambda i: exports.vevent(shown[i], self.articles, base))
        return exports.calendar_document(t.title, events)

    def _feed(self) -> bytes:
        t, k, base = self.timeline, self.keys, self.base_url
        if k is None:
            return exports.atom_feed(t, base)
        ns = exports.feed_namespace(t.title, base)
        ordered = exports.feed_order(t.entries)
        runs = self._runs("feed.xml", k.code, list(map(k.sourced, ordered)), sep="\n")
        return exports.feed_document(
            t, base, runs(lambda i: exports.atom_entry(ordered[i], self.articles, ns))
        )

    def _runs(
        self, kind: str, salt: bytes, keys: Sequence[bytes], sep: str
    ) -> Callable[[Callable[[int], str]], list[bytes]]:
        """The items of export `kind` (item i made by `make(i)`, kept under `keys[i]`), in
        UTF-8 and joined by `sep` in runs: each run one piece, kept under a digest of its keys
        (so a document is put together from a few hundred pieces, not one per item)."""
        return partial(self._pieces, kind, salt, keys, _run_ends([k[-1] for k in keys]), sep)

    def _pieces(
        self,
        kind: str,
        salt: bytes,
        keys: Sequence[object],
        ends: Sequence[int],
        sep: str,
        make: Callable[[int], str],
    ) -> list[bytes]:
        """The runs of items `keys[start:end]` (`ends` where each run ends), each a piece of
        `kind` kept under a digest of its keys, made by joining `make(i)` with `sep`."""
        out, start = [], 0
        for end in ends:
            run = partial(_joined, make, sep, start, end)
            out.append(self.cache.piece(kind, salt, digest(sep, keys[start:end]), run))
            start = end
        return out

    def assets(self) -> Iterator[tuple[str, bytes]]:
        loader = self.env.loader
        assert loader is not None
        for asset in ASSETS:
            yield asset, loader.get_source(self.env, asset)[0].encode("utf-8")


class _Keys:
    """The cache key of every cached file: a digest of everything it is rendered from.

    Every page reads the templates, the code of this stage, the options, the notes, and the
    timeline's title and article count (in the footer). On top of that an event page reads
    its entry, the heads of the entry's articles (all but their text: `_article_head`) and its
    neighbours; an article page the article, its mentions and the entries they date; a period
    page its entries, their articles' heads and the overview strip (which no other page shows:
    a new entry re-renders the timeline pages, not every page); an undated page its
    statements and their articles' heads. A template the project changed may read anything:
    then every key covers the whole timeline."""

    def __init__(self, site: _Site) -> None:
        t, options = site.timeline, site.options
        model_digest = ModelDigest()
        # An article and its mentions in one digest (an edit changes both anyway): the
        # version they were made from when known, which says as much and costs nothing.
        versions = dict(t.versions)
        self.article_of = {
            a.id: digest(versions[a.id], a.id)
            if a.id in versions
            else model_digest.mentions(a, t.mentions_of(a.id))
            for a in t.articles
        }
        # What the pages of its events show of an article: not its text, which an edit changes
        # (the events an edit leaves as they were keep their pages).
        self.head_of = {a.id: model_digest(_article_head(a)) for a in t.articles}
        self.entry = {e.id: model_digest.entry(e, versions) for e in t.entries}
        self.context = [model_digest.event(ev, versions) for ev in t.context]
        self.sources_of = {
            eid: tuple(map(self.head_of.get, told)) for eid, told in site.told_by.items()
        }
        self.notes, self.title = site.raw_notes, t.title
        self.sourced_of: dict[str, bytes] = {}
        # What sources.html shows of each article: not its body, which most edits change.
        self.listing = model_digest(
            [(a.id, a.title, a.source, a.published, len(a.dropped)) for a in t.articles]
        )
        self.everything = digest(
            tuple(self.article_of.values()),
            tuple(self.entry.values()),
            tuple(self.context),
            model_digest(t.problems),
        )
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
        self.code = digest(FORMAT, code_digest(), epoch, options.base_url)
        self.salt = digest(
            self.code,
            _templates_digest(site.env),
            options.description,
            options.language,
            site.searchable,
            read_text(options.about),
            site.raw_notes,
            t.title,
            len(t.articles),
            site.plan.split,
        )
        self.strip = model_digest(site.plan.strip)  # the overview strip, on timeline pages only
        if changed_templates(options.templates):
            self.salt = digest(self.salt, self.everything)

    def event(self, e: Entry, home: str, before: Entry | None, after: Entry | None) -> bytes:
        near = tuple(self.entry[n.id] if n else None for n in (before, after))
        return digest(self.salt, "event", self.entry[e.id], home, self._sources(e), near)

    def article(self, a: Article, dated: tuple[str | None, ...]) -> bytes:
        return digest(self.salt, "article", self.article_of[a.id], dated)

    def period(self, page: Page, prev: Page | None, nxt: Page | None, years: list[int]) -> bytes:
        heads = [(s.id, s.heading, s.year) for s in page.sections]
        entries = [(self.entry[e.id], self._sources(e)) for s in page.sections for e in s.entries]
        near = [(p.path, p.title, p.number, p.of) if p else None for p in (prev, nxt)]
        where = (page.path, page.title, page.number, page.of)
        return digest(self.salt, "period", where, heads, entries, near, years)

    def with_strip(self, period: bytes) -> bytes:
        """The key of a period page from the key of its body (`period`)."""
        return digest(period, self.strip)

    def undated(
        self, name: str, pager: dict[str, Any], start: int, chunk: Sequence[Event]
    ) -> bytes:
        said = self.context[start : start + len(chunk)]
        sources = [self.head_of.get(ev.article_id) for ev in chunk]
        return digest(self.salt, "undated", name, pager, len(self.context), said, sources)

    def sources(self, counts: dict[str, tuple[int, int]]) -> bytes:
        return digest(self.salt, "sources", self.listing, counts)

    @staticmethod
    def source_row(a: Article, counts: tuple[int, int]) -> tuple[Any, ...]:
        """What a row of sources.html shows (its run's key is a digest of its rows')."""
        return (a.id, a.title, a.source, a.published, len(a.dropped), counts)

    def document(self, name: str) -> bytes:
        return digest(self.code, name, self.title, self.notes, self.everything)

    def entry_note(self, e: Entry) -> bytes:
        note = self.notes.get(e.id)
        return self.entry[e.id] if note is None else digest(self.entry[e.id], note)

    def sourced(self, e: Entry) -> bytes:
        """The key of an export piece made from an entry and its articles."""
        if e.id not in self.sourced_of:
            self.sourced_of[e.id] = digest(self.entry[e.id], self._sources(e), self.title)
        return self.sourced_of[e.id]

    def _sources(self, e: Entry) -> tuple[bytes | None, ...]:
        return self.sources_of[e.id]


# An article as the pages of its events, the timeline pages and the calendar and feed show it.
_article_head = operator.attrgetter(
    "id", "path", "title", "published", "source", "language", "url", "dropped", "meta"
)


def _run_ends(marks: Sequence[int]) -> list[int]:
    """Where runs of items end: after each item whose mark (a number drawn from its key) is a
    multiple of RUN_ITEMS, and after the last. An item added or taken away changes its own
    run only."""
    ends = [i + 1 for i, mark in enumerate(marks) if mark % RUN_ITEMS == 0]
    if marks and (not ends or ends[-1] != len(marks)):
        ends.append(len(marks))
    return ends


def _joined(make: Callable[[int], str], sep: str, start: int, end: int) -> str:
    return sep.join(map(make, range(start, end)))


@cache
def code_digest() -> bytes:
    """A digest of the tool's code and data: every file of the package, so any change to it
    (a render function, a label, the model) renders every page afresh."""
    root = Path(__file__).parent
    files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return digest(__version__, [(p.relative_to(root).as_posix(), p.read_bytes()) for p in files])


def _templates_digest(env: jinja2.Environment) -> bytes:
    """A digest of every file the environment can load, in the order it looks for them."""
    loader = env.loader
    assert isinstance(loader, jinja2.FileSystemLoader)
    files = []
    for folder in map(Path, loader.searchpath):
        found = sorted(p for p in folder.rglob("*") if p.is_file())
        files.append([(p.relative_to(folder).as_posix(), p.read_bytes()) for p in found])
    return digest(files)


def changed_templates(project: Path | None) -> bool:
    """True when the project's templates folder has an HTML template of its own (one the tool
    does not ship, or ships with other bytes)."""
    shipped = default_templates()
    if project is None or not project.is_dir() or project.resolve() == shipped.resolve():
        return False
    for path in project.rglob("*.html"):
        default = shipped / path.relative_to(project)
        if not default.is_file() or default.read_bytes() != path.read_bytes():
            return True
    return False


def environment(project_templates: Path | None, compiled: Path | None = None) -> jinja2.Environment:
    """A Jinja environment: the project's templates first, then the shipped defaults. Compiled
    templates are kept in `compiled`, when given (Jinja checks them against the source)."""
    folders = [str(p) for p in (project_templates, default_templates()) if p and p.is_dir()]
    bytecode = jinja2.FileSystemBytecodeCache(str(compiled)) if compiled else None
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        bytecode_cache=bytecode,
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


def _compiled(cache_dir: Path | None) -> Path | None:
    """Where compiled templates are kept: inside the render cache, when there is one."""
    if cache_dir is None:
        return None
    folder = cache_dir / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def default_templates() -> Path:
    """The templates shipped with the tool: inside the package when installed from a wheel,
    the repository's top-level `templates/` when run from a checkout."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


def _day_filter(when: datetime) -> str:
    return day(when.date())


# --- article text ----------------------------------------------------------------------------


def period_sizes(pages: Iterable[Page]) -> dict[str, int]:
    """How many entries each period holds, over all its pages (for the index of a split site)."""
    sizes: dict[str, int] = {}
    for page in pages:
        for s in page.sections:
            sizes[s.id] = sizes.get(s.id, 0) + len(s.entries)
    return sizes


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


def _search_files(files: SiteFiles, timeline: Timeline, options: RenderOptions) -> SiteFiles:
    """The search index of the event and article pages, in shards that one edit rarely
    touches: each page goes with the article it comes from (an event with the earliest article
    that tells it), under that article's publish month."""
    return _start_search(files, timeline, options)()


def _start_search(
    files: SiteFiles, timeline: Timeline, options: RenderOptions
) -> Callable[[], SiteFiles]:
    """`_search_files` begun: Pagefind runs in the background until the function returned is
    called."""
    pages = files.only(("events/", "articles/"))
    oldest = sorted(timeline.articles, key=lambda a: (a.published, a.id))
    rank = {a.id: n for n, a in enumerate(oldest)}
    groups = {article_path(a.id): _search_group(a) for a in timeline.articles}
    for e in timeline.entries:
        first = min((rank[ev.article_id] for ev in e.events if ev.article_id in rank), default=-1)
        if first >= 0:
            groups[event_path(e.id)] = _search_group(oldest[first])
    return site_search.start_index(pages, options.language, groups, options.cache_dir)


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
