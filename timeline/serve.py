"""Local preview: build into a temporary folder, serve it on 127.0.0.1, rebuild on change.

The preview never writes into the project's output folder. It serves the site under the base
path of `base_url` (so links behave as they will on GitHub Pages), and adds to every HTML page
it sends one `<script src=".../__timeline__/reload.js">` that asks the server, about once a
second, which build it is serving and reloads the page when that changes. The script exists
only in the server's responses: it is never written to disk, and it comes from the same origin,
which the pages' Content-Security-Policy allows. Only this module talks to watchfiles.
"""

from __future__ import annotations

import mimetypes
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import watchfiles

from timeline.build import BuildConfig, BuildReport, build
from timeline.errors import UsageError
from timeline.execute import FileResult

PREFIX = "__timeline__/"
RELOAD_JS = """(() => {
  const url = document.currentScript.src.replace(/reload\\.js$/, "version");
  let seen = null;
  const ask = () => fetch(url, {cache: "no-store"})
    .then((r) => r.text())
    .then((v) => { if (seen !== null && v !== seen) location.reload(); seen = v; })
    .catch(() => {})
    .finally(() => setTimeout(ask, 1000));
  ask();
})();
"""


class Preview:
    """A local preview server; `start()` builds and serves, `stop()` ends both threads."""

    def __init__(
        self,
        make_config: Callable[[], BuildConfig],
        watch: Sequence[Path],
        config_file: Path | None = None,
        port: int = 8000,
        base_path: str = "/",
        log: Callable[[str], None] = print,
    ):
        self.make_config = make_config
        self.watch = tuple(watch)
        self.config_file = config_file
        self.base_path = base_path
        self.log = log
        self.version = 0
        self._root = Path(tempfile.mkdtemp(prefix="timeline-serve-"))
        self._stop = threading.Event()
        self._lock = threading.Lock()  # one rebuild at a time
        self._recall: dict[str, FileResult] = {}  # per-article results, kept between rebuilds
        try:
            self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        except OSError as err:
            shutil.rmtree(self._root, ignore_errors=True)
            raise UsageError(
                f"cannot serve on 127.0.0.1:{port}: {err.strerror}; pass another --port"
            ) from None
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self.base_path}"

    @property
    def site(self) -> Path:
        return self._root / "site"

    def start(self) -> None:
        """Build once, then serve and watch in background threads."""
        self.rebuild()
        for target in (self._server.serve_forever, self._watch_folders, self._watch_config):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        shutil.rmtree(self._root, ignore_errors=True)

    def rebuild(self) -> BuildReport | None:
        """Build into the preview folder; a failed build keeps the last good site."""
        try:
            config = replace(
                self.make_config(), out=self.site, strict=False, clean=False, recall=self._recall
            )
            report = build(config)
        except Exception as err:  # a half-edited template or config must not end the preview
            self.log(f"error: {err} (still serving the last good build)")
            return None
        for problem in report.problems:
            self.log(f"warning: {problem}")
        self.version += 1
        self.log(report.summary())
        return report

    def _watch_folders(self) -> None:
        """Articles and templates: every file in the folders, recursively."""
        self._on_changes([p for p in self.watch if p.is_dir()], recursive=True)

    def _watch_config(self) -> None:
        """The config file, through its folder: editors replace a file rather than write it."""
        if self.config_file is not None:
            name = self.config_file.name
            self._on_changes([self.config_file.parent], recursive=False, name=name)

    def _on_changes(self, folders: list[Path], recursive: bool, name: str | None = None) -> None:
        if not folders:
            return
        default = watchfiles.DefaultFilter()  # skips .git, editors' swap files, caches

        def keep(change: watchfiles.Change, path: str) -> bool:
            return Path(path).name == name if name else default(change, path)

        changes = watchfiles.watch(
            *folders,
            stop_event=self._stop,
            recursive=recursive,
            watch_filter=keep,
            debounce=300,
            step=50,
            rust_timeout=500,
        )
        for changed in changes:
            names = sorted({Path(p).name for _, p in changed})
            self.log(f"changed: {', '.join(names)}; rebuilding")
            with self._lock:
                self.rebuild()

    def resolve(self, path: str) -> tuple[HTTPStatus, bytes, str]:
        """The response for a request path: status, body and content type."""
        if not path.startswith(self.base_path):
            if path == "/":
                return HTTPStatus.FOUND, self.base_path.encode(), "redirect"
            return HTTPStatus.NOT_FOUND, f"Not found: the site is at {self.base_path}".encode(), ""
        rel = path[len(self.base_path) :]
        if rel == PREFIX + "reload.js":
            return HTTPStatus.OK, RELOAD_JS.encode(), "text/javascript"
        if rel == PREFIX + "version":
            return HTTPStatus.OK, str(self.version).encode(), "text/plain"
        file = self._file(rel)
        if file is None:
            missing = self.site / "404.html"
            body = missing.read_bytes() if missing.is_file() else b"Not found"
            return HTTPStatus.NOT_FOUND, self._inject(body), "text/html"
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        body = file.read_bytes()
        return HTTPStatus.OK, self._inject(body) if kind == "text/html" else body, kind

    def _file(self, rel: str) -> Path | None:
        target = (self.site / unquote(rel)).resolve()
        if target.is_dir():
            target = target / "index.html"
        site = self.site.resolve()
        if site != target and site not in target.parents:
            return None
        return target if target.is_file() else None

    def _inject(self, html: bytes) -> bytes:
        tag = f'<script src="{self.base_path}{PREFIX}reload.js"></script>'.encode()
        at = html.rfind(b"</body>")
        return html[:at] + tag + html[at:] if at >= 0 else html + tag


def _handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body, kind = preview.resolve(urlsplit(self.path).path)
            self.send_response(status)
            if kind == "redirect":
                self.send_header("Location", body.decode())
                body, kind = b"", "text/plain"
            self.send_header("Content-Type", kind + ("; charset=utf-8" if "text" in kind else ""))
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return  # the preview reports builds, not every request

    return Handler
