"""The build: articles in, site out.

`build()` reads as the list of stages (load -> find/resolve -> events -> merge -> render ->
write). It gathers everything in memory first and writes only at the end, so a failure before
the last step leaves the previous site untouched.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from timeline.errors import StrictError
from timeline.events import extract_events
from timeline.load import LoadOptions, load_folder
from timeline.merge import merge_events
from timeline.model import Article, Mention, Problem, Timeline
from timeline.render import ABOUT_FILE, NOTES_FILE, RenderOptions, render_site
from timeline.resolve import resolve_text
from timeline.write import refuse_overlap, write_site


@dataclass(frozen=True)
class BuildConfig:
    """Everything a build needs to know."""

    source: Path = Path("seeds")
    out: Path = Path("site")
    title: str = "Timeline"
    templates: Path | None = Path("templates")
    default_tz: tzinfo = UTC
    published: datetime | None = None
    language: str = "en"
    date_order: str = "MDY"
    strict: bool = False
    description: str = ""  # Markdown shown above the timeline
    base_url: str = ""  # where the site will be served, e.g. https://you.github.io/story/
    clean: bool = False  # remove the old output folder whole before writing
    write: bool = True  # False: do everything but write (`timeline check`)
    problems: tuple[Problem, ...] = ()  # warnings found before the build (e.g. config keys)
    progress: Callable[[int, int], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the summary line."""

    articles: int
    expressions: int
    events: int
    pages: int
    seconds: float
    problems: tuple[Problem, ...] = field(default=())

    def summary(self) -> str:
        return (
            f"Built {self.articles} articles, {self.expressions} expressions, "
            f"{self.events} events, {self.pages} pages in {self.seconds:.2f} s"
            + (f" ({len(self.problems)} warnings)" if self.problems else "")
        )


def build(config: BuildConfig) -> BuildReport:
    """Read the articles under `config.source` and write the timeline site to `config.out`."""
    started = time.perf_counter()
    # Load the articles, cleaned of page furniture; unreadable files become problems.
    loaded = load_folder(config.source, _load_options(config))
    # Find, resolve, attach and merge: the timeline itself, still in memory.
    timeline = make_timeline(loaded.articles, config, loaded.problems)
    if config.strict and timeline.problems:
        raise StrictError(_strict_message(timeline.problems))
    # Render every page in memory, then swap the finished site into place.
    files = render_site(timeline, _render_options(config))
    if config.write:
        if config.clean:
            _remove_old_site(config.out, config.source)
        write_site(files, config.out, sources=config.source)
    return BuildReport(
        articles=len(timeline.articles),
        expressions=sum(len(ms) for _, ms in timeline.mentions),
        events=len(timeline.entries),
        pages=sum(1 for name in files if name.endswith(".html")),
        seconds=time.perf_counter() - started,
        problems=timeline.problems,
    )


def make_timeline(
    articles: Sequence[Article], config: BuildConfig, problems: Sequence[Problem] = ()
) -> Timeline:
    """Resolve every article's time expressions, turn them into events and merge those."""
    mentions: dict[str, tuple[Mention, ...]] = {}
    for done, article in enumerate(articles, 1):
        mentions[article.id] = resolve_article(article, config)
        if config.progress is not None:
            config.progress(done, len(articles))
    events = [e for a in articles for e in extract_events(a, mentions[a.id])]
    merged = merge_events(events, articles)
    return Timeline(
        title=config.title,
        articles=tuple(articles),
        entries=merged.entries,
        context=merged.context,
        mentions=tuple(mentions.items()),
        problems=config.problems + tuple(problems) + _mention_problems(articles, mentions),
    )


def resolve_article(article: Article, config: BuildConfig) -> tuple[Mention, ...]:
    """The time expressions of one article, resolved against its publish date."""
    return resolve_text(
        article.body, article.published, language=article.language, date_order=config.date_order
    )


def _mention_problems(
    articles: Sequence[Article], mentions: dict[str, tuple[Mention, ...]]
) -> tuple[Problem, ...]:
    """Notes the resolver attached to mentions (e.g. an ambiguous 03/04/05), as warnings."""
    out: list[Problem] = []
    for a in articles:
        for m in mentions[a.id]:
            out.extend(Problem(a.path, f"{m.text!r}: {note}") for note in m.notes)
    return tuple(out)


def _load_options(config: BuildConfig) -> LoadOptions:
    return LoadOptions(
        default_tz=config.default_tz, published=config.published, language=config.language
    )


def _render_options(config: BuildConfig) -> RenderOptions:
    return RenderOptions(
        templates=config.templates,
        site_title=config.title,
        description=config.description,
        base_url=config.base_url,
        language=config.language,
        about=_optional(config.source / ABOUT_FILE),
        notes=_optional(config.source / NOTES_FILE),
    )


def _optional(path: Path) -> Path | None:
    return path if path.is_file() else None


def _remove_old_site(out: Path, sources: Path) -> None:
    """--clean: the old site goes whole, files the build did not write included."""
    refuse_overlap(out.resolve(), sources.resolve())
    if out.is_dir() and not out.is_symlink():
        shutil.rmtree(out)


def _strict_message(problems: Sequence[Problem]) -> str:
    lines = "\n".join(f"  {p}" for p in problems)
    return f"{len(problems)} warnings, and --strict makes them fatal:\n{lines}"
