"""Site benchmarks, each against a baseline measured in the same run.

    .venv/bin/python benchmarks/bench_site.py [ARTICLES_FOLDER]
        Size and render time of the page plan that splits a large timeline by month, against
        every event on one index page (default: the h1n1 corpus, 402 articles).

    .venv/bin/python benchmarks/bench_site.py search ARTICLES_FOLDER [--edit REL] [--work DIR]
        The search stage: the sharded, cached index (cold, unchanged, after editing one
        article) against the baseline of one Pagefind run over every whole page (what the
        build did before shards, cold after every edit). Prints seconds, Pagefind's CPU time
        and peak memory (per process, from /usr/bin/time), bundle size and the shards. The
        folder is copied (to --work, default a temporary folder) and only the copy is edited.

    .venv/bin/python benchmarks/bench_site.py edit ARTICLES_FOLDER --baseline CHECKOUT
                                               [--edit REL] [--rounds 3] [--work DIR]
        The render and write stages of a rebuild after one article changed, this code against
        the code of another checkout (e.g. a worktree of main), in the same run. The folder is
        copied; each code analyses and merges it once, before and after the edit (timelines
        kept pickled), builds its site once, then renders and writes the edited and the
        original timeline in turn, each a one-edit rebuild, in a fresh process. Prints the
        median seconds and CPU seconds of each stage and the ratios.

Needs /work/shared/data/tls/h1n1/articles (or the folder given); prints what it measured.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from unittest import mock

from timeline import site_pages, site_search
from timeline.build import (
    BuildConfig,
    _analysis,
    _execution,
    _render_options,
    assemble,
    make_timeline,
)
from timeline.execute import analyse_folder
from timeline.load import LoadOptions, load_folder
from timeline.model import Timeline
from timeline.render import RenderOptions, _search_files, render_site
from timeline.write import SiteFiles

DATA = Path("/work/shared/data/tls/h1n1/articles")
TIME = Path("/usr/bin/time")
EDIT = "\nThe ministry said on Thursday that a review of the measures is due in August 2009.\n"


def measure(timeline: Timeline, search: bool) -> tuple[SiteFiles, float]:
    started = time.perf_counter()
    files = render_site(timeline, RenderOptions(search=search))
    return files, time.perf_counter() - started


def report(name: str, files: Mapping[str, bytes], seconds: float) -> None:
    html = {k: len(v) for k, v in files.items() if k.endswith(".html")}
    biggest = max(html, key=html.__getitem__)
    total = sum(len(v) for v in files.values())
    print(
        f"{name:9} index.html {html['index.html'] / 1024:8.1f} KB   largest page {biggest} "
        f"{html[biggest] / 1024:.1f} KB   {len(html)} pages   {total / 2**20:.1f} MB   "
        f"{seconds:.2f} s"
    )


def bench_pages(source: Path) -> int:
    loaded = load_folder(source, LoadOptions())
    timeline = make_timeline(loaded.articles, BuildConfig(source=source, title="h1n1"))
    print(f"{len(timeline.articles)} articles, {len(timeline.entries)} events")
    split, split_s = measure(timeline, search=False)
    with mock.patch.object(site_pages, "PAGE_LIMIT", 10**9):
        single, single_s = measure(timeline, search=False)
    report("baseline", single, single_s)
    report("split", split, split_s)
    ratio = len(single["index.html"]) / len(split["index.html"])
    print(f"index.html is {ratio:.0f}x smaller when split by month")
    with_search, search_s = measure(timeline, search=True)
    bundle = sum(len(v) for k, v in with_search.items() if k.startswith("pagefind/"))
    slower = search_s / split_s
    print(f"with search: {search_s:.2f} s ({slower:.1f}x), index {bundle / 2**20:.1f} MB")
    return 0


# The search stage.


@dataclasses.dataclass
class Run:
    """One measured search stage."""

    seconds: float
    python_cpu: float  # this process's CPU seconds in the stage (all threads)
    cpu: float  # Pagefind's user + system seconds
    peak_mb: float  # the largest Pagefind process
    runs: int  # Pagefind processes started
    files: dict[str, bytes]

    def line(self, name: str) -> str:
        bundle = sum(len(v) for v in self.files.values()) / 2**20
        return (
            f"{name:34} {self.seconds:6.2f} s (CPU: Python {self.python_cpu:5.2f} s)   "
            f"Pagefind {self.runs:3} runs, "
            f"{self.cpu:6.2f} s CPU, peak {self.peak_mb:6.0f} MB   bundle {bundle:5.1f} MB"
        )


@contextmanager
def timed_pagefind(work: Path) -> Iterator[Path]:
    """Pagefind run through /usr/bin/time, which appends each process's peak RSS to a log."""
    real, log = site_search.executable(), work / "pagefind-peaks.log"
    assert real is not None, "Pagefind is not installed"
    wrapper = work / "pagefind-timed"
    wrapper.write_text(f'#!/bin/sh\nexec {TIME} -a -o {log} -f "%M %U %S %C" {real} "$@"\n')
    wrapper.chmod(0o755)
    with mock.patch.object(site_search, "executable", lambda: wrapper):
        yield log


def stage(work: Path, index: Callable[[], dict[str, bytes]]) -> Run:
    """Time `index()` (returning the search files), with Pagefind's peak memory and CPU."""
    with timed_pagefind(work) as log:
        log.write_text("")
        started, cpu = time.perf_counter(), time.process_time()
        files = index()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        rows = [line.split(maxsplit=3) for line in log.read_text().splitlines()]
    runs = [(float(kb) / 1024, float(u) + float(s)) for kb, u, s, cmd in rows if "--site" in cmd]
    return Run(
        seconds,
        cpu,
        sum(c for _, c in runs),
        max((m for m, _ in runs), default=0.0),
        len(runs),
        files,
    )


def whole_pages_index(pages: Mapping[str, bytes], language: str) -> dict[str, bytes]:
    """The baseline: one Pagefind run over every whole page, as before shards."""
    binary = site_search.executable()
    assert binary is not None
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        site, out = Path(tmp) / "site", Path(tmp) / "pagefind"
        for rel, data in pages.items():
            (site / rel).parent.mkdir(parents=True, exist_ok=True)
            (site / rel).write_bytes(data)
        site_search._run(binary, site, out, language)
        return {
            f"pagefind/{p.relative_to(out).as_posix()}": p.read_bytes()
            for p in sorted(out.rglob("*"))
            if p.is_file() and not any(s in p.name for s in site_search.UNUSED)
        }


def rendered(source: Path, out: Path) -> tuple[Timeline, dict[str, bytes]]:
    """The timeline and its searchable pages (per-article results cached beside `out`)."""
    config = BuildConfig(source=source, out=out, templates=None)
    timeline = assemble(analyse_folder(source, _analysis(config), _execution(config)), config)
    options = dataclasses.replace(_render_options(config), search=False)
    files = render_site(timeline, options)
    return timeline, {p: b for p, b in files.items() if p.startswith(("events/", "articles/"))}


def shards_summary(files: Mapping[str, bytes]) -> str:
    counts = [
        json.loads(v)["languages"][next(iter(json.loads(v)["languages"]))]["page_count"]
        for k, v in files.items()
        if k.endswith("pagefind-entry.json")
    ]
    counts.sort()
    return (
        f"{len(counts)} shards of {counts[0]}..{counts[-1]} pages "
        f"(median {counts[len(counts) // 2]}), {sum(counts)} pages"
    )


def bench_search(source: Path, edit: str | None, work: Path) -> int:
    copy, cache = work / "sources", work / "cache"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    shutil.copytree(source, copy)
    articles = sorted(p for p in copy.rglob("*") if p.is_file() and not p.name.startswith("."))
    edited = copy / edit if edit else articles[len(articles) // 2]
    print(f"{source}: {len(articles)} files; the edit appends a sentence to {edited.name}")
    timeline, pages = rendered(copy, work / "site")
    edited.write_text(edited.read_text(encoding="utf-8") + EDIT, encoding="utf-8")
    timeline2, pages2 = rendered(copy, work / "site")
    changed = sum(1 for p in pages.keys() | pages2.keys() if pages.get(p) != pages2.get(p))
    print(
        f"{len(pages)} searchable pages, {sum(map(len, pages.values())) / 2**20:.0f} MB; "
        f"the edit changed {changed} of them"
    )
    lang = "en"

    def sharded(
        t: Timeline, p: dict[str, bytes], folder: Path | None
    ) -> Callable[[], dict[str, bytes]]:
        options = RenderOptions(language=lang, cache_dir=folder)
        return lambda: _search_files(SiteFiles(p), t, options)

    old_cold = stage(work, lambda: whole_pages_index(pages, lang))
    print(old_cold.line("baseline: whole pages, one run"))
    old_edit = stage(work, lambda: whole_pages_index(pages2, lang))
    print(old_edit.line("baseline after the edit (no cache)"))
    new_cold = stage(work, sharded(timeline, pages, cache))
    print(new_cold.line("shards, cold cache"))
    same = stage(work, sharded(timeline, pages, cache))
    print(same.line("shards, nothing changed"))
    new_edit = stage(work, sharded(timeline2, pages2, cache))
    print(new_edit.line("shards, after the edit"))
    clean = stage(work, sharded(timeline2, pages2, None))
    print(clean.line("shards after the edit, no cache"))
    print(shards_summary(new_edit.files))
    identical = clean.files == new_edit.files
    print(f"cached build identical to the clean build: {identical}")
    cpu_old, cpu_new = old_edit.python_cpu + old_edit.cpu, new_edit.python_cpu + new_edit.cpu
    print(
        f"after one edit: {old_edit.seconds / new_edit.seconds:.1f}x faster "
        f"({old_edit.seconds:.2f} s -> {new_edit.seconds:.2f} s; CPU, Python + Pagefind, "
        f"{cpu_old:.2f} s -> {cpu_new:.2f} s); cold {old_cold.seconds:.2f} s -> "
        f"{new_cold.seconds:.2f} s; peak memory {old_cold.peak_mb:.0f} MB -> "
        f"{new_cold.peak_mb:.0f} MB per Pagefind process"
    )
    return 0 if identical else 1


# Run in a child process with the measured code first on the path: analyse and merge once.
_PREPARE = """
import pickle, sys
from pathlib import Path
from timeline.build import BuildConfig, _analysis, _execution, assemble
from timeline.execute import analyse_folder
source, out, pickled = map(Path, sys.argv[1:4])
config = BuildConfig(source=source, out=out, templates=None)
timeline = assemble(analyse_folder(source, _analysis(config), _execution(config)), config)
pickled.write_bytes(pickle.dumps(timeline, protocol=5))
"""
# ... and render and write a pickled timeline, timing both.
_STAGES = """
import json, pickle, resource, sys, time
from pathlib import Path
from timeline.build import BuildConfig, _render_options
from timeline.render import render_site
from timeline.write import write_site
source, out, pickled = map(Path, sys.argv[1:4])
timeline = pickle.loads(pickled.read_bytes())
config = BuildConfig(source=source, out=out, templates=None)
def now():
    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return time.perf_counter(), me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
a = now()
files = render_site(timeline, _render_options(config))
b = now()
write_site(files, config.out, sources=config.source)
c = now()
print(json.dumps({"render": b[0] - a[0], "render_cpu": b[1] - a[1],
                  "write": c[0] - b[0], "write_cpu": c[1] - b[1]}))
"""


def _child(code: Path, script: str, *args: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(code)}
    cmd = [sys.executable, "-c", script, *map(str, args)]
    # From the code's folder: `python -c` puts the working folder first on the path.
    run = partial(subprocess.run, capture_output=True, text=True, check=False, env=env)
    result = run(cmd, cwd=code)
    if result.returncode != 0:
        sys.exit(f"{code}: {result.stderr[-3000:]}")
    return result.stdout


def _snapshot(root: Path, to: Path) -> Path:
    """A copy of a checkout's code, templates inside the package: what the children run, so
    that edits made meanwhile change neither the figures nor the caches."""
    shutil.rmtree(to, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(root / "timeline", to / "timeline", ignore=ignore)
    shutil.copytree(root / "templates", to / "timeline" / "templates", ignore=ignore)
    return to


def bench_edit(source: Path, baseline: Path, edit: str | None, rounds: int, work: Path) -> int:
    here = Path(__file__).resolve().parent.parent
    codes = {
        name: _snapshot(root, work / "code" / name)
        for name, root in (("this", here), ("baseline", baseline.resolve()))
    }
    src = work / "src"
    shutil.copytree(source, src, dirs_exist_ok=True)
    edited = src / (edit or sorted(p.relative_to(src).as_posix() for p in src.rglob("*.md"))[0])
    original = edited.read_bytes()
    for name, code in codes.items():
        (work / name).mkdir(exist_ok=True)
        for version, text in (("after", original + EDIT.encode()), ("before", original)):
            edited.write_bytes(text)
            _child(code, _PREPARE, src, work / name / "out", work / name / f"{version}.pickle")
        _child(code, _STAGES, src, work / name / "out", work / name / "before.pickle")
    print(f"{source}: one edit to {edited.relative_to(src)}, {rounds} rounds of two rebuilds")
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in codes}
    for _ in range(rounds):
        for version in ("after", "before"):
            for name, code in codes.items():
                pickled = work / name / f"{version}.pickle"
                out = _child(code, _STAGES, src, work / name / "out", pickled)
                runs[name].append(json.loads(out.splitlines()[-1]))
    medians = {n: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for n, rs in runs.items()}
    for name, m in medians.items():
        print(f"{name:9} " + "  ".join(f"{k} {v:.3f} s" for k, v in m.items()))
    this, base = medians["this"], medians["baseline"]
    print("ratio     " + "  ".join(f"{k} {base[k] / this[k]:.2f}x" for k in this))
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["edit"]:
        parser = argparse.ArgumentParser(prog="bench_site.py edit")
        parser.add_argument("source", type=Path)
        parser.add_argument("--baseline", type=Path, required=True, help="another checkout")
        parser.add_argument("--edit", help="the article to edit, relative to the folder")
        parser.add_argument("--rounds", type=int, default=3)
        parser.add_argument("--work", type=Path, help="where to copy and build (kept)")
        args = parser.parse_args(argv[1:])
        if args.work:
            args.work.mkdir(parents=True, exist_ok=True)
            return bench_edit(args.source, args.baseline, args.edit, args.rounds, args.work)
        with tempfile.TemporaryDirectory(prefix="bench-edit-") as tmp:
            return bench_edit(args.source, args.baseline, args.edit, args.rounds, Path(tmp))
    if argv[:1] == ["search"]:
        parser = argparse.ArgumentParser(prog="bench_site.py search")
        parser.add_argument("source", type=Path)
        parser.add_argument("--edit", help="the article to edit, relative to the folder")
        parser.add_argument("--work", type=Path, help="where to copy and build (kept)")
        args = parser.parse_args(argv[1:])
        if args.work:
            args.work.mkdir(parents=True, exist_ok=True)
            return bench_search(args.source, args.edit, args.work)
        with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
            return bench_search(args.source, args.edit, Path(tmp))
    source = Path(argv[0]) if argv else DATA
    if not source.is_dir():
        print(f"no corpus at {source}; pass a folder of articles", file=sys.stderr)
        return 1
    return bench_pages(source)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
