"""Site size and render time on the h1n1 corpus (402 articles): the page plan that splits a large
timeline by month, against the baseline of every event on one index page, in the same run.

    .venv/bin/python benchmarks/bench_site.py [ARTICLES_FOLDER]

Needs /work/shared/data/tls/h1n1/articles (or the folder given); prints what it measured.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from unittest import mock

from timeline import site_pages
from timeline.build import BuildConfig, make_timeline
from timeline.load import LoadOptions, load_folder
from timeline.render import RenderOptions, render_site

DATA = Path("/work/shared/data/tls/h1n1/articles")


def measure(timeline, search: bool) -> tuple[dict[str, bytes], float]:
    started = time.perf_counter()
    files = render_site(timeline, RenderOptions(search=search))
    return files, time.perf_counter() - started


def report(name: str, files: dict[str, bytes], seconds: float) -> None:
    html = {k: len(v) for k, v in files.items() if k.endswith(".html")}
    biggest = max(html, key=html.__getitem__)
    total = sum(len(v) for v in files.values())
    print(
        f"{name:9} index.html {html['index.html'] / 1024:8.1f} KB   largest page {biggest} "
        f"{html[biggest] / 1024:.1f} KB   {len(html)} pages   {total / 2**20:.1f} MB   "
        f"{seconds:.2f} s"
    )


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else DATA
    if not source.is_dir():
        print(f"no corpus at {source}; pass a folder of articles", file=sys.stderr)
        return 1
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


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
