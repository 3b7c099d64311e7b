"""Shared by the browser tests and the screenshot script: build a site, serve it, open Chromium.

The site is served by Python's http.server on 127.0.0.1 (an ephemeral port), at the root and,
through a symlink, under /repo/ as GitHub Pages serves a project site. Chromium is Debian's
/usr/bin/chromium driven by the `playwright` package (which cannot download browsers here).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path(os.environ.get("TIMELINE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]


def missing_browser() -> str:
    """Why the browser tests cannot run here, or '' when they can."""
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return ""


def build_seeds(out: Path, base_url: str = "") -> Path:
    """Build the seeds project (timeline.toml) into `out`, as `timeline build` does."""
    from timeline.build import build
    from timeline.config import build_config, load_config

    overrides = {"output": str(out), "base_url": base_url or None}
    loaded = load_config(ROOT / "timeline.toml", env={}, overrides=overrides)
    build(build_config(loaded))
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve `site` at http://127.0.0.1:PORT/ and at /repo/; yields the root URL."""
    docroot = site.parent / f"{site.name}-docroot"
    if docroot.exists():
        shutil.rmtree(docroot)
    shutil.copytree(site, docroot)
    (docroot / "repo").symlink_to(site.resolve(), target_is_directory=True)
    handler = functools.partial(_QuietHandler, directory=str(docroot))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian Chromium through playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
