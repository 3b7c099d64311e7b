"""Readers for articles that are not Markdown or text: saved web pages and JSON Lines.

A reader turns the bytes of one file into `RawArticle`s (body as plain text, metadata as a
dict), the same shape the front-matter reader gives; the loader does the rest (cleaning,
publish dates, ids). Only this module talks to trafilatura and htmldate.

- A saved page (.html, .htm) is one article: trafilatura finds the main text, the headline and
  the site's name (og:site_name, JSON-LD publisher); htmldate finds the publish date in the
  page's own metadata (meta tags, JSON-LD, the address), never in the running text.
- A JSON Lines file (.jsonl) holds one article per line, in the news-tls style:
  {"id": ..., "time": ..., "title": ..., "text": ...}. A bad line is reported with its line
  number and skipped; the other lines still load.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import htmldate
import trafilatura
from trafilatura.settings import Document

from timeline.errors import ArticleError
from timeline.load import RawArticle, decode

HTML_DATE_HINT = (
    'add <meta property="article:published_time" content="2023-09-05T10:00:00+00:00"> to the '
    "page's <head>, or pass --published"
)
JSONL_DATE_HINT = 'give the line a "time" such as "2023-09-05T10:00:00+00:00", or pass --published'
_MIN_WORDS = 8  # a line shorter than this is a link or a label, not a paragraph
_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]00:00(?::00(?:\.0+)?)?$")
_LANG = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})\b", re.IGNORECASE)
_JSONL_FIELDS = {"time": "published", "published": "published", "date": "published"}


def read_html(data: bytes, rel: str) -> RawArticle:
    """A saved web page as one article: main text, headline, site name, publish date, address."""
    page = trafilatura.bare_extraction(
        data, with_metadata=True, include_comments=False, include_tables=False
    )
    text = (page.text or "").strip() if isinstance(page, Document) else ""
    if not isinstance(page, Document) or not _has_prose(text):
        raise ArticleError(
            rel, "no article text found in the page", "save the article's own page, not an index"
        )
    meta: dict[str, Any] = {
        "title": page.title,
        "source": page.sitename,
        "url": page.url,
        "published": _page_date(data, page.url),
        "language": _page_language(data),
    }
    body = "\n\n".join(line.strip() for line in text.splitlines() if line.strip())
    present = {k: v for k, v in meta.items() if v}
    return RawArticle(body, present, 1, date_hint=HTML_DATE_HINT)


def _has_prose(text: str) -> bool:
    """At least one line as long as a sentence: a page of links alone has no article."""
    return any(len(line.split()) >= _MIN_WORDS for line in text.splitlines())


def _page_date(data: bytes, url: str | None) -> str | None:
    """The page's original publish date from its metadata, as an ISO date.

    A day, not a date-time: htmldate reports the calendar day in the page's own terms, which
    is the day that 'Tuesday' or 'yesterday' in the text counts from.
    """
    found = htmldate.find_date(
        data, url=url, original_date=True, extensive_search=False, outputformat="%Y-%m-%d"
    )
    return str(found) if found else None


def _page_language(data: bytes) -> str | None:
    match = _LANG.search(data[:4096])
    return match.group(1).decode("ascii").lower() if match else None


def read_jsonl(data: bytes, rel: str) -> Iterator[RawArticle | ArticleError]:
    """One article per line; a line that is not a usable article yields an ArticleError."""
    for number, line in enumerate(decode(data, rel).split("\n"), 1):
        if not line.strip():
            continue
        try:
            yield _jsonl_article(line, rel, number)
        except ArticleError as err:
            yield err


def _jsonl_article(line: str, rel: str, number: int) -> RawArticle:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        raise ArticleError(
            rel, f"not valid JSON: {err.msg} (column {err.colno})", "one JSON object a line", number
        ) from None
    if not isinstance(record, dict):
        raise ArticleError(rel, "the line is not a JSON object", "write {...} on each line", number)
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ArticleError(rel, 'no "text"', 'give each line a "text" with the article', number)
    meta = {
        _JSONL_FIELDS.get(k, str(k)): _plain(v)
        for k, v in record.items()
        if k != "text" and isinstance(v, str | int | float)
    }
    key = str(meta.pop("id", number))
    return RawArticle(text, meta, 1, key=key, line=number, date_hint=JSONL_DATE_HINT)


def _plain(value: Any) -> Any:
    """A news-tls time at midnight with no zone ("2011-02-16T00:00:00") is a day, not an instant."""
    if isinstance(value, str) and (match := _MIDNIGHT.match(value.strip())):
        return match.group(1)
    return value
