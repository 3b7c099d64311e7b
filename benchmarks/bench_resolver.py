"""Throughput of the temporal resolver against dateparser's search, and its growth on hostile text.

    .venv/bin/python benchmarks/bench_resolver.py [TIMEML_DIR]

Part 1 runs `resolve_text` and `dateparser.search.search_dates` on the same TBAQ text (the
plain text of every .tml file under TIMEML_DIR, default ../shared/data/timeml), once as one
long text and once document by document with each document's creation time, and prints
words per second for both and their ratio. Part 2 times `resolve_text` on hostile text (a
100,000-character line, long digit runs, a month name repeated 10,000 times) at about 0.5 MB
and 1 MB: linear code takes about twice as long on twice the text. Both parts time with the
garbage collector paused, as `timeit` does, and report the best of several runs, so that
other work on the machine disturbs the ratio as little as it can: the runs of the two sides
take turns, so that a change in the machine's load falls on both, and are timed by the
processor time this process used (both sides are single-threaded computation), which
other processes on a shared machine leave nearly alone, where they stretch wall-clock time.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from dateparser.search import search_dates

from timeline.evaluate.timeml import Document, read_timeml
from timeline.resolve import resolve_text

# shared/ lies beside the repository, or beside the folder of git worktrees it has
DEFAULT_DATA = next(
    (data for folder in Path(__file__).resolve().parents
     if (data := folder / "shared" / "data" / "timeml").is_dir()),
    Path(__file__).resolve().parents[2] / "shared" / "data" / "timeml",
)  # fmt: skip
PUBLISHED = datetime(2023, 9, 5, 12, tzinfo=UTC)


def seconds(work: Callable[[], object], repeat: int = 1) -> float:
    """The best processor time of `repeat` runs of `work`, with the cyclic garbage collector
    paused as `timeit` does (its pauses grow with every object alive, not with this work)."""
    return min(_once(work) for _ in range(repeat))


def _once(work: Callable[[], object]) -> float:
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        work()
        return time.process_time() - start
    finally:
        gc.enable()


def taking_turns(
    ours: Callable[[], object], theirs: Callable[[], object], repeat: tuple[int, int]
) -> tuple[float, float]:
    """The best times of `repeat[0]` runs of `ours` and `repeat[1]` runs of `theirs`, the
    runs of the two taking turns while both have runs left."""
    best = [float("inf"), float("inf")]
    for turn in range(max(repeat)):
        for side, work in enumerate((ours, theirs)):
            if turn < repeat[side]:
                best[side] = min(best[side], _once(work))
    return best[0], best[1]


def words(text: str) -> int:
    return len(text.split())


def throughput(docs: list[Document]) -> None:
    whole = "\n\n".join(d.text for d in docs)
    n = words(whole)
    start = time.process_time()
    for d in docs:  # the first pass also loads the rules and fills the caches
        resolve_text(d.text, d.created)
    cold = n / (time.process_time() - start)
    search_dates("on Monday, Sept. 5, 2023", languages=["en"])

    def ours_whole() -> None:
        resolve_text(whole, PUBLISHED)

    def theirs_whole() -> None:
        search_dates(whole, languages=["en"], settings={"RELATIVE_BASE": _naive(PUBLISHED)})

    def ours_docs() -> None:
        for d in docs:
            resolve_text(d.text, d.created)

    def theirs_docs() -> None:
        for d in docs:
            search_dates(d.text, languages=["en"], settings={"RELATIVE_BASE": _naive(d.created)})

    print(f"TBAQ: {len(docs)} documents, {n:,} words\n")
    print(f"{'run':24}{'resolve_text w/s':>18}{'search_dates w/s':>18}{'ratio':>8}")
    for name, ours, theirs in (
        ("one text", ours_whole, theirs_whole),
        ("document by document", ours_docs, theirs_docs),
    ):
        ours_took, theirs_took = taking_turns(ours, theirs, repeat=(5, 3))
        mine, base = n / ours_took, n / theirs_took
        print(f"{name:24}{mine:18,.0f}{base:18,.0f}{mine / base:7.1f}x")
    print(f"{'first pass (cold)':24}{cold:18,.0f}   (document by document, loading the rules)")


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def hostile_block() -> str:
    """Half a megabyte of text built to trip up backtracking patterns and quadratic code."""
    line = ("Aug" + "x" * 97) * 1_000  # one 100,000-character line, no spaces
    digits = "1" * 100_000 + " " + "2023-" * 10_000 + " 30/" * 10_000
    months = "January " * 10_000 + "Sept. " * 10_000 + "the last " * 5_000
    news = "On Monday, Aug. 30, 2023, officials said the talks would resume the next day. " * 1_000
    return "\n".join((line, digits, months, news))


def growth() -> None:
    block = hostile_block()
    print("\nhostile text (100,000-character line, digit runs, a month name 10,000 times...)")
    print(f"{'characters':>12}{'seconds':>10}{'mentions':>10}")
    timings = []
    for copies in (1, 2):
        text = "\n".join([block] * copies)
        found = resolve_text(text, PUBLISHED)
        took = seconds(partial(resolve_text, text, PUBLISHED), repeat=3)
        timings.append(took)
        print(f"{len(text):>12,}{took:10.3f}{len(found):10,}")
    print(f"time ratio for twice the text: {timings[1] / timings[0]:.2f} (linear: about 2)")


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else DEFAULT_DATA
    if folder.is_dir():
        throughput([read_timeml(p) for p in sorted(folder.glob("**/*.tml"))])
    else:
        print(f"no TimeML data at {folder}: skipping the throughput comparison")
    growth()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
