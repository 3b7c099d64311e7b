"""Full-text search: a Pagefind index in shards, each rebuilt only when its pages change.

Pagefind (the `pagefind[bin]` package ships its binary; no network needed) reads HTML and writes
a static, chunked index that the browser loads piece by piece. It has no incremental mode, so a
large site is indexed in shards of about `SHARD_PAGES` pages that one edit rarely touches (bigger
ones on a site that would otherwise need over about `MAX_SHARDS`): pages are grouped by the keys the
renderer gives them (the publish month, then the id, of the article a page comes from), a group too
big for one shard is split by its next key, groups too small to stand alone are pooled, and a pool
is split by a stable hash of the keys left, so the pages of one article stay together. A site
of at most `SHARD_PAGES` searchable pages is one shard.

Pagefind is fed a search document per page, not the page itself: the element marked
`data-pagefind-body`, without what Pagefind would ignore anyway (`data-pagefind-ignore`), the
navigation (which names the neighbouring pages) and attributes other than Pagefind's. So a
shard's input changes only when what is searchable in it does. Its bundle is kept in the render
cache under a hash of exactly that input, the language, the Pagefind version and this module's
code; a shard whose pages are byte for byte the same is found without remaking its documents,
and given by its files' digests alone: their bytes are read only if the writer needs them (the
current site nearly always holds them, and the writer links those).
Shards are indexed in parallel, each by its own Pagefind process, whose memory is bounded by the
shard's size, not the site's.

The first shard's bundle is served at pagefind/ (with the script and WebAssembly every shard
shares); the others live in pagefind/<shard>/ and are listed in pagefind/shards.json, which the
search page merges into the first (Pagefind's multisite search). Only this module talks to
Pagefind; the site folder is only ever written by the write stage. When Pagefind is not
installed the site is built without search and the search page says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import subprocess
import tempfile
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import cache, partial
from html import escape
from pathlib import Path
from typing import Any

from timeline.cache import fingerprint
from timeline.errors import BuildError
from timeline.write import SiteFiles, content_digest

FOLDER = "pagefind"
MANIFEST = f"{FOLDER}/shards.json"
SHARD_PAGES = 200  # searchable pages in one shard, about: ~0.2 s of Pagefind
# Shards a search page merges, about, at most: past SHARD_PAGES * MAX_SHARDS searchable pages
# (some 15,000 articles) shards grow instead, so the browser's requests per query stay bounded.
MAX_SHARDS = 128
TIMEOUT = 600  # seconds for one shard
FORMAT = b"timeline-search-3"  # the cache entries' format (the code is hashed in too)
CACHE_FOLDER = "search"
# Pagefind's own UI bundles are not used (the search page has its own, accessible one).
UNUSED = ("-ui.", "highlight")
# The same in every bundle of one Pagefind version: served once, from the first shard.
RUNTIME = ("pagefind.js", "pagefind-worker.js", "wasm.")
REST = "rest"  # the shard(s) of the groups too small to stand alone

_FLAGS = (b"--keep-index-url", b"--silent")
_VOID = frozenset(
    (b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta", b"wbr")
)
# Markup is searched as bytes with find() (the templates write lowercase tags); text passes
# through untouched.
_DROPPED = tuple(b"<" + t for t in (b"nav", b"script", b"style", b"template", b"form", b"footer"))
_BODY_MARK, _IGNORE_MARK = b" data-pagefind-body", b" data-pagefind-ignore"
_PAGEFIND_MARK = b" data-pagefind-"
_NAME_ENDS = b" \t\r\n/>"
_TAG = re.compile(rb"<([a-zA-Z][\w-]*)(\s[^>]*?)?\s*(/?)>")
_PLAIN_ATTRS = re.compile(rb"(<[a-zA-Z][\w-]*)\s(?![^>]*data-pagefind-)[^>]*?(/?>)")
_KEPT_ATTR = re.compile(rb"""\sdata-pagefind-[\w-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?""")
_COMMENT = re.compile(rb"<!--.*?-->", re.S)


@dataclass(frozen=True)
class Shard:
    """Pages indexed together into one Pagefind bundle."""

    name: str  # its folder under pagefind/ ('' for the first, served at pagefind/ itself)
    paths: tuple[str, ...]  # site paths, sorted


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


def start_index(
    pages: Mapping[str, bytes],
    language: str = "en",
    groups: Mapping[str, Sequence[str]] | None = None,
    cache_dir: Path | None = None,
) -> Callable[[], SiteFiles]:
    """The Pagefind bundle for `pages` (site path -> HTML), begun: the shards are indexed in
    the background (Pagefind in its own processes), and the function returned waits for them
    and gives the bundle's files. The caller does other work meanwhile; `pages` must not
    change until then.

    `groups` gives each page its shard keys, coarsest first (e.g. 2009, 04, an article id);
    bundles of unchanged shards are taken from `cache_dir` when given: by their files'
    digests, their bytes read only if the writer asks for them (the current site nearly
    always holds them)."""
    binary = executable()
    if binary is None:
        return SiteFiles
    keys = {p: tuple((groups or {}).get(p, ())) for p in pages}
    limit = max(SHARD_PAGES, -(-len(keys) // MAX_SHARDS))
    shards = [Shard(n, ps) for n, ps in plan_shards(keys, limit).items()]
    indexer = _Indexer(binary, language, pages, cache_dir)
    pending = indexer.start(shards)

    def finish() -> SiteFiles:
        bundles = pending()
        runtime = indexer.runtime(shards[0])
        indexer.prune()
        return _layout(shards, bundles, runtime)

    return finish


def search_document(html: bytes, language: str = "en") -> bytes:
    """What Pagefind should index of one page, as a minimal HTML document: the element marked
    data-pagefind-body (else the body), without ignored parts, navigation or attributes."""
    html = _COMMENT.sub(b"", html) if b"<!--" in html else html
    whole = html.find(b"<body")  # not in the head: its scripts may hold any text
    if (start := _marked_tag(html, _BODY_MARK, max(whole, 0))) >= 0:
        body = html[start : _element_end(html, start)]
    elif whole >= 0:
        inner = html[html.find(b">", whole) + 1 : _element_end(html, whole)]
        body = b"<main data-pagefind-body>" + inner.rpartition(b"</")[0] + b"</main>"
    else:
        body = b""
    return _document(_bare(_without_ignored(body)), language)


def _document(body: bytes, language: str) -> bytes:
    lang = escape(language, quote=True)
    head = f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"></head><body>'
    return head.encode() + body + b"</body></html>\n"


def _marked_tag(html: bytes, mark: bytes, pos: int) -> int:
    """Where the next tag carrying the attribute `mark` opens, or -1."""
    while (at := html.find(mark, pos)) >= 0:
        start = html.rfind(b"<", pos, at)
        if start >= 0 and html.find(b">", start, at) < 0:
            return start
        pos = at + 1  # the words in a text, not an attribute
    return -1


def _element_end(html: bytes, start: int) -> int:
    """Where the element whose tag opens at `start` ends (past its matching close tag)."""
    opened = _TAG.match(html, start)
    if opened is None:
        return start + 1
    tag = opened.group(1)
    if opened.group(3) or tag.lower() in _VOID:
        return opened.end()
    depth, pos = 1, opened.end()
    while (close := _tag_at(html, b"</" + tag, pos)) >= 0:
        while (inner := _tag_at(html, b"<" + tag, pos, close)) >= 0:
            depth, pos = depth + 1, inner + 1
        depth, pos = depth - 1, close + 1
        if depth == 0:
            return html.find(b">", close) + 1 or len(html)
    return len(html)


def _tag_at(html: bytes, opening: bytes, pos: int, end: int | None = None) -> int:
    """The next `<name` (or `</name`) in html[pos:end] that is that tag, not a longer name."""
    while (at := html.find(opening, pos, end)) >= 0:
        if html[at + len(opening) : at + len(opening) + 1] in _NAME_ENDS:
            return at
        pos = at + 1
    return -1


def _without_ignored(html: bytes) -> bytes:
    """`html` without the elements Pagefind ignores: those marked data-pagefind-ignore, and
    navigation, forms and scripts."""
    out, pos = [], 0
    upcoming = {t: _tag_at(html, t, 0) for t in _DROPPED}  # where each tag comes next
    upcoming[_IGNORE_MARK] = _marked_tag(html, _IGNORE_MARK, 0)
    while (start := min((at for at in upcoming.values() if at >= 0), default=-1)) >= 0:
        out.append(html[pos:start])
        pos = max(_element_end(html, start), start + 1)
        for t, at in upcoming.items():
            if 0 <= at < pos:
                upcoming[t] = (
                    _marked_tag(html, t, pos) if t is _IGNORE_MARK else _tag_at(html, t, pos)
                )
    out.append(html[pos:])
    return b"".join(out)


def _bare(html: bytes) -> bytes:
    """Tags without attributes other than Pagefind's; whitespace runs as one space."""
    html = b"".join(_PLAIN_ATTRS.split(html))  # the pattern captures all but the attributes
    out, pos = [], 0
    while (start := _marked_tag(html, _PAGEFIND_MARK, pos)) >= 0:
        tag = _TAG.match(html, start)
        if tag is None:
            break
        attrs = b"".join(_KEPT_ATTR.findall(tag.group(2) or b""))
        out += [html[pos:start], b"<%s%s%s>" % (tag.group(1), attrs, tag.group(3))]
        pos = tag.end()
    out.append(html[pos:])
    return b" ".join(b"".join(out).split())


def _page_digest(pages: Mapping[str, bytes], path: str) -> bytes:
    """A page's content digest: the one the writer already knows for a page kept from an
    earlier build (so its bytes need not be read), or one made here."""
    digest = pages.digest(path) if isinstance(pages, SiteFiles) else content_digest(pages[path])
    return digest.encode()


def plan_shards(keys: Mapping[str, tuple[str, ...]], limit: int) -> dict[str, tuple[str, ...]]:
    """Shard name -> its site paths, about `limit` at most in each. Pages are grouped by their
    keys, coarsest first: a group too big for one shard is split by its next key, and the
    groups of at most half a shard pooled. A pool, or a group with no key left, is split in
    buckets by a hash of the rest of the keys, so pages that share them stay together. The
    first shard's name is ''."""
    shards = dict(_split((), sorted(keys), keys, 0, max(1, limit)))
    first = next(iter(shards))
    return {("" if name == first else name): paths for name, paths in shards.items()}


def _split(
    name: tuple[str, ...],
    paths: list[str],
    keys: Mapping[str, tuple[str, ...]],
    depth: int,
    limit: int,
) -> Iterator[tuple[str, tuple[str, ...]]]:
    if len(paths) <= limit:
        yield "-".join(name) or "all", tuple(paths)
        return
    groups: dict[str, list[str]] = {}
    for p in paths:
        key = keys[p]
        groups.setdefault(key[depth] if depth < len(key) else "", []).append(p)
    big = {k: ps for k, ps in groups.items() if k and 2 * len(ps) > limit}
    for k in sorted(big):
        yield from _split((*name, k), big[k], keys, depth + 1, limit)
    rest = sorted(p for k, ps in groups.items() if k not in big for p in ps)
    if rest:
        yield from _hashed((*name, REST) if big else name, rest, keys, depth, limit)


def _hashed(
    name: tuple[str, ...],
    paths: list[str],
    keys: Mapping[str, tuple[str, ...]],
    depth: int,
    limit: int,
) -> Iterator[tuple[str, tuple[str, ...]]]:
    n = -(-len(paths) * 5 // (limit * 4))  # buckets a quarter roomier: hashes are uneven
    if n == 1:
        yield "-".join(name) or "all", tuple(paths)
        return
    buckets: list[list[str]] = [[] for _ in range(n)]
    for p in paths:
        rest = "\0".join(keys[p][depth:]) or p
        buckets[zlib.crc32(rest.encode()) % n].append(p)  # the same on every machine and run
    for i, bucket in enumerate(buckets, start=1):
        if bucket:
            yield "-".join((*name, f"{i}of{n}")), tuple(bucket)


class _Indexer:
    """Runs Pagefind on shards, in parallel, reusing the bundles kept in the cache folder.

    A bundle is cached under a hash of its search documents. A second entry maps a hash of
    the shard's pages to that one, so a shard whose pages did not change at all is found
    without extracting its documents again."""

    def __init__(
        self, binary: Path, language: str, pages: Mapping[str, bytes], cache_dir: Path | None
    ) -> None:
        self.binary, self.language, self.pages = binary, language, pages
        self.folder = cache_dir / CACHE_FOLDER if cache_dir else None
        code = fingerprint("site_search").encode()
        setup = (FORMAT, code, _version(binary), language.encode(), *_FLAGS)
        self.setup = b"\0".join(setup)
        self.used: set[str] = set()
        self.fresh_runtime: dict[str, bytes] = {}

    def start(self, shards: Sequence[Shard]) -> Callable[[], list[_Bundle]]:
        """Each shard's bundle, from the cache or Pagefind, begun in the background: the
        function returned waits for every shard, even when one fails, and gives them."""
        pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1)
        futures = [pool.submit(self.bundle, shard) for shard in shards]
        pool.shutdown(wait=False)

        def results() -> list[_Bundle]:
            wait(futures)
            return [f.result() for f in futures]

        return results

    def bundle(self, shard: Shard) -> _Bundle:
        hashes = [_page_digest(self.pages, p) for p in shard.paths]
        page_key = _key(self.setup + b"\0pages", zip(shard.paths, hashes, strict=True))
        kept = self.kept(page_key)
        if kept is not None:
            doc_key, digests = kept
            self.used.update((doc_key, self.memo_key(shard)))
            return _Bundle(digests, partial(self.files, shard, doc_key))
        documents = self.documents(shard, hashes)
        doc_key = _key(self.setup, documents)
        found = self.load(doc_key)
        if found is None:
            found = self.index(documents)
            self.store(doc_key, found)
        digests = {rel: content_digest(data) for rel, data in found.items()}
        self.store(page_key, {"bundle": doc_key, "digests": digests})
        return _Bundle(digests, lambda: found)

    def kept(self, page_key: str) -> tuple[str, dict[str, str]] | None:
        """The bundle of a shard whose pages are those of an earlier build: its cache key
        and its files' digests, when the cache still holds it."""
        entry = self.load(page_key)
        doc_key, digests = (entry or {}).get("bundle"), (entry or {}).get("digests")
        if not isinstance(doc_key, str) or not isinstance(digests, dict):
            return None
        assert self.folder is not None  # an entry was read from it
        return (doc_key, digests) if (self.folder / doc_key).is_file() else None

    def files(self, shard: Shard, doc_key: str) -> dict[str, bytes]:
        """The files of a kept bundle; made again by Pagefind in the rare build that needs
        them after another build dropped or damaged the entry."""
        found = self.load(doc_key)
        if found is None:
            hashes = [_page_digest(self.pages, p) for p in shard.paths]
            found = self.index(self.documents(shard, hashes))
        return found

    def documents(self, shard: Shard, hashes: Sequence[bytes]) -> list[tuple[str, bytes]]:
        """The shard's search documents, made again only for the pages that changed."""
        key = self.memo_key(shard)
        memo = self.load(key) or {}
        out, kept = [], {}
        for path, digest in zip(shard.paths, hashes, strict=True):
            old = memo.get(path)
            doc = (
                old[1]
                if old and old[0] == digest
                else search_document(self.pages[path], self.language)
            )
            out.append((path, doc))
            kept[path] = (digest, doc)
        self.store(key, kept)
        return out

    def memo_key(self, shard: Shard) -> str:
        return _key(self.setup + b"\0documents", [(shard.name, b"")])

    def index(self, documents: Sequence[tuple[str, bytes]]) -> dict[str, bytes]:
        """Run Pagefind on the documents: the bundle's own files (the runtime kept apart)."""
        with tempfile.TemporaryDirectory(prefix="timeline-search-") as tmp:
            site, out = Path(tmp) / "site", Path(tmp) / FOLDER
            for rel, doc in documents:
                (site / rel).parent.mkdir(parents=True, exist_ok=True)
                (site / rel).write_bytes(doc)
            _run(self.binary, site, out, self.language)
            files = {
                p.relative_to(out).as_posix(): p.read_bytes()
                for p in sorted(out.rglob("*"))
                if p.is_file() and not any(s in p.name for s in UNUSED)
            }
        data = {k: v for k, v in files.items() if not k.startswith(RUNTIME)}
        self.fresh_runtime = self.fresh_runtime or {k: v for k, v in files.items() if k not in data}
        return data

    def runtime(self, first: Shard) -> dict[str, bytes]:
        """The script and WebAssembly every bundle shares, built once per Pagefind version."""
        key = _key(self.setup + b"\0runtime", ())
        files = self.fresh_runtime or self.load(key)
        if not files:  # every shard came from the cache, but the runtime did not
            self.index(self.documents(first, [b""] * len(first.paths)))
            files = self.fresh_runtime
        self.store(key, files)
        return files

    def load(self, key: str) -> dict[str, Any] | None:
        data = self.read(key)
        try:
            found = pickle.loads(data) if data is not None else None
        except Exception:  # a corrupt or foreign entry is a miss, never a failed build
            return None
        return found if isinstance(found, dict) else None

    def store(self, key: str, found: dict[str, Any]) -> None:
        self.write(key, pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL))

    def read(self, key: str) -> bytes | None:
        if self.folder is None:
            return None
        self.used.add(key)
        try:
            return (self.folder / key).read_bytes()
        except OSError:
            return None

    def write(self, key: str, data: bytes) -> None:
        if self.folder is None:
            return
        self.used.add(key)
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, self.folder / key)

    def prune(self) -> None:
        """Drop the cache entries this build did not use."""
        if self.folder is None or not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.name not in self.used:
                path.unlink(missing_ok=True)


def _key(setup: bytes, items: Iterable[tuple[str, bytes]]) -> str:
    """A hash of `setup` and the (path, content) pairs, each length-prefixed."""
    h = hashlib.sha256(setup)
    for path, data in items:
        h.update(b"\0%d:%s\0%d:" % (len(path), path.encode(), len(data)))
        h.update(data)
    return h.hexdigest()


class _Bundle:
    """One shard's bundle files: their digests at once, their bytes when first asked for."""

    def __init__(self, digests: dict[str, str], load: Callable[[], dict[str, bytes]]) -> None:
        self.digests, self._load = digests, load
        self._files: dict[str, bytes] | None = None

    def file(self, rel: str) -> bytes:
        if self._files is None:
            self._files = self._load()
        return self._files[rel]


def _layout(
    shards: Sequence[Shard], bundles: Sequence[_Bundle], runtime: dict[str, bytes]
) -> SiteFiles:
    """Site files: the first bundle and the runtime at pagefind/, the others in subfolders,
    and the list of those subfolders for the search page."""
    made = {f"{FOLDER}/{rel}": data for rel, data in runtime.items()}
    kept: dict[str, tuple[str, Callable[[], bytes]]] = {}
    for shard, bundle in zip(shards, bundles, strict=True):
        where = f"{FOLDER}/{shard.name}/" if shard.name else f"{FOLDER}/"
        kept.update(
            (where + rel, (d, partial(bundle.file, rel))) for rel, d in bundle.digests.items()
        )
    merge = [f"{s.name}/" for s in shards if s.name]
    made[MANIFEST] = (json.dumps({"merge": merge}, indent=0) + "\n").encode()
    out = SiteFiles()
    for path in sorted(made.keys() | kept.keys()):
        if path in made:
            out.add(path, made[path])
        else:
            out.add_known(path, *kept[path])
    return out


@cache
def _version(binary: Path) -> bytes:
    try:
        done = subprocess.run([str(binary), "--version"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise BuildError(
            f"Pagefind at {binary} did not start ({err}); reinstall pagefind[bin]"
        ) from err
    return done.stdout.strip()


def _run(binary: Path, site: Path, out: Path, language: str) -> None:
    command = [
        str(binary),
        "--site",
        str(site),
        "--output-path",
        str(out),
        "--force-language",
        language,
        *(f.decode() for f in _FLAGS),
    ]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=TIMEOUT)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as err:
        detail = getattr(err, "stderr", b"") or b""
        raise BuildError(
            f"the search index could not be built ({err}; {detail.decode(errors='replace')[:300]})"
            "; build without search, or reinstall pagefind[bin]"
        ) from err
