"""Stage 1, load: read article files into clean `Article`s.

A reader turns one file into raw text and metadata (Pelican's `read(path) -> (content,
metadata)`): front matter here, saved web pages and JSON Lines in `readers.py`. The loader then
normalises the metadata, drops page furniture and repeated paragraphs, and assigns each article
a unique id. A file (or a line of a JSON Lines file) that cannot be read is reported as a
`Problem` and skipped: one bad article never stops the others.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, tzinfo
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from timeline import decode as decoding
from timeline.errors import ArticleError
from timeline.model import Article, Dropped, Problem
from timeline.wordlists import word_list

HTML_SUFFIXES = (".html", ".htm")  # one article per page, read by readers.read_html
MANY_SUFFIXES = (".jsonl",)  # one article per line, read by readers.read_jsonl
ARTICLE_SUFFIXES = (".md", ".markdown", ".txt", *HTML_SUFFIXES, *MANY_SUFFIXES)
FRONT_MATTER_DATE_HINT = (
    "add 'published: 2023-09-05T00:00:00+00:00' to the front matter, or pass --published"
)
_KNOWN_FIELDS = ("title", "published", "source", "language", "lang", "url", "date", "timezone")
# Files a project keeps beside its articles; anything else that is not an article is reported.
_PROJECT_FILES = ("notes.yaml", "notes.yml", "timeline.toml", "about.md")
_NOT_ARTICLES = ("readme", "about", "license", "changelog")
MAX_ARTICLE_BYTES = 10_000_000
_MAX_FRONT_MATTER = 65_536
_MAX_META_TEXT = 2_000
_MAX_META_ITEMS = 50
MAX_LINE_CHARS = 100_000  # no paragraph of news is this long; later stages need not fear one
# Publish dates outside these years are typos, and leave no room for date arithmetic.
PUBLISHED_YEARS = (1800, 2199)
_TERMINAL = tuple('.!?:;"”’)')
_PREFIX_REPEAT_MIN = 40
_HEADLINE_MAX = 300
_DERIVED_TITLE_MAX = 120


@dataclass(frozen=True)
class LoadOptions:
    """What the loader needs to know beyond the files themselves."""

    default_tz: tzinfo = UTC  # for naive publish dates
    published: datetime | None = None  # publish date for files that carry none
    language: str = "en"


@dataclass(frozen=True)
class LoadResult:
    articles: tuple[Article, ...]
    problems: tuple[Problem, ...] = field(default=())


@dataclass(frozen=True)
class RawArticle:
    """What a reader gives back: the body as written and the metadata it found."""

    body: str
    meta: dict[str, Any]
    body_line: int  # line number of the body's first line in the file
    key: str = ""  # tells apart the articles of a file that holds many (JSON Lines)
    line: int | None = None  # the line of the file the article came from, when many share it
    date_hint: str = FRONT_MATTER_DATE_HINT  # how to give this kind of file a publish date


def load_folder(source: Path, options: LoadOptions = LoadOptions()) -> LoadResult:
    """Load every article under `source`, in a stable order; report the files that fail."""
    articles: list[Article] = []
    paths, problems = scan(source)
    for path in paths:
        rel = path.relative_to(source).as_posix()
        found, trouble = load_path(path, rel, options)
        articles.extend(found)
        problems.extend(trouble)
    unique, clashes = unique_ids(articles)
    return LoadResult(tuple(unique), tuple(problems + clashes))


def article_paths(source: Path) -> list[Path]:
    """Article files under `source`, sorted by path; README files and dotfiles are skipped."""
    return scan(source)[0]


def scan(source: Path) -> tuple[list[Path], list[Problem]]:
    """Article files under `source` in path order, and a problem for each file passed over:
    links that lead outside the sources, unprintable names, files that are not articles.
    Dot entries, README/about files and the project's own files are passed over silently.
    Linked folders are not followed (as `os.walk` does not)."""
    files, problems = scan_files(source)
    return [Path(path) for _, path in files], problems


def scan_files(source: Path) -> tuple[list[tuple[str, str]], list[Problem]]:
    """As `scan`, each file as its path relative to `source` (with `/`) and its full path."""
    root = source.resolve()
    found: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for entry, rel in _walk(source, ""):
        problem = _passed_over(entry, rel, root)
        if problem is None:
            found.append((rel, entry.path))
        elif problem.message:
            problems.append(problem)
    found.sort()
    return found, problems


def _walk(folder: Path | str, prefix: str) -> Iterable[tuple[os.DirEntry[str], str]]:
    """Every non-folder entry under `folder` with its path relative to the top, dot entries
    left out. The entries' own type information saves a system call per file."""
    with os.scandir(folder) as listing:
        entries = sorted((e for e in listing if not e.name.startswith(".")), key=lambda e: e.name)
    for entry in entries:
        rel = prefix + entry.name
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(entry.path, rel + "/")
        elif not (entry.is_symlink() and entry.is_dir()):
            yield entry, rel


def _passed_over(entry: os.DirEntry[str], rel: str, root: Path) -> Problem | None:
    """None for an article file; a Problem (empty message: say nothing) for any other file."""
    where = rel if rel.isascii() and rel.isprintable() else decoding.shown(rel)
    if where != rel:
        return Problem(
            where, "its name has control characters or is not UTF-8; skipped", "rename the file"
        )
    if entry.is_symlink():
        target = Path(entry.path).resolve()
        if root not in target.parents:
            return Problem(
                rel,
                f"is a link to {decoding.shown(str(target))}, outside the sources; skipped",
                "copy the file into the sources folder to include it",
            )
    if not entry.is_file():
        return Problem(rel, "is not a regular file; skipped", "remove it from the sources")
    name = entry.name.lower()
    stem, suffix = _split_suffix(name)
    if name in _PROJECT_FILES or stem in _NOT_ARTICLES:
        return Problem(rel, "")
    if suffix not in ARTICLE_SUFFIXES:
        return Problem(
            rel,
            "is not an article file; skipped",
            f"articles end in {', '.join(ARTICLE_SUFFIXES)}; move other files out",
        )
    return None


def _split_suffix(name: str) -> tuple[str, str]:
    """A file name's stem and suffix, as `PurePath` splits them, without building one."""
    dot = name.rfind(".")
    return (name[:dot], name[dot:]) if 0 < dot < len(name) - 1 else (name, "")


def read_bytes(path: Path, rel: str, limit: int | None = MAX_ARTICLE_BYTES) -> bytes:
    """The bytes of one article file, refusing files too big to be an article."""
    try:
        size = path.stat().st_size
        if limit is not None and size > limit:
            raise ArticleError(
                rel,
                f"is {size / 1e6:.1f} MB; articles over {MAX_ARTICLE_BYTES / 1e6:.0f} MB are "
                "skipped",
                "split it into articles, or check it is one",
            )
        return path.read_bytes()
    except OSError as err:
        raise ArticleError(rel, f"cannot be read: {err.strerror}", "check permissions") from None


def load_path(path: Path, rel: str, options: LoadOptions) -> tuple[list[Article], list[Problem]]:
    """Every article of one file, and its problems; a file that fails is a problem, not a stop."""
    limit = None if path.suffix.lower() in MANY_SUFFIXES else MAX_ARTICLE_BYTES
    try:
        data = read_bytes(path, rel, limit)
    except ArticleError as err:
        return [], [_problem(err)]
    return load_bytes(data, rel, options)


def load_bytes(data: bytes, rel: str, options: LoadOptions) -> tuple[list[Article], list[Problem]]:
    """Every article in the bytes of the file `rel`, and its problems; touches no disk, so it
    can run in another process or on another machine."""
    if Path(rel).suffix.lower() in MANY_SUFFIXES:
        return _load_many(data, rel, options)
    try:
        article, warnings = _load_one(data, rel, options)
    except ArticleError as err:
        return [], [_problem(err)]
    return [article], warnings


def load_file(path: Path, rel: str, options: LoadOptions) -> tuple[Article, list[Problem]]:
    """Read one file into an Article, with the warnings it raised."""
    return _load_one(read_bytes(path, rel), rel, options)


def _load_one(data: bytes, rel: str, options: LoadOptions) -> tuple[Article, list[Problem]]:
    if Path(rel).suffix.lower() in HTML_SUFFIXES:
        from timeline.readers import read_html

        return article_from_raw(read_html(data, rel), rel, options)
    text, warnings = decoding.decode(data, rel)
    article, more = load_text(text, rel, options)
    return article, [*warnings, *more]


def _load_many(data: bytes, rel: str, options: LoadOptions) -> tuple[list[Article], list[Problem]]:
    """A file of many articles (JSON Lines): a bad line is reported with its number, skipped."""
    from timeline.readers import read_jsonl

    articles: list[Article] = []
    problems: list[Problem] = []
    for raw in read_jsonl(data, rel):
        try:
            if isinstance(raw, ArticleError):
                raise raw
            article, warnings = article_from_raw(raw, rel, options)
        except ArticleError as err:
            line = err.line if err.line is not None else getattr(raw, "line", None)
            problems.append(Problem(err.file, err.message, err.hint, line))
            continue
        articles.append(article)
        problems.extend(replace(w, line=w.line or raw.line) for w in warnings)
    return articles, problems


def _problem(err: ArticleError) -> Problem:
    return Problem(err.file, err.message, err.hint, err.line)


def load_text(text: str, rel: str, options: LoadOptions) -> tuple[Article, list[Problem]]:
    """Turn the decoded text of one file into an Article."""
    _refuse_long_lines(text, rel)
    return article_from_raw(read_front_matter(text, rel), rel, options)


def article_from_raw(
    raw: RawArticle, rel: str, options: LoadOptions
) -> tuple[Article, list[Problem]]:
    """Clean what a reader gave back and make it an Article."""
    raw, removed = _without_controls(raw)
    meta = dict(raw.meta)
    paragraphs, dropped = split_paragraphs(raw.body, raw.body_line)
    if not paragraphs:
        raise ArticleError(
            rel, "the file has no text", "add the article's text, or remove the file"
        )
    warnings: list[Problem] = []
    if removed:
        warnings.append(
            Problem(
                rel,
                f"{removed} control or text-direction characters removed",
                "they can hide or reverse text; remove them from the file",
            )
        )
    published = _published(meta, rel, options, warnings, raw.date_hint)
    given = _text_field(meta, "title", rel)
    title = given or derived_title(paragraphs[0][1])
    body, all_dropped = clean(paragraphs, dropped, title, given is not None)
    article = Article(
        id=slugify(Path(rel).with_suffix("").as_posix() + (f"-{raw.key}" if raw.key else "")),
        path=rel,
        title=title,
        published=published,
        body=body,
        source=_text_field(meta, "source", rel),
        language=_text_field(meta, "language", rel)
        or _text_field(meta, "lang", rel)
        or options.language,
        url=_text_field(meta, "url", rel),
        dropped=all_dropped,
        meta=tuple((k, _meta_text(v)) for k, v in sorted(meta.items()) if k not in _KNOWN_FIELDS),
    )
    return article, warnings


def _refuse_long_lines(text: str, rel: str) -> None:
    """Stop at a line far longer than any paragraph of prose (minified or generated text)."""
    longest = max(text.split("\n"), key=len)
    if len(longest) > MAX_LINE_CHARS:
        raise ArticleError(
            rel,
            f"has a line of {len(longest):,} characters; lines over {MAX_LINE_CHARS:,} are "
            "not read as prose",
            "break the text into paragraphs, or check the file is an article",
            text[: text.find(longest)].count("\n") + 1,
        )


def _meta_text(value: Any) -> str:
    """A front-matter value as bounded text: YAML aliases can make a tiny block enormous, so
    only scalars and the first scalars of a list are kept."""
    if isinstance(value, list):
        items = (v for v in value[:_MAX_META_ITEMS] if not isinstance(v, (list, dict)))
        return ", ".join(_meta_text(v) for v in items)[:_MAX_META_TEXT]
    if isinstance(value, dict):
        return ""
    return str(value)[:_MAX_META_TEXT]


def _without_controls(raw: RawArticle) -> tuple[RawArticle, int]:
    """The article without control and bidi-control characters, and how many there were."""
    body, removed = decoding.clean_text(raw.body)
    meta: dict[str, Any] = {}
    for key, value in raw.meta.items():
        if isinstance(value, str):
            value, n = decoding.clean_text(value)
            removed += n
        meta[key] = value
    return replace(raw, body=body, meta=meta), removed


def decode(data: bytes, rel: str) -> str:
    """Bytes to text (see timeline.decode); CRLF and CR become LF."""
    return decoding.decode(data, rel)[0]


def read_front_matter(text: str, rel: str) -> RawArticle:
    """Split YAML front matter (between `---` lines at the top) from the body."""
    if not text.startswith("---\n"):
        return RawArticle(text, {}, 1)
    end = text.find("\n---\n", 3)
    if end < 0 and text.endswith("\n---"):
        end = len(text) - 4
    if end < 0:
        raise ArticleError(
            rel, "front matter starts with '---' but never ends", "close it with a '---' line", 1
        )
    block = text[4 : end + 1]
    if len(block) > _MAX_FRONT_MATTER:
        raise ArticleError(
            rel, f"front matter is {len(block)} characters long", "keep it to 'key: value' lines", 1
        )
    try:
        meta = yaml.safe_load(block) if block.strip() else {}
    except RecursionError:
        raise ArticleError(rel, "front matter is nested too deeply", "fix the YAML", 1) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(err, "problem", None) or "cannot be parsed"
        raise ArticleError(
            rel, f"front matter is not valid YAML: {problem}", "fix the YAML", line
        ) from None
    if not isinstance(meta, dict):
        raise ArticleError(
            rel, "front matter must be 'key: value' lines", "write e.g. 'title: ...'", 2
        )
    body_line = block.count("\n") + 3
    return RawArticle(text[end + 5 :], {str(k): v for k, v in meta.items()}, body_line)


def split_paragraphs(body: str, first_line: int) -> tuple[list[tuple[int, str]], list[Dropped]]:
    """The body's paragraphs with their line numbers, and the furniture lines dropped."""
    dropped: list[Dropped] = []
    kept: list[tuple[int, str]] = []
    for offset, line in enumerate(body.split("\n")):
        stripped = line.strip()
        number = first_line + offset
        if stripped and _normal(stripped) in furniture():
            dropped.append(Dropped(number, stripped, "furniture"))
        else:
            kept.append((number, stripped))
    return _paragraphs(kept), dropped


def derived_title(first: str) -> str:
    """A title for an article whose metadata gives none, from its first paragraph.

    A first paragraph that reads as a headline (short, no closing punctuation) is the title and
    is then dropped from the body as such. One that reads as story text (headline and lead run
    together, as scraped text often has) stays in the body; the title is its opening words.
    """
    if reads_as_headline(first) or len(first) <= _DERIVED_TITLE_MAX:
        return first
    cut = first[:_DERIVED_TITLE_MAX].rsplit(" ", 1)[0].rstrip(",;:-–—")
    return f"{cut}…"


def reads_as_headline(text: str) -> bool:
    """Short, and not closed like a sentence."""
    return len(text) <= _HEADLINE_MAX and not text.endswith(_TERMINAL)


def clean(
    paragraphs: list[tuple[int, str]], dropped: list[Dropped], title: str, title_given: bool
) -> tuple[str, tuple[Dropped, ...]]:
    """Drop the headline and repeated paragraphs.

    The title counts as already told when the metadata gives it, or when it was taken from a
    first paragraph that reads as a headline; a title made from story text is not.
    """
    told = title_given or reads_as_headline(title)
    if paragraphs and told and _normal(paragraphs[0][1]) == _normal(title):
        dropped = [*dropped, Dropped(paragraphs[0][0], paragraphs[0][1], "headline")]
        paragraphs = paragraphs[1:]
    unique, repeats = _drop_repeats(paragraphs, seen=[_normal(title)] if told else [])
    every = sorted([*dropped, *repeats], key=lambda d: d.line)
    return "\n\n".join(text for _, text in unique), tuple(every)


def _paragraphs(lines: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    """Group lines into paragraphs: blank lines separate them, and so does a line break after a
    finished sentence; a line that continues a sentence (hard-wrapped text) is joined."""
    paragraphs: list[tuple[int, str]] = []
    open_paragraph = False
    for number, text in lines:
        if not text:
            open_paragraph = False
            continue
        previous = paragraphs[-1][1] if paragraphs else ""
        if open_paragraph and not previous.endswith(_TERMINAL) and text[:1].islower():
            paragraphs[-1] = (paragraphs[-1][0], f"{previous} {text}")
        else:
            paragraphs.append((number, text))
        open_paragraph = True
    return paragraphs


def _drop_repeats(
    paragraphs: list[tuple[int, str]], seen: list[str]
) -> tuple[list[tuple[int, str]], list[Dropped]]:
    """Keep the first telling of each paragraph; a later copy (of it or of the title), or a
    teaser that is the start of an earlier paragraph, is dropped."""
    kept: list[tuple[int, str]] = []
    dropped: list[Dropped] = []
    for number, text in paragraphs:
        key = _normal(text)
        if key in seen or (len(key) >= _PREFIX_REPEAT_MIN and any(s.startswith(key) for s in seen)):
            dropped.append(Dropped(number, text, "repeated"))
            continue
        seen.append(key)
        kept.append((number, text))
    return kept, dropped


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip().casefold()


@cache
def furniture() -> frozenset[str]:
    """The furniture lines, from the language resource file."""
    return frozenset(_normal(line) for line in word_list("en", "load", "furniture"))


def _text_field(meta: dict[str, Any], key: str, rel: str) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise ArticleError(rel, f"front matter '{key}' must be text", f"write '{key}: ...'")
    text = str(value).strip()
    return text or None


def _published(
    meta: dict[str, Any],
    rel: str,
    options: LoadOptions,
    warnings: list[Problem],
    hint: str = FRONT_MATTER_DATE_HINT,
) -> datetime:
    value = meta.get("published", meta.get("date"))
    if value is None:
        if options.published is not None:
            return options.published
        raise ArticleError(rel, "no publish date", hint)
    parsed = parse_published(value, _timezone(meta, rel, options.default_tz))
    if parsed is None:
        raise ArticleError(
            rel,
            f"publish date {str(value)!r} is not a date",
            "write it as 2023-09-05 or 2023-09-05T14:30:00+02:00",
        )
    when, naive = parsed
    low, high = PUBLISHED_YEARS
    if not low <= when.year <= high:
        raise ArticleError(
            rel,
            f"publish date {str(value)!r} is outside the years {low}-{high}",
            "check the year: it is probably a typo",
        )
    if naive:
        warnings.append(
            Problem(
                rel,
                f"publish date {str(value)!r} has no timezone",
                f"read as {options.default_tz}; add an offset such as +00:00",
            )
        )
    return when


def _timezone(meta: dict[str, Any], rel: str, default: tzinfo) -> tzinfo:
    """The front matter's `timezone` (an IANA name) for naive publish dates, else `default`."""
    name = meta.get("timezone")
    if name is None:
        return default
    try:
        return ZoneInfo(str(name).strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ArticleError(
            rel,
            f"unknown timezone {decoding.shown(str(name))!r}",
            "use a name such as Europe/Paris or America/New_York, or an offset in 'published'",
        ) from None


def parse_published(value: Any, tz: tzinfo) -> tuple[datetime, bool] | None:
    """A publish date from front matter: (aware datetime, was it a naive date-time)."""
    if isinstance(value, datetime):
        return (value, False) if value.tzinfo else (value.replace(tzinfo=tz), True)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tz), False
    if not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0), tz), False
        return parse_published(datetime.fromisoformat(text), tz)
    except ValueError:
        return None


def slugify(text: str) -> str:
    """A URL-safe id: lower case ASCII letters, digits, '-' and '_'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9_]+", "-", ascii_text.lower()).strip("-_")
    return slug or "article"


def unique_ids(articles: list[Article]) -> tuple[list[Article], list[Problem]]:
    """Give every article a unique id; a clash is renamed and reported."""
    seen: set[str] = set()
    out: list[Article] = []
    problems: list[Problem] = []
    for article in articles:
        new_id, n = article.id, 1
        while new_id in seen:
            n += 1
            new_id = f"{article.id}-{n}"
        if new_id != article.id:
            problems.append(
                Problem(
                    article.path,
                    f"its id {article.id!r} is taken by another file",
                    f"published as {new_id!r}; rename the file to choose",
                )
            )
            article = replace(article, id=new_id)
        seen.add(new_id)
        out.append(article)
    return out, problems
