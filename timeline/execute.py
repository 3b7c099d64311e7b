"""Running the per-article stages: load, find/resolve and events, for every file.

Each file is one unit of work, `analyse(rel, data, options)`: it touches no disk, so it runs
the same in this process, in a pool of worker processes, or on a Dask cluster. Results are
cached by content (see `timeline.cache`): an unchanged article is neither loaded nor resolved
again. Merging and rendering need every article at once and stay in the calling process.

    serial   one process; what small builds use (a pool costs more to start than it saves)
    process  a pool of worker processes, one per core; the default from POOL_MIN files on
    dask     an existing Dask cluster (`distributed`), given by its scheduler's address
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate, repeat
from pathlib import Path
from typing import TYPE_CHECKING

from timeline import collector
from timeline.cache import Cache, Facts, FileIndex, content_digest, dumps, facts, keyer, loads
from timeline.errors import ArticleError, BuildError, UsageError
from timeline.events import extract_events
from timeline.find import prepare
from timeline.load import (
    MANY_SUFFIXES,
    MAX_ARTICLE_BYTES,
    LoadOptions,
    load_bytes,
    read_bytes,
    scan_files,
    unique_ids,
)
from timeline.merge_features import article_features
from timeline.model import Article, Event, Mention, Problem
from timeline.resolve import resolve_text

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

EXECUTORS = ("auto", "serial", "process", "dask")
POOL_MIN = 48  # files to analyse before a process pool pays for its start-up
BATCH = 4096  # files read and analysed at a time: bounds the bytes held in memory

Progress = Callable[[int, int], None]
_EVENTS = "\2"  # joins the packed merge features of a result's events: in none of them
# Analysed once before forking the pool, so that workers inherit the resolver's warm caches
# instead of each building them (half a second of CPU per worker).
_WARM_UP = ("warm-up.md", b"---\npublished: 2023-09-05\n---\nOn Monday, 4 September 2023.\n")


@dataclass(frozen=True)
class Analysis:
    """What the per-article stages need to know; part of every cache key."""

    load: LoadOptions = field(default_factory=LoadOptions)
    date_order: str = "MDY"


@dataclass(frozen=True)
class Execution:
    """Where the per-article stages run."""

    executor: str = "auto"
    scheduler: str | None = None  # address of a Dask scheduler, e.g. tcp://10.0.0.5:8786
    workers: int | None = None  # processes for the pool (default: one per core)
    cache: Cache | None = None
    # Results kept in this process between builds (`timeline serve`), by cache key: a hit
    # costs neither a cache read nor unpickling. Pruned to the keys of the latest build.
    recall: dict[str, FileResult] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class FileResult:
    """The per-article stages' results for one file (a JSON Lines file holds many articles)."""

    rel: str
    articles: tuple[Article, ...] = ()
    mentions: tuple[tuple[Mention, ...], ...] = ()
    events: tuple[tuple[Event, ...], ...] = ()
    problems: tuple[Problem, ...] = ()
    crashed: bool = False  # a bug was met: the result says nothing lasting about the file
    # What merge reads of each event (`merge_features.article_features`), made here once, not in
    # every build's merge: the events' packed features, in order, joined in one string (a
    # string costs the cycle collector nothing when a rebuild loads 10,000 results).
    features: str = ""
    key: str = field(default="", compare=False)  # its cache key, once known


@dataclass(frozen=True)
class Analysed:
    """Every article with unique ids, its mentions and events, and the problems met."""

    articles: tuple[Article, ...]
    mentions: dict[str, tuple[Mention, ...]]
    events: tuple[Event, ...]
    problems: tuple[Problem, ...] = field(default=())
    features: dict[str, str] = field(default_factory=dict)  # merge's, by event id
    # What each article and its events were made from, by article id: its file's cache key
    # (content, options, code) and its place in the file. Same version, same events.
    versions: dict[str, str] = field(default_factory=dict)


def analyse_folder(
    source: Path, options: Analysis, execution: Execution, progress: Progress | None = None
) -> Analysed:
    """Run the per-article stages on every file under `source`, reusing cached results."""
    files, problems = scan_files(source)
    results: dict[int, FileResult] = {}
    key_of = keyer((repr(options),))
    # Cached results are hundreds of thousands of objects and hold no cycles: without the
    # pause the collector would walk them again and again (two thirds of a rebuild's time).
    with collector.paused(), Runner(execution) as run:
        for start in range(0, len(files), BATCH):
            batch = files[start : start + BATCH]
            for i, result in _analyse_batch(batch, options, key_of, execution, run):
                results[start + i] = result
                if progress is not None:
                    progress(len(results), len(files))
        if execution.cache is not None:
            execution.cache.prune(_stale(execution.cache, key_of))
        if execution.recall is not None:
            _keep_only(execution.recall, {r.key for r in results.values()})
        return combine([results[i] for i in range(len(files))], problems)


def _stale(cache: Cache, key_of: KeyOf) -> list[str]:
    """The keys the last build gave the files that have changed or gone since."""
    return [key_of(digest, rel) for rel, digest in cache.files().replaced()]


def analyse(rel: str, data: bytes, options: Analysis) -> FileResult:
    """Load one file's articles from its bytes, resolve their time expressions, make events."""
    try:
        articles, problems = load_bytes(data, rel, options.load)
    except Exception as err:  # a bug met on one file must not cost the others
        return FileResult(rel, problems=(_internal_error(rel, err),), crashed=True)
    return analyse_articles(rel, articles, problems, options.date_order)


def analyse_articles(
    rel: str, articles: Sequence[Article], problems: Sequence[Problem], date_order: str
) -> FileResult:
    """Resolve loaded articles' time expressions and make their events; a bug met on one
    article costs only that article."""
    trouble = list(problems)
    mentions: list[tuple[Mention, ...]] = []
    events: list[tuple[Event, ...]] = []
    features: list[tuple[str, ...]] = []
    crashed = False
    for article in articles:
        try:
            found = resolve_article(article, date_order)
            made = extract_events(article, found)
            told = article_features(article, made)
        except Exception as err:  # a bug met on one article must not cost the others
            trouble.append(_internal_error(article.path, err))
            found, made, told, crashed = (), (), (), True
        mentions.append(found)
        events.append(made)
        features.append(told)
    return FileResult(
        rel,
        tuple(articles),
        tuple(mentions),
        tuple(events),
        tuple(trouble),
        crashed,
        features=_EVENTS.join(f for told in features for f in told),
    )


def analyse_pickled(rel: str, data: bytes, options: Analysis, key: str = "") -> bytes:
    """`analyse`, its result (with its cache key) pickled: what workers send back and the
    cache stores."""
    result = analyse(rel, data, options)
    return dumps(replace(result, key=key) if key else result)


def resolve_article(article: Article, date_order: str) -> tuple[Mention, ...]:
    """The time expressions of one article, resolved against its publish date."""
    return resolve_text(
        article.body, article.published, language=article.language, date_order=date_order
    )


def combine(results: Sequence[FileResult], problems: Sequence[Problem] = ()) -> Analysed:
    """One build's articles with unique ids; events of a renamed article are made again."""
    loaded = [a for r in results for a in r.articles]
    found = [m for r in results for m in r.mentions]
    made = [e for r in results for e in r.events]
    told = [f for r in results for f in _article_features(r)]
    made_from = [f"{r.key}#{n}" if r.key else "" for r in results for n in range(len(r.articles))]
    unique, clashes = unique_ids(loaded)
    for i, (before, after) in enumerate(zip(loaded, unique, strict=True)):
        if before.id != after.id:
            made[i] = extract_events(after, found[i])
            told[i] = article_features(after, made[i])
    trouble = [*problems, *(p for r in results for p in r.problems), *clashes]
    return Analysed(
        articles=tuple(unique),
        mentions={a.id: m for a, m in zip(unique, found, strict=True)},
        events=tuple(e for events in made for e in events),
        problems=tuple(trouble),
        features=_by_event(made, told),
        versions={a.id: v for a, v in zip(unique, made_from, strict=True) if v},
    )


def _article_features(result: FileResult) -> list[tuple[str, ...]]:
    """Each article's merge features, from the one string a result keeps them in."""
    flat = result.features.split(_EVENTS) if result.features else []
    ends = accumulate(len(events) for events in result.events)
    return [tuple(flat[end - len(e) : end]) for e, end in zip(result.events, ends, strict=True)]


def _by_event(
    events: Sequence[tuple[Event, ...]], features: Sequence[tuple[str, ...]]
) -> dict[str, str]:
    """Each event's features by its id (a result made without them gives none)."""
    return {
        e.id: f
        for made, told in zip(events, features, strict=True)
        for e, f in zip(made, told, strict=False)
        if f
    }


Unit = tuple[str, bytes, str]  # a file's name, bytes and cache key: one unit of work
Run = Callable[[list[Unit], Analysis], Iterator[bytes]]
KeyOf = Callable[[bytes, str], str]  # a file's cache key from its digest and name


def _analyse_batch(
    files: Sequence[tuple[str, str]],
    options: Analysis,
    key_of: KeyOf,
    execution: Execution,
    run: Run,
) -> Iterator[tuple[int, FileResult]]:
    """One batch of files (name, path), each with its index: results recalled or cached
    first, then the rest as they are made (and cached). A file the index knows unchanged is
    not read unless its result must be made again."""
    cache = execution.cache
    index = cache.files() if cache is not None else None
    keyed: list[tuple[int, str, str, bytes | None, str]] = []
    for i, (rel, path) in enumerate(files):
        try:
            data, k = _keyed(rel, path, key_of, index)
        except ArticleError as err:
            yield i, _unreadable(rel, err)
            continue
        keyed.append((i, rel, path, data, k))
    recall = execution.recall if execution.recall is not None else {}
    wanted = [k for *_, k in keyed if k not in recall] if recall else [k for *_, k in keyed]
    hits = cache.get_many(wanted) if cache is not None and wanted else {}
    if cache is not None and recall:
        cache.used.update(recall.keys() & {k for *_, k in keyed})
    if recall:
        hits = {**hits, **recall}
    todo: list[Unit] = []
    where: list[int] = []
    for i, rel, path, data, k in keyed:
        hit = hits.get(k)
        if isinstance(hit, FileResult):
            if hit.key != k:
                hit = replace(hit, key=k)
            yield i, hit if execution.recall is None else _recalled(execution, hit)
            continue
        try:
            if data is None:  # known to the index, but its result must be made again
                data, k = _read(rel, path, key_of, index, _stat(path))
        except ArticleError as err:
            yield i, _unreadable(rel, err)
            continue
        todo.append((rel, data, k))
        where.append(i)
    for i, (_, _, k), blob in zip(where, todo, run(todo, options), strict=True):
        result = _result(blob)
        if not result.crashed:  # a crash may be the machine's, not the file's
            if cache is not None:
                cache.put(k, blob)
            _recalled(execution, result)
        yield i, result


def _keyed(rel: str, path: str, key_of: KeyOf, index: FileIndex | None) -> tuple[bytes | None, str]:
    """A file's cache key, and its bytes unless the index vouches for them unread: it does
    when the file's stat facts are those it had when last read (see `timeline.cache`)."""
    before = _stat(path) if index is not None else None
    digest = index.digest(rel, before) if index is not None and before is not None else None
    if digest is not None:
        return None, key_of(digest, rel)
    return _read(rel, path, key_of, index, before)


def _read(
    rel: str, path: str, key_of: KeyOf, index: FileIndex | None, before: Facts | None
) -> tuple[bytes, str]:
    """A file's bytes and cache key, noted in the index with the facts stat'ed `before`."""
    data = read_bytes(Path(path), rel, _limit(rel))
    digest = content_digest(data)
    if index is not None and before is not None:
        index.note(rel, before, digest)
    return data, key_of(digest, rel)


def _stat(path: str) -> Facts | None:
    try:
        return facts(os.stat(path))
    except OSError:
        return None  # reading the file says why


def _unreadable(rel: str, err: ArticleError) -> FileResult:
    return FileResult(rel, problems=(Problem(err.file, err.message, err.hint),))


def _result(blob: bytes) -> FileResult:
    try:
        result = loads(blob)
    except ValueError as err:  # only a worker on another machine can run other code
        raise BuildError(
            f"a worker's result was {err}; install the same version on every Dask worker"
        ) from None
    return result  # type: ignore[no-any-return]


def _recalled(execution: Execution, result: FileResult) -> FileResult:
    if execution.recall is not None:
        execution.recall[result.key] = result
    return result


def _keep_only(recall: dict[str, FileResult], keys: set[str]) -> None:
    for gone in recall.keys() - keys:
        del recall[gone]


def _limit(rel: str) -> int | None:
    return None if rel.lower().endswith(MANY_SUFFIXES) else MAX_ARTICLE_BYTES


def _internal_error(rel: str, err: Exception) -> Problem:
    return Problem(
        rel,
        f"could not be processed ({type(err).__name__}: {str(err)[:200]})",
        "this is a bug in timeline: please report it with this file",
    )


# -- executors ----------------------------------------------------------------------------------


class Runner:
    """The executor chosen for a build, as a function from units of work to pickled results."""

    def __init__(self, execution: Execution) -> None:
        if execution.executor not in EXECUTORS:
            raise UsageError(f"--executor {execution.executor!r}: choose one of {EXECUTORS}")
        self.execution = execution
        self.pool: ProcessPoolExecutor | None = None  # started at the first unit to run
        self.client: object | None = None

    def __enter__(self) -> Run:
        return self.run

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
        if self.client is not None:
            self.client.close()  # type: ignore[attr-defined]

    def run(self, units: list[Unit], options: Analysis) -> Iterator[bytes]:
        if not units:
            return iter(())
        kind = self._kind(len(units))
        if kind == "dask":
            return self._dask(units, options)
        if kind == "process":
            return self._pool(units, options)
        return (analyse_pickled(rel, data, options, k) for rel, data, k in units)

    def _kind(self, units: int) -> str:
        chosen = self.execution.executor
        if chosen != "auto":
            return chosen
        workers = self.execution.workers or os.cpu_count() or 1
        return "process" if workers > 1 and units >= POOL_MIN else "serial"

    def _pool(self, units: list[Unit], options: Analysis) -> Iterator[bytes]:
        # Imported here: a rebuild that runs nothing in a pool need not load multiprocessing.
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool
        from multiprocessing import get_all_start_methods, get_context

        if self.pool is None:
            method = "fork" if "fork" in get_all_start_methods() else "spawn"
            if method == "fork":  # compiled rules and tables, shared by every worker
                prepare(options.load.language)
                analyse(*_WARM_UP, options)
            self.pool = ProcessPoolExecutor(self.execution.workers, mp_context=get_context(method))
        workers = self.execution.workers or os.cpu_count() or 1
        chunk = max(1, min(64, len(units) // (workers * 4)))
        rels, datas, keys = zip(*units, strict=True)
        try:
            yield from self.pool.map(
                analyse_pickled, rels, datas, repeat(options), keys, chunksize=chunk
            )
        except BrokenProcessPool:
            raise BuildError(
                "a worker process died (out of memory?); run again with --executor serial"
            ) from None

    def _dask(self, units: list[Unit], options: Analysis) -> Iterator[bytes]:
        if self.client is None:
            self.client = _dask_client(self.execution.scheduler)
        client = self.client
        futures = client.map(  # type: ignore[attr-defined]
            analyse_pickled,
            [u[0] for u in units],
            [u[1] for u in units],
            [options] * len(units),
            [u[2] for u in units],
            pure=False,
        )
        for future in futures:
            yield future.result()


def _dask_client(address: str | None) -> object:
    """A client of the Dask cluster at `address`."""
    if not address:
        raise UsageError("--executor dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(
            "--executor dask needs the distributed package: pip install 'timeline[dask]'"
        ) from None
    try:
        return Client(address, timeout="10s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as err:
        raise BuildError(
            f"cannot reach the Dask scheduler at {address} ({err}); start one with "
            "`dask scheduler`, or build without --executor dask"
        ) from None
