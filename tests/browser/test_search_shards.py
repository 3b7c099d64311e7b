"""Search on a site whose index comes in shards: the seeds built with shards of four pages, so
the search page must merge the shards listed in pagefind/shards.json to find most pages."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Served, watch
from helpers import build_seeds, serve

from timeline import site_search

try:
    from playwright.sync_api import expect
except ImportError:  # the browser_ready fixture skips (or fails in CI) with the reason
    expect = None


@pytest.fixture(scope="module")
def sharded(browser_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    path = tmp_path_factory.mktemp("sharded") / "site"
    with serve(path) as root, serve(path, "repo") as repo, pytest.MonkeyPatch.context() as mp:
        mp.setattr(site_search, "SHARD_PAGES", 4)
        build_seeds(path, base_url=repo)
        yield Served(path, root, repo)


def shard_pages(site: Path) -> dict[str, list[dict[str, Any]]]:
    """Each shard folder ('' for the first) -> the pages Pagefind stored in it."""
    merge = json.loads((site / "pagefind/shards.json").read_text())["merge"]
    out = {}
    for folder in ["", *merge]:
        fragments = sorted((site / "pagefind" / folder / "fragment").glob("*.pf_fragment"))
        out[folder] = [
            json.loads(gzip.decompress(f.read_bytes()).removeprefix(b"pagefind_dcd"))
            for f in fragments
        ]
    return out


def word_of_one_later_shard(shards: dict[str, list[dict[str, Any]]]) -> tuple[str, set[str]]:
    """A word found in one shard only, not the first, and the pages that have it."""
    where: dict[str, set[str]] = {}
    for folder, pages in shards.items():
        for page in pages:
            for word in set(re.findall(r"[a-z]{7,}", page["content"].lower())):
                where.setdefault(word, set()).add(folder)
    word = min(w for w, folders in where.items() if len(folders) == 1 and "" not in folders)
    [folder] = where[word]
    pages = {p["url"] for p in shards[folder] if word in p["content"].lower()}
    return word, pages


@pytest.mark.parametrize("where", ["root", "repo"])
def test_search_finds_a_page_of_a_shard_merged_into_the_first(sharded: Served, context, where):
    shards = shard_pages(sharded.path)
    assert len(shards) >= 3, "the fixture has several shards"
    word, urls = word_of_one_later_shard(shards)
    base = sharded.root if where == "root" else sharded.repo
    page = context.new_page()
    w = watch(page)
    page.goto(base + f"search.html?q={word}")
    expect(page.locator(".search-status")).to_contain_text("Results for")
    hrefs = page.locator(".results h2 a").evaluate_all("els => els.map(a => a.href)")
    # Exactly those: the shards without the word answer with pages that have a prefix of it
    # (Pagefind's backtracking), which the search page leaves out.
    assert set(hrefs) == {base + u.lstrip("/") for u in urls}, (word, urls, hrefs)
    titles = page.locator(".results h2 a").all_text_contents()
    assert all(t and not t.startswith("/") for t in titles), titles
    assert "<mark>" in page.locator(".results p").first.inner_html()
    assert w.clean(), w
    page.close()


def test_search_ranks_pages_of_every_shard_together(sharded: Served, context):
    page = context.new_page()
    page.goto(sharded.repo + "search.html?q=Vladivostok")
    expect(page.locator(".search-status")).to_contain_text("Results for")
    hrefs = page.locator(".results h2 a").evaluate_all("els => els.map(a => a.href)")
    shards = shard_pages(sharded.path)
    found_in = {
        folder
        for folder, pages in shards.items()
        for p in pages
        if sharded.repo + p["url"][1:] in hrefs
    }
    assert len(found_in) >= 2, found_in
    assert {"Event", "Article"} <= set(page.locator(".results .kind").all_text_contents())
    page.close()
