"""Rebuilds after a one-article edit, timed stage by stage against a baseline in the same run.

    .venv/bin/python benchmarks/bench_incremental.py [CORPUS_FOLDER]
    .venv/bin/python benchmarks/bench_incremental.py articles [CORPUS_FOLDER]
                     [--baseline CHECKOUT] [--rounds 5] [--keep DIR]

Render and write (the default): with the render cache (incremental) against without it
(everything rendered, as a build with `cache=False`). Per-article work and the merge run as
in a build but are not timed. Prints seconds per stage and the ratios, and checks that the
incremental site equals the one rendered from scratch, file by file.

`articles`: the per-article stage (`analyse_folder`) of a new process after one article
changed, as `timeline build` meets it, this tree against the code of --baseline (a checkout
of main; default: this tree with no file index, every file read and hashed). Each has its
own cache, filled by one build first; then each round times both, in turns, three ways, each
after an edit of its own: as `timeline build` runs it (auto executor), serial, and serial with
the resolver already loaded (what is left is the cache's work, not the resolver's start-up).
Prints median wall and CPU seconds, the ratios, and whether both gave the same articles and
events.

The corpus is copied to a temporary folder (the one given is never changed); default
/tmp/timeline-bench/corpus-10000 (make one with benchmarks/corpus.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from timeline.build import BuildConfig, _analysis, _execution, _render_options, assemble
from timeline.execute import analyse_folder
from timeline.model import Timeline
from timeline.render import render_site
from timeline.write import write_site

DEFAULT = Path("/tmp/timeline-bench/corpus-10000")
ROOT = Path(__file__).resolve().parent.parent


def timeline_of(config: BuildConfig) -> Timeline:
    return assemble(analyse_folder(config.source, _analysis(config), _execution(config)), config)


def render_and_write(t: Timeline, config: BuildConfig, cached: bool) -> tuple[float, float]:
    options = replace(_render_options(config), search=False)
    options = options if cached else replace(options, cache_dir=None)
    started = time.perf_counter()
    files = render_site(t, options)
    rendered = time.perf_counter()
    write_site(files, config.out, sources=config.source)
    return rendered - started, time.perf_counter() - rendered


def edit_one_article(source: Path) -> None:
    path = sorted(source.rglob("*.md"))[len(list(source.rglob("*.md"))) // 2]
    text = path.read_text("utf-8")
    paragraphs = text.split("\n\n")
    paragraphs[-1] = paragraphs[-1].replace(" the ", " that ", 1) + " Nothing more was said."
    path.write_text("\n\n".join(paragraphs), "utf-8")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def main(argv: list[str]) -> int:
    if argv[:1] == ["articles"]:
        return per_article(argv[1:])
    if argv[:1] == ["--child"]:
        return child(argv[1:])
    corpus = Path(argv[0]) if argv else DEFAULT
    if not corpus.is_dir():
        print(f"no corpus at {corpus}; pass a folder of articles", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as tmp:
        source = Path(tmp) / "articles"
        shutil.copytree(corpus, source)
        cached = BuildConfig(source=source, out=Path(tmp) / "site", templates=None)
        scratch = replace(cached, out=Path(tmp) / "scratch")
        t = timeline_of(cached)
        print(f"{len(t.articles)} articles, {len(t.entries)} entries")
        rows = {"cold": render_and_write(t, cached, cached=True)}
        rows["no change"] = render_and_write(t, cached, cached=True)
        edit_one_article(source)
        t = timeline_of(cached)
        rows["one edit"] = render_and_write(t, cached, cached=True)
        rows["baseline: one edit, no cache"] = render_and_write(t, scratch, cached=False)
        for name, (render_s, write_s) in rows.items():
            print(f"{name:30} render {render_s:6.2f} s   write {write_s:6.2f} s")
        base = sum(rows["baseline: one edit, no cache"])
        ratio = base / sum(rows["one edit"])
        print(f"one edit: render + write {ratio:.1f}x faster than without the cache")
        same = tree(cached.out) == tree(scratch.out)
        print("incremental site equals the site from scratch:", same)
        return 0 if same else 1


# -- the per-article stage in a new process ------------------------------------------------------


def per_article(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_incremental.py articles")
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--baseline", type=Path, help="a checkout of main (default: no index)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="work here and keep it (default: a temp dir)")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}; pass a folder of articles", file=sys.stderr)
        return 1
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-articles-"))
    try:
        return compare(args.corpus, work, args.baseline, args.rounds)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


# What each timed run is: its label, the executor, and whether the resolver is loaded first.
VARIANTS = (
    ("new process (auto, as a build)", "auto", False),
    ("new process, serial", "serial", False),
    ("resolver loaded first", "serial", True),
)


def compare(corpus: Path, work: Path, baseline: Path | None, rounds: int) -> int:
    source = work / "articles"
    if not source.is_dir():
        shutil.copytree(corpus, source)
    code = {"this tree": (ROOT, False), "baseline": (baseline or ROOT, baseline is None)}
    outs = {name: work / name.replace(" ", "-") / "site" for name in code}
    for name, (tree_, no_index) in code.items():  # fill each cache (any executor will do)
        run_child(tree_, source, outs[name], warm=False, no_index=no_index, executor="auto")
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    digests: set[str] = set()
    for n in range(rounds):
        for v, (label, executor, warm) in enumerate(VARIANTS):
            edit = n * len(VARIANTS) + v
            edit_article(source, edit)  # each run meets one changed file, and only one
            for name, (tree_, no_index) in code.items():
                row = run_child(tree_, source, outs[name], warm, no_index, executor)
                times.setdefault((name, label), []).append((row["wall"], row["cpu"]))
                digests.add(f"{edit}:{row['digest']}")
    print(f"{rounds} rounds of one edit at {count_files(source)} files; medians, seconds")
    for label, _, _ in VARIANTS:
        medians = {name: median(times[(name, label)]) for name in code}
        for name, (wall, cpu) in medians.items():
            print(f"{label:31} {name:10} wall {wall:6.3f}   cpu {cpu:6.3f}")
        (bw, bc), (tw, tc) = medians["baseline"], medians["this tree"]
        print(f"{label:31} this tree is {bw / tw:.1f}x (wall), {bc / tc:.1f}x (cpu) faster")
    same = len(digests) == rounds * len(VARIANTS)
    print("both give the same articles, mentions and events after every edit:", same)
    return 0 if same else 1


def edit_article(source: Path, n: int) -> None:
    """A sentence more in one article (another article each round), as an editor adds one."""
    paths = sorted(source.rglob("*.md"))
    path = paths[(n * 7919) % len(paths)]
    with path.open("a", encoding="utf-8") as f:
        f.write(f"\nThe ministry added a correction on Tuesday, {n + 2} May.\n")


def count_files(source: Path) -> int:
    return sum(1 for p in source.rglob("*") if p.is_file())


def median(rows: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(w for w, _ in rows), statistics.median(c for _, c in rows)


def run_child(
    code: Path, source: Path, out: Path, warm: bool, no_index: bool, executor: str
) -> dict[str, Any]:
    """Time the per-article stage in a new process running the code at `code`."""
    flags = [str(source), str(out), executor, "warm" if warm else "-"]
    flags.append("no-index" if no_index else "-")
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", *flags],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=code,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the child failed:\n{done.stderr}")
    row: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return row


def child(argv: list[str]) -> int:
    """In the new process: time `analyse_folder` alone, as a build calls it."""
    source, out, executor, warm, no_index = argv
    from timeline import execute

    if warm == "warm":
        execute.analyse(*execute._WARM_UP, execute.Analysis())
    if no_index == "no-index":
        from timeline import cache

        cache.Cache.files = lambda self: cache.FileIndex({}, time.time_ns())  # type: ignore[method-assign]
    config = BuildConfig(source=Path(source), out=Path(out), templates=None, executor=executor)
    wall, cpu = time.perf_counter(), time.process_time()
    analysed = analyse_folder(config.source, _analysis(config), _execution(config))
    [object() for _ in range(1000)]  # the collector's walk, if the stage left one, falls here
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    content = repr((analysed.articles, sorted(analysed.mentions.items()), analysed.events))
    digest = hashlib.sha256(content.encode()).hexdigest()
    print(json.dumps({"wall": wall, "cpu": cpu, "digest": digest}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
