"""Full-text search for the site: a Pagefind index built from the rendered pages, in memory.

Pagefind (the `pagefind[bin]` package ships its binary; no network needed) reads the HTML we
render and writes a static, chunked index that the browser loads piece by piece, so search
stays fast for hundreds of articles. Only this module talks to Pagefind. When it is not
installed the site is built without search and says so on the search page.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Mapping
from pathlib import Path

FOLDER = "pagefind"


def available() -> bool:
    """True when the Pagefind package and its binary can be used."""
    try:
        from pagefind_bin import get_executable

        return Path(get_executable()).is_file()
    except (ImportError, FileNotFoundError, OSError):
        return False


def search_index(pages: Mapping[str, bytes], language: str = "en") -> dict[str, bytes]:
    """The Pagefind bundle for `pages` (site path -> HTML), as site path -> bytes."""
    return asyncio.run(_index(pages, language))


async def _index(pages: Mapping[str, bytes], language: str) -> dict[str, bytes]:
    from pagefind.index import IndexConfig, PagefindIndex

    with tempfile.TemporaryDirectory(prefix="timeline-search-") as tmp:
        # The index writes its bundle when the context closes: point it at the temporary folder.
        config = IndexConfig(force_language=language, keep_index_url=True, output_path=tmp)
        async with PagefindIndex(config=config) as index:
            for path in sorted(pages):
                await index.add_html_file(content=pages[path].decode("utf-8"), url="/" + path)
        root = Path(tmp)
        return {
            f"{FOLDER}/{p.relative_to(root).as_posix()}": p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }
