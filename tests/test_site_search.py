"""The search index: what Pagefind is fed, how pages are sharded, and that a cached,
incremental build gives the same bytes as a clean one while re-indexing only what changed."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from timeline import site_search
from timeline.build import BuildConfig, build
from timeline.config import build_config, load_config
from timeline.site_search import plan_shards, search_document

ROOT = Path(__file__).parent.parent
needs_pagefind = pytest.mark.skipif(not site_search.available(), reason="pagefind not installed")

EVENT_PAGE = b"""<!doctype html><html lang="en"><head><title>T</title>
<script>var x = "<article data-pagefind-body>";</script></head><body>
<header><nav><a href="index.html">Timeline</a></nav></header>
<main><article class="event" data-pagefind-body>
  <p class="when"><time datetime="2023-09-13" data-pagefind-meta="when">13 Sep 2023</time></p>
  <h1 id="t">Kim meets Putin</h1>
  <div class="quote"><div>nested <b>words</b></div> after nested</div>
  <p>Text that mentions data-pagefind-ignore as words.</p>
  <p>Dated <mark class="timex"><a href="../events/e-1.html">Wednesday</a><span class="resolved"
     data-pagefind-ignore> [13 Sep 2023]</span></mark> here.<img src="x.png" data-pagefind-ignore>
     kept after the image</p>
  <!-- a comment -->
  <nav class="pager"><a rel="prev" href="e-0.html">Earlier: NEIGHBOUR</a></nav>
  <p class="id">Event id <code>e-2</code></p>
</article></main><footer>Built with timeline</footer></body></html>
"""

# (what the page has, what its search document must have, and must not)
DOCUMENT_CASES = [
    ("the marked body", b"<h1>Kim meets Putin</h1>", b"Built with timeline"),
    ("pagefind's meta", b'<time data-pagefind-meta="when">13 Sep 2023</time>', b"datetime"),
    ("nested elements", b"<div><div>nested <b>words</b></div> after nested</div>", b"class="),
    ("words that look like markup", b"mentions data-pagefind-ignore as words", b"<script"),
    ("no ignored element", b"<mark><a>Wednesday</a></mark> here.", b"[13 Sep 2023]"),
    ("no ignored void element", b"kept after the image", b"<img"),
    ("no navigation (neighbours' titles)", b"Event id <code>e-2</code>", b"NEIGHBOUR"),
    ("no links or ids", b"<h1>", b"href"),
    ("no comment", b"</article>", b"a comment"),
]


@pytest.mark.parametrize(
    ("case", "kept", "dropped"), DOCUMENT_CASES, ids=[c[0] for c in DOCUMENT_CASES]
)
def test_search_document_keeps_what_is_searchable(case, kept, dropped):
    doc = search_document(EVENT_PAGE)
    assert kept in doc, doc
    assert dropped not in doc, doc
    assert doc.startswith(b'<!doctype html><html lang="en">')


def test_search_document_ignores_navigation_and_links_only():
    other = EVENT_PAGE.replace(b"NEIGHBOUR", b"Another title").replace(b"e-1.html", b"e-9.html")
    assert search_document(other) == search_document(EVENT_PAGE)
    edited = EVENT_PAGE.replace(b"Kim meets Putin", b"Kim meets Shoigu")
    assert search_document(edited) != search_document(EVENT_PAGE)


def test_search_document_of_a_page_without_a_marked_body_is_its_body():
    page = b"<html><body><nav>Menu</nav><h1>Title</h1><p>Words</p></body></html>"
    doc = search_document(page, "fr")
    assert b"<main data-pagefind-body><h1>Title</h1><p>Words</p></main>" in doc
    assert b'lang="fr"' in doc and b"Menu" not in doc


def keys_for(months: dict[str, int], per_article: int = 1) -> dict[str, tuple[str, ...]]:
    """Pages of articles published in each month: `per_article` pages per article."""
    out = {}
    for month, articles in months.items():
        for a in range(articles):
            for n in range(per_article):
                out[f"p/{month}-{a}-{n}.html"] = ("2009", month, f"{month}-{a}")
    return out


# (pages per month, limit, shard names expected)
PLAN_CASES = [
    ({"04": 5}, 10, [""]),
    ({"04": 6, "05": 6}, 10, ["", "2009-05"]),
    ({"04": 12, "05": 2, "06": 3}, 10, ["", "2009-04-2of2", "2009-rest"]),
    ({"04": 2, "05": 2, "06": 2, "07": 2, "08": 3}, 6, ["", "2009-2of3", "2009-3of3"]),
]


@pytest.mark.parametrize(("months", "limit", "names"), PLAN_CASES)
def test_plan_shards_groups_by_key_and_pools_small_groups(months, limit, names):
    keys = keys_for(months)
    shards = plan_shards(keys, limit)
    assert list(shards) == names
    assert sorted(p for ps in shards.values() for p in ps) == sorted(keys)
    assert all(0 < len(ps) <= limit * 5 // 4 for ps in shards.values())


def test_plan_shards_keeps_an_articles_pages_together_and_is_stable():
    keys = keys_for({"04": 40, "05": 1}, per_article=3)
    shards = plan_shards(keys, 20)
    shard_of = {p: n for n, ps in shards.items() for p in ps}
    for a in range(40):
        assert len({shard_of[f"p/04-{a}-{n}.html"] for n in range(3)}) == 1
    assert plan_shards(dict(reversed(keys.items())), 20) == shards
    grown = plan_shards({**keys, "p/06-0-0.html": ("2009", "06", "06-0")}, 20)
    assert {n: ps for n, ps in grown.items() if n.startswith("2009-04")} == {
        n: ps for n, ps in shards.items() if n.startswith("2009-04")
    }, "a page in another month leaves April's shards alone"


# Building the seeds project, with shards of a few pages so that it has several.

SHARD_PAGES = 4
EDIT = "\nOfficials said the zzyqx accord would be signed in Vladivostok on September 20, 2023.\n"


@pytest.fixture
def project(tmp_path) -> Path:
    sources = tmp_path / "sources"
    shutil.copytree(ROOT / "seeds", sources)
    return sources


@pytest.fixture
def runs(monkeypatch) -> list[Path]:
    """Small shards, and the list of Pagefind runs the builds made (one site folder each)."""
    monkeypatch.setattr(site_search, "SHARD_PAGES", SHARD_PAGES)
    seen: list[Path] = []
    real = site_search._run

    def counted(binary: Path, site: Path, out: Path, language: str) -> None:
        seen.append(site)
        real(binary, site, out, language)

    monkeypatch.setattr(site_search, "_run", counted)
    return seen


def config(sources: Path, out: Path, cache: bool = True) -> BuildConfig:
    overrides = {"output": str(out), "source": str(sources)}
    loaded = load_config(ROOT / "timeline.toml", env={}, overrides=overrides)
    return dataclasses.replace(build_config(loaded), cache=cache)


def files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def search_cache(site: Path) -> list[str]:
    return sorted(p.name for p in site.parent.glob(".timeline-cache/*/search/*"))


def fragments(bundle: Path) -> list[dict]:
    """The pages a bundle holds, as Pagefind stored them."""
    out = []
    for path in sorted((bundle / "fragment").glob("*.pf_fragment")):
        out.append(json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd")))
    return out


@needs_pagefind
def test_a_small_site_is_one_bundle(project, tmp_path):
    site = tmp_path / "small" / "site"
    build(config(project, site, cache=False))
    assert json.loads((site / "pagefind/shards.json").read_text()) == {"merge": []}
    assert (site / "pagefind/pagefind.js").is_file()
    indexed = {f["url"].lstrip("/") for f in fragments(site / "pagefind")}
    pages = {p for p in files(site) if p.startswith(("events/", "articles/"))}
    assert indexed == pages


@needs_pagefind
def test_a_large_site_is_indexed_in_shards_merged_by_the_search_page(project, tmp_path, runs):
    site = tmp_path / "large" / "site"
    build(config(project, site, cache=False))
    merge = json.loads((site / "pagefind/shards.json").read_text())["merge"]
    assert len(merge) >= 3 and len(runs) == len(merge) + 1
    folders = [site / "pagefind"] + [site / "pagefind" / m for m in merge]
    indexed = [f["url"].lstrip("/") for folder in folders for f in fragments(folder)]
    pages = {p for p in files(site) if p.startswith(("events/", "articles/"))}
    assert sorted(indexed) == sorted(pages), "every page in exactly one shard"
    for folder in folders[1:]:
        assert (folder / "pagefind-entry.json").is_file()
        assert not list(folder.glob("pagefind*.js")) and not list(folder.glob("wasm.*"))
    titles = {f["meta"]["title"] for folder in folders for f in fragments(folder)}
    assert "Kim Jong Un's trip to Russia, September 2023" not in titles  # h1s, not <title>


@needs_pagefind
def test_a_cached_build_is_the_clean_build_and_reindexes_only_what_changed(project, tmp_path, runs):
    site = tmp_path / "cached" / "site"
    build(config(project, site))
    cold, cold_runs = files(site), len(runs)
    runs.clear()
    build(config(project, site))
    assert runs == [] and files(site) == cold, "nothing changed: every shard from the cache"

    seed = sorted(project.glob("0*.md"))[0]
    seed.write_text(seed.read_text(encoding="utf-8") + EDIT, encoding="utf-8")
    build(config(project, site))
    assert 0 < len(runs) < cold_runs / 2, f"{len(runs)} of {cold_runs} shards re-indexed"

    clean = tmp_path / "clean" / "site"
    build(config(project, clean, cache=False))
    incremental, fresh = files(site), files(clean)
    assert incremental.keys() == fresh.keys()
    assert [k for k in fresh if incremental[k] != fresh[k]] == []
    assert any(b"zzyqx" in gzip.decompress(v) for k, v in fresh.items() if "/fragment/" in k)

    cache_now = search_cache(site)
    build(config(project, tmp_path / "cold" / "site"))
    assert cache_now == search_cache(tmp_path / "cold" / "site"), "stale entries pruned"


@needs_pagefind
def test_a_damaged_cache_entry_is_rebuilt(project, tmp_path, runs):
    site = tmp_path / "damaged" / "site"
    build(config(project, site))
    before = files(site)
    for entry in site.parent.glob(".timeline-cache/*/search/*"):
        entry.write_bytes(b"not a bundle")
    runs.clear()
    build(config(project, site))
    assert runs and files(site) == before


SHARDED_BUILD = """
import sys
from timeline import site_search
site_search.SHARD_PAGES = 4
from timeline.cli import main
sys.argv = ["timeline", *sys.argv[1:]]
main()
"""


@needs_pagefind
def test_shards_are_the_same_bytes_whatever_the_environment(project, tmp_path):
    digests = []
    for n, env in enumerate(
        [
            {"TZ": "UTC", "LC_ALL": "C", "PYTHONHASHSEED": "0"},
            {"TZ": "Asia/Tokyo", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "4242"},
        ]
    ):
        site = tmp_path / f"env{n}" / "site"
        site.parent.mkdir()
        args = ["build", "--source", str(project), "--out", str(site), "--published", "2023-09-05"]
        done = subprocess.run(
            [sys.executable, "-c", SHARDED_BUILD, *args],
            cwd=site.parent.parent,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        digests.append(
            {k: hashlib.sha256(v).hexdigest() for k, v in files(site).items() if "pagefind/" in k}
        )
    assert len(digests[0]) > 20
    assert digests[0] == digests[1]


def some_pages(n: int) -> dict[str, bytes]:
    return {
        f"events/e-{i}.html": EVENT_PAGE.replace(b"Kim meets Putin", b"Meeting number %d" % i)
        for i in range(n)
    }


def read_all(found: site_search.SiteFiles) -> dict[str, bytes]:
    return {path: found[path] for path in found}


@needs_pagefind
def test_kept_bundles_are_given_by_digest_and_read_only_when_asked(tmp_path, runs):
    pages, cache = some_pages(12), tmp_path / "cache"
    fresh = read_all(site_search.start_index(pages, cache_dir=cache)())
    cold_runs = len(runs)
    runs.clear()
    kept = site_search.start_index(pages, cache_dir=cache)()
    bundle_files = [p for p in kept if "/fragment/" in p]
    assert runs == [] and bundle_files
    assert all(p in kept._lazy for p in bundle_files), "not read from the cache"
    assert all(kept.digest(p) == site_search.content_digest(fresh[p]) for p in kept)
    assert read_all(kept) == fresh
    # A kept bundle whose entry is damaged meanwhile is made again when its bytes are asked.
    for entry in (cache / site_search.CACHE_FOLDER).iterdir():
        if "pagefind-entry.json" in pickle.loads(entry.read_bytes()):
            entry.write_bytes(b"not a bundle")
    damaged = site_search.start_index(pages, cache_dir=cache)()
    assert runs == []
    assert read_all(damaged) == fresh and len(runs) == cold_runs
