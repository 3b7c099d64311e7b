"""The timeline as data beside the site: our JSON, TimelineJS3 JSON, iCalendar, Atom, sitemap,
robots.txt and the schema.org JSON-LD embedded in pages.

timeline.json is a contract with scripts: fields are only ever added, never renamed or removed
(version 1: id, value, start, end, granularity, title, sources[article, quote, expression, ...]).
Nothing here reads a clock: dates in feeds and calendars come from the articles, or from
SOURCE_DATE_EPOCH when it is set, so the same input gives the same bytes.
"""

from __future__ import annotations

import html
import json
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from timeline import __version__
from timeline.labels import label
from timeline.model import Article, Entry, Event, Granularity, Timeline, TimeValue
from timeline.site_pages import article_path, event_path

SCHEMA = "https://github.com/timeline/timeline/schema/timeline-1.json"
SCHEMA_VERSION = 1
ICS_DAY_LIMIT = 366  # longer values (decades, centuries) are left out of the calendar


def timeline_json(timeline: Timeline, notes: Mapping[str, str] | None = None) -> bytes:
    """The merged timeline as data: a versioned, documented contract for scripts."""
    notes = notes or {}
    return timeline_document(
        timeline.title,
        _utf8(article_item(a) for a in timeline.articles),
        _utf8(entry_item(e, notes.get(e.id)) for e in timeline.entries),
        _utf8(context_item(ev) for ev in timeline.context),
    )


def _utf8(items: Iterable[str]) -> list[bytes]:
    return [item.encode("utf-8") for item in items]


def timeline_document(
    title: str, articles: Sequence[bytes], events: Sequence[bytes], context: Sequence[bytes]
) -> bytes:
    """timeline.json from its items (see `article_item`, `entry_item`, `context_item`), each
    in UTF-8: documents are put together from items kept as bytes between builds."""
    head = {
        "$schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "generator": f"timeline {__version__}",
        "title": title,
    }
    return json_document(head, {"articles": articles, "events": events, "context": context})


def article_item(a: Article) -> str:
    """One article of timeline.json, as it stands in the document."""
    return json_item(_article_json(a))


def entry_item(e: Entry, note: str | None) -> str:
    """One event of timeline.json, as it stands in the document."""
    return json_item(_entry_json(e, note))


def context_item(ev: Event) -> str:
    """One vague-dated statement of timeline.json, as it stands in the document."""
    return json_item(_event_json(ev))


def json_item(data: Any) -> str:
    """An element of a list in a top-level field, as `json.dumps(..., indent=1)` of the whole
    document writes it: so a document can be assembled from items made (or kept) one by one."""
    return "  " + json.dumps(data, ensure_ascii=False, indent=1).replace("\n", "\n  ")


def json_document(head: Mapping[str, Any], lists: Mapping[str, Sequence[bytes]]) -> bytes:
    """`json.dumps(head | lists, ensure_ascii=False, indent=1)` (plus a newline) in UTF-8, the
    lists given as their `json_item`s in UTF-8."""
    parts = [
        f" {json.dumps(k, ensure_ascii=False)}: "
        + json.dumps(v, ensure_ascii=False, indent=1).replace("\n", "\n ")
        + ",\n"
        for k, v in head.items()
    ]
    out = [("{\n" + "".join(parts)).encode("utf-8")]
    for n, (name, items) in enumerate(lists.items()):
        out.append(f" {json.dumps(name, ensure_ascii=False)}: ".encode())
        if items:
            out += (b"[\n", b",\n".join(items), b"\n ]")
        else:
            out.append(b"[]")
        out.append(b",\n" if n + 1 < len(lists) else b"\n}\n")
    return b"".join(out)


def _article_json(a: Article) -> dict[str, Any]:
    return {
        "id": a.id,
        "title": a.title,
        "published": a.published.isoformat(),
        "source": a.source,
        "url": a.url,
        "language": a.language,
        "path": a.path,
        "page": article_path(a.id),
        "dropped": len(a.dropped),
    }


def _entry_json(e: Entry, note: str | None) -> dict[str, Any]:
    return {
        "id": e.id,
        **value_json(e.value),
        "label": label(e.value),
        "title": e.title,
        "text": e.text,
        "status": str(e.status),
        "importance": round(e.importance, 4),
        "key": e.key,
        "page": event_path(e.id),
        "note": note,
        "sources": [_event_json(ev) for ev in e.events],
        "disagreement": [
            {**value_json(v.value), "label": label(v.value), "events": list(v.event_ids)}
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
        **value_json(m.value),
        "label": label(m.value),
    }


def value_json(v: TimeValue) -> dict[str, Any]:
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


# --- TimelineJS3 ---------------------------------------------------------------------------


def timelinejs_json(timeline: Timeline) -> bytes:
    """The timeline in TimelineJS3's JSON format; dates carry only the parts the value knows."""
    events = _utf8(timelinejs_item(e) for e in timeline.entries if e.value.is_dated)
    return timelinejs_document(timeline.title, events)


def timelinejs_document(title: str, events: Sequence[bytes]) -> bytes:
    """timelinejs.json from its events (see `timelinejs_item`)."""
    head = {"title": {"text": {"headline": html.escape(title)}}}
    return json_document(head, {"events": events})


def timelinejs_item(e: Entry) -> str:
    """One dated entry of timelinejs.json, as it stands in the document."""
    return json_item(_tljs_event(e))


def _tljs_event(e: Entry) -> dict[str, Any]:
    v = e.value
    assert v.start is not None and v.end is not None
    first, last = v.start, v.end - timedelta(microseconds=1)
    out: dict[str, Any] = {
        "unique_id": e.id,
        "start_date": _tljs_date(first, v.granularity),
        "display_date": label(v),
        # TimelineJS3 shows these as HTML: article text must reach it escaped.
        "text": {"headline": html.escape(e.title), "text": html.escape(e.text)},
        "group": "Expected" if e.status == "expected" else "Reported",
    }
    if _tljs_parts(v.granularity) == 3 and first.date() != last.date():
        out["end_date"] = _tljs_date(last, v.granularity)
    return out


def _tljs_parts(g: Granularity) -> int:
    if g in (Granularity.YEAR, Granularity.DECADE, Granularity.CENTURY, Granularity.HALF):
        return 1
    if g in (Granularity.MONTH, Granularity.SEASON, Granularity.QUARTER):
        return 2
    return 3


def _tljs_date(when: datetime, g: Granularity) -> dict[str, str]:
    parts = _tljs_parts(g)
    out = {"year": str(when.year)}
    if parts >= 2:
        out["month"] = str(when.month)
    if parts == 3:
        out["day"] = str(when.day)
    if g is Granularity.TIME:
        out.update(hour=str(when.hour), minute=str(when.minute))
    return out


# --- iCalendar -----------------------------------------------------------------------------


def icalendar(timeline: Timeline, base_url: str | None = None) -> bytes:
    """Dated entries as all-day (or multi-day) VEVENTs; clock times as timed events."""
    articles = {a.id: a for a in timeline.articles}
    events = _utf8(vevent(e, articles, base_url) for e in timeline.entries if in_calendar(e))
    return calendar_document(timeline.title, events)


def calendar_document(title: str, events: Sequence[bytes]) -> bytes:
    """calendar.ics from its VEVENTs (see `vevent`)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//timeline//timeline {__version__}//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_ics_text(title)}",
    ]
    head = "".join(_fold(line) + "\r\n" for line in lines).encode("utf-8")
    return head + b"".join(events) + b"END:VCALENDAR\r\n"


def in_calendar(e: Entry) -> bool:
    """True when the entry goes into calendar.ics."""
    return _in_calendar(e.value)


def vevent(e: Entry, articles: Mapping[str, Article], base_url: str | None) -> str:
    """The folded lines of one entry's VEVENT."""
    return "".join(_fold(line) + "\r\n" for line in _vevent(e, articles, base_url))


def _in_calendar(v: TimeValue) -> bool:
    return (
        v.is_dated
        and v.start is not None
        and v.end is not None
        and (v.end - v.start <= timedelta(days=ICS_DAY_LIMIT))
    )


def _vevent(e: Entry, articles: Mapping[str, Article], base_url: str | None) -> list[str]:
    v = e.value
    assert v.start is not None and v.end is not None
    if v.granularity is Granularity.TIME:
        when = [f"DTSTART:{_ics_utc(v.start)}", f"DTEND:{_ics_utc(v.end)}"]
    else:
        after = (v.end - timedelta(microseconds=1)).date() + timedelta(days=1)
        when = [f"DTSTART;VALUE=DATE:{v.start:%Y%m%d}", f"DTEND;VALUE=DATE:{after:%Y%m%d}"]
    sources = [articles[ev.article_id] for ev in e.events if ev.article_id in articles]
    description = f"{label(v)}. {e.text}\n\nSources: " + "; ".join(
        dict.fromkeys(f"{a.source or a.title} ({a.published:%Y-%m-%d})" for a in sources)
    )
    out = [
        "BEGIN:VEVENT",
        f"UID:{e.id}@timeline",
        f"DTSTAMP:{_ics_utc(stamp(sources))}",
        *when,
        f"SUMMARY:{_ics_text(('Expected: ' if e.status == 'expected' else '') + e.title)}",
        f"DESCRIPTION:{_ics_text(description)}",
        f"STATUS:{'TENTATIVE' if e.status == 'expected' else 'CONFIRMED'}",
        "TRANSP:TRANSPARENT",
    ]
    if base_url:
        out.append(f"URL:{absolute(base_url, event_path(e.id))}")
    out.append("END:VEVENT")
    return out


def _ics_utc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _ics_text(text: str) -> str:
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (RFC 5545 3.1)."""
    out, current, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > 75:
            out.append(current)
            current, size = " ", 1
        current += ch
        size += n
    out.append(current)
    return "\r\n".join(out)


def stamp(articles: Iterable[Article]) -> datetime:
    """The time a generated record is dated: SOURCE_DATE_EPOCH if set, else the latest publish
    date among `articles` (never the clock)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    dates = [a.published for a in articles]
    return max(dates) if dates else datetime(1970, 1, 1, tzinfo=UTC)


# --- Atom, sitemap, robots -----------------------------------------------------------------


def atom_feed(timeline: Timeline, base_url: str | None) -> bytes:
    """An Atom feed of the entries, latest first; links relative to the feed unless base_url."""
    articles = {a.id: a for a in timeline.articles}
    ns = feed_namespace(timeline.title, base_url)
    entries = _utf8(atom_entry(e, articles, ns) for e in feed_order(timeline.entries))
    return feed_document(timeline, base_url, entries)


def feed_namespace(title: str, base_url: str | None) -> uuid.UUID:
    """The namespace of the feed's entry ids."""
    return uuid.uuid5(uuid.NAMESPACE_URL, base_url or f"timeline:{title}")


def feed_order(entries: Iterable[Entry]) -> list[Entry]:
    """The entries as the feed lists them: latest first."""
    return sorted(entries, key=_feed_order, reverse=True)


def feed_document(timeline: Timeline, base_url: str | None, entries: Sequence[bytes]) -> bytes:
    """feed.xml from its entries (see `atom_entry`), in `feed_order`, each in UTF-8."""
    ns = feed_namespace(timeline.title, base_url)
    base = f" xml:base={quoteattr(base_url.rstrip('/') + '/')}" if base_url else ""
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom"{base}>',
        f"<title>{escape(timeline.title)}</title>",
        f"<id>urn:uuid:{ns}</id>",
        f"<updated>{stamp(timeline.articles).isoformat()}</updated>",
        f"<author><name>{escape(timeline.title)}</name></author>",
        '<link rel="alternate" type="text/html" href="index.html"/>',
        '<link rel="self" type="application/atom+xml" href="feed.xml"/>',
        f'<generator version="{__version__}">timeline</generator>',
    ]
    return b"\n".join([*_utf8(out), *entries, b"</feed>\n"])


def atom_entry(e: Entry, articles: Mapping[str, Article], ns: uuid.UUID) -> str:
    """One entry of the feed."""
    return "\n".join(_atom_entry(e, articles, ns))


def _feed_order(e: Entry) -> tuple[datetime, str]:
    assert e.value.start is not None
    return e.value.start, e.id


def _atom_entry(e: Entry, articles: Mapping[str, Article], ns: uuid.UUID) -> list[str]:
    sources = [articles[ev.article_id] for ev in e.events if ev.article_id in articles]
    when = label(e.value) + (" (expected)" if e.status == "expected" else "")
    names = ", ".join(dict.fromkeys(a.source or a.title for a in sources))
    summary = f"{when}: {e.text} Sources: {names}."
    return [
        "<entry>",
        f"<title>{escape(when + ' — ' + e.title)}</title>",
        f"<id>urn:uuid:{uuid.uuid5(ns, e.id)}</id>",
        f"<updated>{stamp(sources).isoformat()}</updated>",
        f'<link rel="alternate" type="text/html" href={quoteattr(event_path(e.id))}/>',
        f"<summary>{escape(summary)}</summary>",
        "</entry>",
    ]


def sitemap(paths: Sequence[str], base_url: str) -> str:
    """sitemap.xml for the HTML pages (a sitemap needs absolute URLs, hence base_url)."""
    urls = "".join(f"<url><loc>{escape(absolute(base_url, p))}</loc></url>\n" for p in paths)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "</urlset>\n"
    )


def robots(base_url: str | None) -> str:
    """robots.txt: everything may be crawled; the sitemap is named when its URL is known."""
    text = "User-agent: *\nAllow: /\n"
    return text + (f"Sitemap: {absolute(base_url, 'sitemap.xml')}\n" if base_url else "")


def absolute(base_url: str, path: str) -> str:
    """`path` (relative to the site root) as an absolute URL under `base_url`."""
    return base_url.rstrip("/") + "/" + ("" if path == "index.html" else path)


# --- schema.org JSON-LD --------------------------------------------------------------------


def event_jsonld(e: Entry, articles: Mapping[str, Article], base_url: str | None) -> str:
    """schema.org Event for an entry, its source articles as NewsArticle `subjectOf`."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": e.title,
        "description": e.text,
        **_jsonld_dates(e.value),
        "eventStatus": "https://schema.org/EventScheduled"
        if e.status == "expected"
        else "https://schema.org/EventCompleted",
        "subjectOf": [
            news_article(articles[aid], base_url) for aid in e.article_ids if aid in articles
        ],
    }
    if base_url:
        data["url"] = absolute(base_url, event_path(e.id))
    return script_json(data)


def article_jsonld(a: Article, base_url: str | None) -> str:
    """schema.org NewsArticle for a source article page."""
    return script_json({"@context": "https://schema.org", **news_article(a, base_url)})


def news_article(a: Article, base_url: str | None) -> dict[str, Any]:
    """The schema.org NewsArticle fields we know for an article."""
    out: dict[str, Any] = {"@type": "NewsArticle", "headline": a.title}
    out["datePublished"] = a.published.isoformat()
    if a.source:
        out["publisher"] = {"@type": "Organization", "name": a.source}
    if a.url and urlsplit(a.url).scheme in ("http", "https"):
        out["url"] = a.url
    elif base_url:
        out["url"] = absolute(base_url, article_path(a.id))
    return out


def _jsonld_dates(v: TimeValue) -> dict[str, str]:
    if not v.is_dated or v.start is None or v.end is None:
        return {}
    if v.granularity is Granularity.TIME:
        return {"startDate": v.start.isoformat(), "endDate": v.end.isoformat()}
    first = v.start.date().isoformat()
    last = (v.end - timedelta(microseconds=1)).date().isoformat()
    if v.granularity is Granularity.MONTH:
        first = last = first[:7]
    elif v.granularity is Granularity.YEAR:
        first = last = first[:4]
    return {"startDate": first, "endDate": last}


def script_json(data: Any) -> str:
    """JSON safe to place inside <script type="application/ld+json">."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
