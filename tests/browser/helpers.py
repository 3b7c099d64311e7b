"""Shared by the browser tests and the screenshot script: build a site, serve it, open Chromium.

The site is served by Python's http.server on 127.0.0.1 (an ephemeral port), at the root or,
through a symlink, under /repo/ as GitHub Pages serves a project site; like GitHub Pages, a
missing path gets the site's 404.html. Chromium is Debian's
/usr/bin/chromium driven by the `playwright` package (which cannot download browsers here).
"""

from __future__ import annotations

import functools
import http.server
import os
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


class _PagesHandler(http.server.SimpleHTTPRequestHandler):
    """Like GitHub Pages: a missing path at any depth gets the site's 404.html, status 404."""

    site: Path

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = self.site / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(site: Path, sub_path: str = "") -> Iterator[str]:
    """Serve the folder `site` (which may not exist yet: files are read per request) at
    http://127.0.0.1:PORT/ or, with sub_path="repo", at http://127.0.0.1:PORT/repo/."""
    docroot = site
    if sub_path:
        docroot = site.parent / f"{site.name}-under-{sub_path}"
        docroot.mkdir(exist_ok=True)
        link = docroot / sub_path
        if not link.is_symlink():
            link.symlink_to(site.resolve(), target_is_directory=True)
    handler_class = type("Handler", (_PagesHandler,), {"site": site})
    handler = functools.partial(handler_class, directory=str(docroot))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/" + (f"{sub_path}/" if sub_path else "")
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
