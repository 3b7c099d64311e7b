"""Fixtures for the browser suite: the seeds site, built once, served at / and under /repo/,
and one headless Chromium for the whole session.

The suite skips with the reason when Chromium or playwright is missing, except when
TIMELINE_REQUIRE_BROWSER=1 (CI sets it): then a missing browser is a failure.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from helpers import build_seeds, chromium, missing_browser, serve


@dataclass
class Served:
    """The seeds site on disk and the two URLs it is served at."""

    path: Path
    root: str  # http://127.0.0.1:P/
    repo: str  # http://127.0.0.1:Q/repo/ (the site was built with this base_url)

    def pages(self) -> list[str]:
        return sorted(p.relative_to(self.path).as_posix() for p in self.path.rglob("*.html"))


@dataclass
class Watch:
    """What went wrong while a page was open."""

    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def clean(self) -> bool:
        return not (self.console_errors or self.failed or self.foreign)


@pytest.fixture(scope="session")
def browser_ready() -> None:
    why = missing_browser()
    if why:
        if os.environ.get("TIMELINE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests required (TIMELINE_REQUIRE_BROWSER=1) but {why}")
        pytest.skip(f"browser tests skipped: {why}")


@pytest.fixture(scope="session")
def site(browser_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    path = tmp_path_factory.mktemp("browser") / "site"
    with serve(path) as root, serve(path, "repo") as repo:
        build_seeds(path, base_url=repo)
        yield Served(path, root, repo)


@pytest.fixture(scope="session")
def browser(browser_ready: None) -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


def watch(page: Any) -> Watch:
    """Record console errors, failed requests and any request that leaves 127.0.0.1."""
    w = Watch()
    page.on("console", lambda m: w.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: w.console_errors.append(str(e)))
    # A request cut short by the next navigation (ERR_ABORTED) is not a broken link.
    page.on(
        "requestfailed",
        lambda r: None if "ERR_ABORTED" in (r.failure or "") else w.failed.append(r.url),
    )
    page.on(
        "response",
        lambda r: w.failed.append(f"{r.url} ({r.status})") if r.status >= 400 else None,
    )
    page.on(
        "request",
        lambda r: (
            w.foreign.append(r.url)
            if not r.url.startswith(("http://127.0.0.1:", "data:", "about:"))
            else None
        ),
    )
    return w
