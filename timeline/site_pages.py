"""The shape of the site, as plain data: which entries go on which page, under which heading.

A small timeline is one page. A large one (more than `PAGE_LIMIT` entries) gets an index of
key events and periods, and one page per month (split further when a month is crowded), so no
page grows to megabytes. Everything here is pure: the renderer turns it into HTML.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby

from timeline.labels import MONTHS, SHORT
from timeline.model import Article, Entry, Timeline, TimeValue

PAGE_LIMIT = 200  # entries a single timeline page holds before the site splits by period
PERIOD_PAGE_SIZE = 120  # entries per page of a split period
KEY_LIMIT = 40  # key events listed on the index of a split site
STRIP_MONTHS = 24  # months the overview strip shows one by one, at most
STRIP_MIN_MONTHS = 6  # and at least (a short story still reads as a strip, not three blocks)
STRIP_THIN = 0.015  # months at the ends of the strip with fewer entries than this share go
BAR_STEPS = 8  # bar heights are quantised to classes h0..h8 (no inline styles: CSP)


@dataclass(frozen=True)
class Section:
    """A month (or 'During <year>') heading and its entries."""

    id: str  # anchor id, also the period page's name on a split site
    heading: str
    year: int
    entries: tuple[Entry, ...] = field(default=())


@dataclass(frozen=True)
class Page:
    """One timeline page: its path and the sections on it."""

    path: str
    sections: tuple[Section, ...]
    title: str
    number: int = 1
    of: int = 1


@dataclass(frozen=True)
class Bar:
    """One column of the overview strip: a period, its entry count and where it leads."""

    label: str
    short: str
    count: int
    height: int  # 0..BAR_STEPS
    href: str  # relative to the site root
    year_start: bool = False
    edge: bool = False  # the 'earlier' or 'later' bar beside the months


@dataclass(frozen=True)
class SourceKey:
    """A filter value: an outlet when the articles name one, else the article itself."""

    key: str
    label: str


@dataclass(frozen=True)
class Plan:
    """Where every entry lives and what the index shows."""

    split: bool
    pages: tuple[Page, ...]  # the timeline pages (just index.html when not split)
    home_of: dict[str, str]  # entry id -> page path that lists it
    strip: tuple[Bar, ...]
    key_entries: tuple[Entry, ...]
    sources: dict[str, SourceKey]  # article id -> its filter key


def plan(timeline: Timeline) -> Plan:
    """Lay the timeline out in pages."""
    secs = sections(timeline.entries)
    split = len(timeline.entries) > PAGE_LIMIT
    pages = _period_pages(secs) if split else (Page("index.html", tuple(secs), timeline.title),)
    home_of = {e.id: p.path for p in pages for s in p.sections for e in s.entries}
    first_page = {s.id: p.path for p in reversed(pages) for s in p.sections}
    return Plan(
        split=split,
        pages=pages,
        home_of=home_of,
        strip=strip(timeline.entries, first_page),
        key_entries=key_entries(timeline.entries, KEY_LIMIT if split else None),
        sources=source_keys(timeline.articles),
    )


def sections(entries: Iterable[Entry]) -> list[Section]:
    """Entries grouped by year, then month; values coarser than a month go first in their year."""
    out: list[Section] = []
    for year, in_year in groupby(entries, key=lambda e: _start(e.value).year):
        by_month: dict[int, list[Entry]] = {}
        for entry in in_year:
            by_month.setdefault(month_of(entry.value), []).append(entry)
        for month in sorted(by_month):
            heading = f"During {year}" if month == 0 else f"{MONTHS[month - 1]} {year}"
            out.append(Section(period_id(year, month), heading, year, tuple(by_month[month])))
    return out


def period_id(year: int, month: int) -> str:
    """'2023-07' for a month, '2023' for the entries of a year not placed in a month."""
    return f"{year}-{month:02d}" if month else f"{year}"


def month_of(value: TimeValue) -> int:
    """The month a value is filed under; 0 for values that span more than a month."""
    start = _start(value)
    assert value.end is not None
    last = value.end - timedelta(microseconds=1)
    same_month = (last.year, last.month) == (start.year, start.month)
    return start.month if same_month or value.end - start <= timedelta(days=8) else 0


def _period_pages(secs: Sequence[Section]) -> tuple[Page, ...]:
    pages: list[Page] = []
    for sec in secs:
        size = PERIOD_PAGE_SIZE
        chunks = [sec.entries[i : i + size] for i in range(0, len(sec.entries), size)]
        for n, chunk in enumerate(chunks, start=1):
            suffix = "" if n == 1 else f"-{n}"
            part = Section(sec.id, sec.heading, sec.year, chunk)
            path = f"periods/{sec.id}{suffix}.html"
            pages.append(Page(path, (part,), sec.heading, n, len(chunks)))
    return tuple(pages)


def strip(entries: Sequence[Entry], page_of: dict[str, str]) -> tuple[Bar, ...]:
    """How the entries spread over time: one bar per month over the busiest stretch of at most
    `STRIP_MONTHS` months, with one bar each for the entries before and after it."""
    if not entries:
        return ()
    months = [(_month_index(e), month_of(e.value) != 0) for e in entries]
    counts = Counter(m for m, _ in months)
    first, last = _window(Counter(m for m, in_month in months if in_month) or counts)
    before = sum(n for m, n in counts.items() if m < first)
    after = sum(n for m, n in counts.items() if m > last)
    top = max(counts[m] for m in range(first, last + 1))
    bars = []
    if before:
        bars.append(_edge_bar("Before", first, before, top, min(counts), page_of))
    for m in range(first, last + 1):
        bars.append(_month_bar(m, counts.get(m, 0), top, page_of, m == first))
    if after:
        later = min(k for k in counts if k > last)
        bars.append(_edge_bar("After", last, after, top, later, page_of))
    return tuple(bars)


def _month_index(e: Entry) -> int:
    start = _start(e.value)
    return start.year * 12 + start.month - 1


def _window(counts: Counter[int]) -> tuple[int, int]:
    """The first and last month of the busiest run of at most STRIP_MONTHS months."""
    lo, hi = min(counts), max(counts)
    if hi - lo >= STRIP_MONTHS:
        best = max(range(lo, hi - STRIP_MONTHS + 2), key=lambda a: (_sum(counts, a), -a))
        months = [m for m in counts if best <= m < best + STRIP_MONTHS]
        lo, hi = min(months), max(months)
    lo, hi = _trim(counts, lo, hi)
    return min(lo, hi - STRIP_MIN_MONTHS + 1), hi


def _trim(counts: Counter[int], lo: int, hi: int) -> tuple[int, int]:
    """Drop thin months at either end of the window (they go into 'earlier' and 'later')."""
    thin = max(1, sum(counts[m] for m in range(lo, hi + 1)) * STRIP_THIN)
    while hi - lo + 1 > STRIP_MIN_MONTHS and counts.get(lo, 0) <= thin:
        lo += 1
    while hi - lo + 1 > STRIP_MIN_MONTHS and counts.get(hi, 0) <= thin:
        hi -= 1
    return lo, hi


def _sum(counts: Counter[int], first: int) -> int:
    return sum(n for m, n in counts.items() if first <= m < first + STRIP_MONTHS)


def _month_bar(m: int, n: int, top: int, page_of: dict[str, str], first: bool) -> Bar:
    year, month = divmod(m, 12)
    name = f"{MONTHS[month]} {year}"
    label = f"{name}: {n} event{'s' if n != 1 else ''}"
    short = f"{SHORT[month]} {year}" if month == 0 or first else SHORT[month]
    href = _href(year, month + 1, page_of) if n else ""
    return Bar(label, short, n, _height(n, top), href, month == 0 or first)


def _edge_bar(side: str, edge: int, n: int, top: int, target: int, page_of: dict[str, str]) -> Bar:
    year, month = divmod(edge, 12)
    label = f"{side} {MONTHS[month]} {year}: {n} event{'s' if n != 1 else ''}"
    ty, tm = divmod(target, 12)
    short = "earlier" if side == "Before" else "later"
    height = min(BAR_STEPS, _height(n, top))
    return Bar(label, short, n, height, _href(ty, tm + 1, page_of), False, edge=True)


def _href(year: int, month: int, page_of: dict[str, str]) -> str:
    """Where a bar leads: the month's section, else the section of its year's coarser dates."""
    for period in (period_id(year, month), period_id(year, 0)):
        page = page_of.get(period)
        if page is not None:
            return f"{page}#p{period}" if page == "index.html" else page
    return ""


def _height(n: int, top: int) -> int:
    if n == 0:
        return 0
    return max(1, round(BAR_STEPS * n / top))


def key_entries(entries: Sequence[Entry], limit: int | None) -> tuple[Entry, ...]:
    """The key entries in date order; at most `limit`, keeping the most important."""
    keys = [e for e in entries if e.key]
    if limit is not None and len(keys) > limit:
        kept = {e.id for e in sorted(keys, key=lambda e: (-e.importance, e.id))[:limit]}
        keys = [e for e in keys if e.id in kept]
    return tuple(keys)


def source_keys(articles: Iterable[Article]) -> dict[str, SourceKey]:
    """Each article's source filter value: its outlet when named, else the article."""
    out = {}
    for a in articles:
        if a.source:
            out[a.id] = SourceKey("o-" + slug(a.source), a.source)
        else:
            out[a.id] = SourceKey("a-" + a.id, shorten(a.title, 60))
    return out


def neighbours(entries: Sequence[Entry]) -> dict[str, tuple[Entry | None, Entry | None]]:
    """Each entry's previous and next entry on the timeline."""
    out: dict[str, tuple[Entry | None, Entry | None]] = {}
    for i, e in enumerate(entries):
        before = entries[i - 1] if i > 0 else None
        after = entries[i + 1] if i + 1 < len(entries) else None
        out[e.id] = (before, after)
    return out


def event_path(entry_id: str) -> str:
    """The event page of an entry, relative to the site root."""
    return f"events/{safe_name(entry_id)}.html"


def article_path(article_id: str) -> str:
    """The page of a source article, relative to the site root."""
    return f"articles/{safe_name(article_id)}.html"


def safe_name(name: str) -> str:
    """`name` when it is safe in a URL path segment, else a slug of it."""
    return name if _SAFE_NAME.fullmatch(name) else slug(name)


def slug(text: str) -> str:
    """Lower-case letters, digits and dashes."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-") or "x"


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def shorten(text: str, width: int) -> str:
    """`text` cut at a word boundary to at most `width` characters, with an ellipsis."""
    if len(text) <= width:
        return text
    return text[: width - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _start(value: TimeValue) -> datetime:
    assert value.start is not None
    return value.start
