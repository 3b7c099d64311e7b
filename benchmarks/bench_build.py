"""Build time, peak memory and events per second at N articles; incremental rebuilds.

    .venv/bin/python benchmarks/bench_build.py [--sizes 400,2000,10000] [--full]
                                               [--baseline-max 2000] [--resolver] [--data DIR]
                                               [--edits 5]

For each N, a corpus from benchmarks/corpus.py (real sentences, real publish dates) is built
in a fresh child process, stage by stage, so every row has its own peak memory:

    pool      the default build: per-article stages in a process pool, cold cache
    serial    the baseline: the same build in one process (for N up to --baseline-max)
    one edit  the pool build again after one article changed: everything else is cached
    edits     --edits more such rebuilds, each after a line from one article is added to
              another (both chosen at random, seeded: the same run every time); their median
              and slowest, since what an edit reaches (and so its cost) varies with its words
    cli edit  the same, as a user runs it: `timeline build` in a new process, wall clock
              from start to exit (start-up and imports included; no stage columns)
    serve     the rebuild `timeline serve` makes after one article changed: the same process
              built the site before, and keeps per-article results in memory

Columns: seconds per stage (per-article = load + find/resolve + events; merge; render;
write), total, peak resident memory of the build process and of its largest worker, and
events (timeline entries) per second. Under each row, the CPU seconds of the build process
in each stage (the machine may be shared: CPU time moves less with the load than wall time
does; a pool's workers are not counted). The last lines give the slope of log(time) against
log(N) (1.0 is linear) and the ratios to the baselines. --full adds N = 100,000 (about an
hour on two cores). --resolver also runs benchmarks/bench_resolver.py's comparison with
dateparser.search.search_dates on the TBAQ text.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORK = Path(tempfile.gettempdir()) / "timeline-bench"


def child(source: Path, out: Path, executor: str, serve: bool = False) -> dict[str, float]:
    """One build, stage by stage, in this process; what it cost. With `serve`, first build
    once untimed and change one article, as `timeline serve` would see it, then measure."""
    from timeline.config import build_config, load_config
    from timeline.execute import FileResult

    recall: dict[str, FileResult] | None = {} if serve else None
    # The configuration `timeline build --source --out` makes (timezone, templates...), so that
    # this build and the `cli edit` row share their cache entries instead of evicting each other.
    loaded = load_config(overrides={"source": source, "output": out})
    config = build_config(loaded, executor=executor, recall=recall)
    if serve:
        stages(config)
        edit_one(source)
    marks, timeline, files = stages(config)
    spent = [b - a for a, b in itertools.pairwise(m for m, _ in marks)]
    cpu = [b - a for a, b in itertools.pairwise(c for _, c in marks)]
    return {
        "articles": len(timeline.articles),
        "entries": len(timeline.entries),
        "files": len(files),
        "per_article": spent[0],
        "merge": spent[1],
        "render": spent[2],
        "write": spent[3],
        "total": marks[-1][0] - marks[0][0],
        **{f"cpu_{name}": c for name, c in zip(STAGES, cpu, strict=True)},
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


STAGES = ("per_article", "merge", "render", "write")


def stages(config: Any) -> tuple[list[tuple[float, float]], Any, Mapping[str, bytes]]:
    """`timeline.build.build`, stage by stage: the time after each (wall clock and this
    process's CPU time), the timeline, the files."""
    from timeline import collector
    from timeline.build import _analysis, _execution, _render_options, assemble
    from timeline.execute import analyse_folder
    from timeline.render import render_site
    from timeline.write import write_site

    marks = [_now()]
    with collector.paused():  # as build() pauses it, once for all its stages
        analysed = analyse_folder(config.source, _analysis(config), _execution(config))
        marks.append(_now())
        timeline = assemble(analysed, config)
        marks.append(_now())
        files = render_site(timeline, _render_options(config))
        marks.append(_now())
        write_site(files, config.out, sources=config.source, reuse=config.cache)
        marks.append(_now())
    return marks, timeline, files


def _now() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def snapshot() -> Path:
    """A copy of the code as it is now: the builds measured run it, so that edits made to the
    working tree meanwhile neither change the figures nor invalidate the cache between runs."""
    folder = WORK / "code"
    shutil.rmtree(folder, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(HERE.parent / "timeline", folder / "timeline", ignore=ignore)
    shutil.copytree(HERE.parent / "templates", folder / "timeline" / "templates", ignore=ignore)
    return folder


def measure(source: Path, out: Path, executor: str, serve: bool = False) -> dict[str, float]:
    """`child` in a fresh process, so that peak memory is this build's alone."""
    cmd = [sys.executable, __file__, "--child", str(source), str(out), executor]
    cmd += ["serve"] if serve else []
    env = {**os.environ, "PYTHONPATH": str(WORK / "code")}
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env, cwd=WORK)
    if result.returncode != 0:
        sys.exit(f"build of {source} failed:\n{result.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(result.stdout.splitlines()[-1])
    return figures


def corpus(n: int, data: Path | None) -> Path:
    """The benchmark corpus of n articles, made once and kept under the temp folder."""
    sys.path.insert(0, str(HERE))
    import corpus as made

    folder = WORK / f"corpus-{n}"
    marker = folder / ".complete"
    if not marker.exists():
        made.make(n, folder, data or made.DEFAULT_DATA)
        marker.write_text(str(n))
    return folder


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def edit_one(source: Path) -> None:
    """Change one article, as a journalist adding a dated line would. Each call adds a line
    of its own (a repeated line would be dropped as boilerplate, and change nothing)."""
    path = min(source.rglob("*.md"))
    text = path.read_text("utf-8")
    day = _DAYS[text.count("\nUpdated on ") % len(_DAYS)]
    path.write_text(text + f"\nUpdated on {day} with a correction to the figures.\n")


def edit_another(source: Path, rng: random.Random) -> None:
    """Add a line of one article, chosen at random, to another one: real words, each as
    common in the corpus as it really is."""
    paths = sorted(source.rglob("*.md"))
    lines = [line for line in rng.choice(paths).read_text("utf-8").splitlines() if len(line) > 60]
    path = rng.choice(paths)
    path.write_text(path.read_text("utf-8") + "\n" + rng.choice(lines or ["A line."]) + "\n")


def measure_cli(source: Path, out: Path) -> float:
    """Wall-clock seconds of `timeline build` in a new process, start-up included."""
    cmd = [sys.executable, "-m", "timeline", "build", "--source", str(source), "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(WORK / "code")}
    started = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env, cwd=WORK)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"`timeline build {source}` failed:\n{result.stderr[-3000:]}")
    return elapsed


def row(name: str, n: int, r: dict[str, float]) -> str:
    rate = r["entries"] / r["total"] if r["total"] else 0.0
    return (
        f"{n:>7} | {name:<8} | {r['per_article']:>9.1f} | {r['merge']:>6.1f} | "
        f"{r['render']:>7.1f} | {r['write']:>6.1f} | {r['total']:>7.1f} | "
        f"{r['peak_mb']:>8.0f} | {r['worker_mb']:>9.0f} | {r['entries']:>7.0f} | {rate:>8.0f}"
    )


def cpu_row(r: dict[str, float]) -> str:
    """The CPU seconds of a row's build process, under its stage columns."""
    cells = " | ".join(
        f"{r[f'cpu_{name}']:>{width}.2f}" for name, width in zip(STAGES, (9, 6, 7, 6), strict=True)
    )
    return f"{'':>7} | {'cpu':<8} | {cells} | {sum(r[f'cpu_{n}'] for n in STAGES):>7.2f} |"


HEADER = (
    "      N | build    | per-art s | merge s | render s | write s | total s | peak MB | "
    "worker MB | entries | events/s"
)


def many_edits(source: Path, out: Path, count: int, seed: int) -> list[dict[str, float]]:
    """The rebuilds after `count` edits (`edit_another`), one by one."""
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        edit_another(source, rng)
        found.append(measure(source, out, "auto"))
    return found


def spread(n: int, rebuilds: list[dict[str, float]]) -> str:
    """The median and the slowest of the rebuilds' totals (wall and CPU), and the median of
    each stage."""
    cpu = [sum(r[f"cpu_{name}"] for name in STAGES) for r in rebuilds]
    wall = [r["total"] for r in rebuilds]
    stages = ", ".join(
        f"{name.replace('_', '-')} {statistics.median(r[name] for r in rebuilds):.1f}"
        for name in STAGES
    )
    return (
        f"{n:>7} | edits    | {len(rebuilds)} rebuilds: median {statistics.median(wall):.1f} s "
        f"(cpu {statistics.median(cpu):.2f}), slowest {max(wall):.1f} s "
        f"(cpu {max(cpu):.2f}); stage medians: {stages}"
    )


def slope(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(time) against log(N)."""
    if len(points) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    num = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return num / sum((x - mx) ** 2 for x in xs)


def run(sizes: list[int], baseline: int, data: Path | None, edits: int = 0) -> None:
    snapshot()
    print(HEADER)
    print("-" * len(HEADER))
    pooled: list[tuple[int, float]] = []
    for n in sizes:
        source = corpus(n, data)
        with tempfile.TemporaryDirectory(prefix="bench-", dir=WORK) as tmp:
            cold = measure(source, Path(tmp) / "site", "auto")
            print(row("pool", n, cold), cpu_row(cold), sep="\n", flush=True)
            pooled.append((n, cold["total"]))
            if n <= baseline:
                serial = measure(source, Path(tmp) / "serial" / "site", "serial")
                print(row("serial", n, serial), cpu_row(serial), sep="\n", flush=True)
                print(f"{'':>7} | pool is {serial['total'] / cold['total']:.2f}x the serial build")
            edit_one(source)
            warm = measure(source, Path(tmp) / "site", "auto")
            print(row("one edit", n, warm), cpu_row(warm), sep="\n", flush=True)
            print(f"{'':>7} | one edit rebuilds {cold['total'] / warm['total']:.1f}x faster")
            if edits:
                print(spread(n, many_edits(source, Path(tmp) / "site", edits, n)), flush=True)
            edit_one(source)
            wall = measure_cli(source, Path(tmp) / "site")
            print(f"{n:>7} | cli edit | {'':>9} | {'':>6} | {'':>7} | {'':>6} | {wall:>7.1f} |")
            served = measure(source, Path(tmp) / "site", "auto", serve=True)
            print(row("serve", n, served), cpu_row(served), sep="\n", flush=True)
            (source / ".complete").unlink()  # the edited corpus is made anew next time
    s = slope(pooled)
    if s is not None:
        print(f"slope of log(time) vs log(N): {s:.2f} (1.00 = linear)")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        print(json.dumps(child(Path(argv[1]), Path(argv[2]), argv[3], argv[4:] == ["serve"])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="400,2000,10000")
    parser.add_argument("--full", action="store_true", help="add N = 100,000")
    parser.add_argument(
        "--baseline-max", type=int, default=2000, help="serial baseline up to this N"
    )
    parser.add_argument("--resolver", action="store_true")
    parser.add_argument("--data", type=Path)
    parser.add_argument(
        "--edits", type=int, default=5, help="rebuilds after random edits, for their spread"
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] + ([100_000] if args.full else [])
    WORK.mkdir(parents=True, exist_ok=True)
    run(sizes, args.baseline_max, args.data, args.edits)
    if args.resolver:
        subprocess.run([sys.executable, str(HERE / "bench_resolver.py")], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
