"""The build: articles in, site out.

`build()` reads as the list of stages (load -> find/resolve -> events -> merge -> render ->
write). It gathers everything in memory first and writes only at the end, so a failure before
the last step leaves the previous site untouched. The per-article stages (load, find/resolve,
events) run file by file through `timeline.execute`: cached by content, in parallel.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from timeline import collector
from timeline.cache import Cache, fingerprint
from timeline.errors import StrictError
from timeline.execute import (
    Analysed,
    Analysis,
    Execution,
    FileResult,
    analyse_articles,
    analyse_folder,
    combine,
)
from timeline.load import LoadOptions
from timeline.merge import MergeMemo, merge_events
from timeline.model import Article, Mention, Problem, Timeline
from timeline.render import ABOUT_FILE, NOTES_FILE, RenderOptions, render_site
from timeline.write import write_site


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
    executor: str = "auto"  # where per-article stages run: auto, serial, process or dask
    scheduler: str | None = None  # the Dask scheduler's address, for executor "dask"
    cache: bool = True  # reuse per-article results from .timeline-cache/ beside the output
    # Per-article results kept in memory between builds of one process (`timeline serve`).
    recall: dict[str, FileResult] | None = field(default=None, compare=False)


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
    # One pause of the cycle collector for the whole build (each stage also pauses it, for
    # callers that run one stage alone): between stages it would walk every object the
    # build holds, a fifth of a second each time at 10,000 articles, and find next to nothing.
    with collector.paused():
        return _build(config, started)


def _build(config: BuildConfig, started: float) -> BuildReport:
    # Load, resolve and attach events, file by file: cached by content, run in parallel.
    analysed = analyse_folder(config.source, _analysis(config), _execution(config), config.progress)
    # Merge across articles: the timeline itself, still in memory.
    timeline = assemble(analysed, config)
    if config.strict and timeline.problems:
        raise StrictError(_strict_message(timeline.problems))
    # Render every page in memory, then swap the finished site into place.
    files = render_site(timeline, _render_options(config))
    if config.write:
        write_site(files, config.out, sources=config.source, clean=config.clean, reuse=config.cache)
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
    results = [analyse_articles(a.path, (a,), (), config.date_order) for a in articles]
    return assemble(combine(results, problems), config)


def assemble(analysed: Analysed, config: BuildConfig) -> Timeline:
    """Merge the events of every article into the timeline."""
    memo = _MergeMemo.beside(config)
    merged = merge_events(
        analysed.events,
        analysed.articles,
        analysed.features,
        versions=analysed.versions,
        memo=memo.recalled() if memo is not None else None,
    )
    if memo is not None:
        memo.keep(merged.memo)
    mentions = analysed.mentions
    return Timeline(
        title=config.title,
        articles=analysed.articles,
        entries=merged.entries,
        context=merged.context,
        mentions=tuple(mentions.items()),
        versions=tuple(analysed.versions.items()),
        problems=config.problems
        + analysed.problems
        + _mention_problems(analysed.articles, mentions),
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


class _MergeMemo:
    """What the last merge left for the next one (`merge.MergeMemo`), kept in the cache
    folder for the next build's merge. A memo of other code, or one that cannot be
    read, is no memo: the merge then groups everything."""

    FILE = "merge-memo.pickle"

    def __init__(self, path: Path) -> None:
        self._path = path
        self._code = fingerprint("merge")
        self._found: MergeMemo | None = None

    @classmethod
    def beside(cls, config: BuildConfig) -> _MergeMemo | None:
        if not (config.cache and config.write):
            return None
        return cls(Cache.beside(config.out, config.source).folder / cls.FILE)

    def recalled(self) -> MergeMemo | None:
        try:
            code, found = pickle.loads(self._path.read_bytes())
        except Exception:  # missing, damaged or foreign: a cache miss, never a failed build
            return None
        self._found = found if code == self._code and isinstance(found, MergeMemo) else None
        return self._found

    def keep(self, memo: MergeMemo | None) -> None:
        """Save `memo`, whole or not at all."""
        if memo is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        spare = self._path.with_suffix(".tmp")
        spare.write_bytes(pickle.dumps((self._code, memo), protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(spare, self._path)


def _analysis(config: BuildConfig) -> Analysis:
    load = LoadOptions(
        default_tz=config.default_tz, published=config.published, language=config.language
    )
    return Analysis(load=load, date_order=config.date_order)


def _execution(config: BuildConfig) -> Execution:
    cache = Cache.beside(config.out, config.source) if config.cache and config.write else None
    executor = "dask" if config.scheduler and config.executor == "auto" else config.executor
    return Execution(
        executor=executor, scheduler=config.scheduler, cache=cache, recall=config.recall
    )


def _render_options(config: BuildConfig) -> RenderOptions:
    cache = Cache.beside(config.out, config.source) if config.cache and config.write else None
    return RenderOptions(
        templates=config.templates,
        description=config.description,
        base_url=config.base_url,
        language=config.language,
        about=_optional(config.source / ABOUT_FILE),
        notes=_optional(config.source / NOTES_FILE),
        cache_dir=cache.folder if cache else None,
    )


def _optional(path: Path) -> Path | None:
    return path if path.is_file() else None


def _strict_message(problems: Sequence[Problem]) -> str:
    lines = "\n".join(f"  {p}" for p in problems)
    return f"{len(problems)} warnings, and --strict makes them fatal:\n{lines}"
