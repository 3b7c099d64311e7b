"""Full-text search for the site: a Pagefind index built from the rendered pages.

Pagefind (the `pagefind[bin]` package ships its binary; no network needed) reads the HTML we
render and writes a static, chunked index that the browser loads piece by piece, so search
stays fast for hundreds of articles. Only this module talks to Pagefind. The pages are written
to a temporary folder for the binary to read, and the bundle is read back into memory: the
site folder itself is only ever written by the write stage. When Pagefind is not installed the
site is built without search and the search page says so.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from timeline.errors import BuildError

FOLDER = "pagefind"
TIMEOUT = 600  # seconds; the h1n1 corpus (402 articles) indexes in a few


def executable() -> Path | None:
    """The Pagefind binary, when the package is installed."""
    try:
        from pagefind_bin import get_executable
    except ImportError:
        return None
    path = Path(get_executable())
    return path if path.is_file() else None


def available() -> bool:
    """True when the Pagefind binary can be used."""
    return executable() is not None


def search_index(pages: Mapping[str, bytes], language: str = "en") -> dict[str, bytes]:
    """The Pagefind bundle for `pages` (site path -> HTML), as site path -> bytes."""
    binary = executable()
    if binary is None:
        return {}
    with tempfile.TemporaryDirectory(prefix="timeline-search-") as tmp:
        site, out = Path(tmp) / "site", Path(tmp) / FOLDER
        for rel, data in pages.items():
            (site / rel).parent.mkdir(parents=True, exist_ok=True)
            (site / rel).write_bytes(data)
        _run(binary, site, out, language)
        return {
            f"{FOLDER}/{p.relative_to(out).as_posix()}": p.read_bytes()
            for p in sorted(out.rglob("*"))
            if p.is_file()
        }


def _run(binary: Path, site: Path, out: Path, language: str) -> None:
    command = [
        str(binary),
        "--site",
        str(site),
        "--output-path",
        str(out),
        "--force-language",
        language,
        "--keep-index-url",
        "--silent",
    ]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=TIMEOUT)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as err:
        detail = getattr(err, "stderr", b"") or b""
        raise BuildError(
            f"the search index could not be built ({err}; {detail.decode(errors='replace')[:300]})"
            "; build without search, or reinstall pagefind[bin]"
        ) from err
