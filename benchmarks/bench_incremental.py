"""Render and write after a one-article edit: with the render cache (incremental) against
without it (everything rendered, as a build with `cache=False`), in the same run.

    .venv/bin/python benchmarks/bench_incremental.py [CORPUS_FOLDER]

The corpus is copied to a temporary folder (the one given is never changed); default
/tmp/timeline-bench/corpus-10000 (make one with benchmarks/corpus.py). Per-article work and
the merge run as in a build but are not timed. Prints seconds per stage and the ratios, and
checks that the incremental site equals the one rendered from scratch, file by file.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from timeline.build import BuildConfig, _analysis, _execution, _render_options, assemble
from timeline.execute import analyse_folder
from timeline.model import Timeline
from timeline.render import render_site
from timeline.write import write_site

DEFAULT = Path("/tmp/timeline-bench/corpus-10000")


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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
