"""Stage 7, write: put the rendered site on disk, all or nothing.

The new site is written into `.<out>.new` beside the output folder and swapped in with one
atomic exchange (Linux `renameat2(RENAME_EXCHANGE)`), so a reader or a killed build only ever
sees the whole old site or the whole new one. Where the exchange is not available the old site
is first renamed to `.<out>.old`; a build killed inside that window is repaired by the next one.

Files the build did not write are never deleted:

- every site carries `.timeline-manifest`, the list of files the build wrote (then, on comment
  lines older versions skip, each file's content digest and size);
- top-level dot entries of the old site that the build did not write (`.git`, `.well-known`)
  are hard-linked into the new site before the swap, so the output folder holds them at every
  moment; where a fallback swap leaves them behind in `.<out>.new` / `.<out>.old`, the next
  build moves them back first;
- any other file in the output folder that is in neither the old manifest nor the new site is
  foreign, and the build refuses to run rather than drop it.

`build --clean` is the one way to let foreign files and dotfiles go, and even then the old
folder is removed only after the new one is in place.

With a cache folder beside the output (`.timeline-cache/`), the site a build replaces is not
deleted but kept there as the spare (`site-<out name>`, without its own dotfiles), and the next
build starts from it: renamed to `.<out>.new`, its files that still hold the right bytes stay,
the others are replaced and the ones the new site lacks go. The spare's manifest is replaced
first, so a build killed while updating it leaves a folder the next one deletes. A one-edit
rebuild thus touches a few files instead of linking every file and deleting the old tree.
A first build, which replaces no site, leaves as the spare a copy of its site in hard links
(manifest last), so that the build after it is as cheap as later ones; a file of the spare
is only ever replaced (unlinked, then written anew), never written into, so the site it
shares its files with never changes.

A file whose bytes the current site already has is hard-linked into the new site, not written.
The manifest's digests say which those are without reading them: a file is carried over when
its digest matches, it has the recorded size and it was last modified before the manifest was
finished (so a file edited by hand since is rewritten; the manifest itself holds nothing that
changes from one build to the next). `SiteFiles` gives the digests of files the renderer did
not render again without their bytes, which are read only if a file must be written after all.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import os
import re
import shutil
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import NamedTuple

from timeline import collector
from timeline.cache import CACHE_DIR
from timeline.errors import BuildError

MANIFEST = ".timeline-manifest"
_MANIFEST_HEADER = "# files written by timeline; others here are never deleted\n"
_RECORDS_HEADER = "# digest size path, for the next build\n"
_RECORD = "#= "
_RECORD_LINE = re.compile(r"^#= (\S+) (\d+) (.+)$", re.MULTILINE)
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_SHOWN_FOREIGN = 5
_TICK, _TICK_TRIES = 0.002, 25  # seconds; how long to wait for the file clock to move on
# Paths that need no closer look: segments of safe characters, none starting with a dot.
_PLAIN = re.compile(r"(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*")


class SiteFiles(Mapping[str, bytes]):
    """A site's files as the writer takes them: each file's content digest, and its bytes,
    read on demand for files kept from an earlier build."""

    def __init__(self, files: Mapping[str, bytes] | None = None) -> None:
        self._bytes: dict[str, bytes] = dict(files or {})
        self._lazy: dict[str, Callable[[], bytes]] = {}
        self._digests: dict[str, str] = {}
        self._order: dict[str, None] = dict.fromkeys(self._bytes)

    def add(self, rel: str, data: bytes, digest: str | None = None) -> None:
        """`rel` holds `data` (whose digest the caller may already know)."""
        self._order[rel] = None
        self._bytes[rel] = data
        self._lazy.pop(rel, None)
        self._set_digest(rel, digest)

    def add_known(self, rel: str, digest: str, load: Callable[[], bytes]) -> None:
        """`rel` holds the bytes with `digest` that `load()` returns."""
        self._order[rel] = None
        self._bytes.pop(rel, None)
        self._lazy[rel] = load
        self._digests[rel] = digest

    def update(self, files: Mapping[str, bytes]) -> None:
        for rel, data in files.items():
            self.add(rel, data)

    def extend(self, other: SiteFiles) -> None:
        """Add the files of `other`, bytes still read on demand."""
        for rel in other:
            if rel in other._bytes:
                self.add(rel, other._bytes[rel], other._digests.get(rel))
            else:
                self.add_known(rel, other._digests[rel], other._lazy[rel])

    def only(self, prefixes: tuple[str, ...]) -> SiteFiles:
        """The files whose paths start with one of `prefixes`, bytes still read on demand."""
        part = SiteFiles()
        for rel in self._order:
            if rel.startswith(prefixes):
                part._order[rel] = None
                if rel in self._bytes:
                    part._bytes[rel] = self._bytes[rel]
                else:
                    part._lazy[rel] = self._lazy[rel]
                if rel in self._digests:
                    part._digests[rel] = self._digests[rel]
        return part

    def digest(self, rel: str) -> str:
        """The content digest of `rel`."""
        if rel not in self._digests:
            self._digests[rel] = content_digest(self[rel])
        return self._digests[rel]

    def _set_digest(self, rel: str, digest: str | None) -> None:
        if digest is None:
            self._digests.pop(rel, None)
        else:
            self._digests[rel] = digest

    def __getitem__(self, rel: str) -> bytes:
        data = self._bytes.get(rel)
        if data is not None:
            return data
        return self._lazy[rel]()

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, rel: object) -> bool:
        return rel in self._order


def content_digest(data: bytes) -> str:
    """The digest the manifest records for a file's bytes."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Record(NamedTuple):
    """What the manifest says about one written file: its content digest and size."""

    digest: str
    size: int

    def line(self, rel: str) -> str:
        return f"{_RECORD}{self.digest} {self.size} {rel}\n"

    def matches(self, st: os.stat_result, finished_ns: int) -> bool:
        """True when the file `st` describes is still as written: a regular file of the
        recorded size, last modified before the manifest was finished."""
        return stat.S_ISREG(st.st_mode) and st.st_size == self.size and st.st_mtime_ns < finished_ns


def write_site(
    files: Mapping[str, bytes],
    out: Path,
    sources: Path | None = None,
    clean: bool = False,
    reuse: bool = True,
) -> None:
    """Write `files` (relative path -> bytes) as the folder `out`, replacing it atomically.

    `clean` (build --clean) lets the old folder go whole, foreign files and dotfiles included;
    still only once the new site is in place. `reuse` False (build --no-cache) neither starts
    from the spare in the cache folder nor keeps one there."""
    out = out.resolve()
    if sources is not None:
        refuse_overlap(out, sources.resolve())
    for rel in files:
        if not _PLAIN.fullmatch(rel):
            safe_relative(rel)
    out.parent.mkdir(parents=True, exist_ok=True)
    with _locked(out.parent), collector.paused():
        recover(out)
        current = _read(out)  # once: refusing foreign files and linking from it both need it
        if not clean:
            refuse_foreign(out, set(files), current.listed)
        staging = _sibling(out, "new")
        spare = _spare(out) if reuse and not clean else None
        if spare is None:
            _drop_spare(out)
        _write_tree(staging, files, _Previous(out, current), spare)
        if not clean:
            _link_dotfiles(out, staging)
        first = not out.exists()
        _swap(staging, out)
        if clean:
            shutil.rmtree(staging, ignore_errors=True)
        _finish(staging, out, spare)
        if first and spare is not None:
            _link_spare(out, files, spare)


def refuse_overlap(out: Path, sources: Path) -> None:
    """The output folder must not be the sources, inside them, or above them."""
    if out == sources or sources in out.parents or out in sources.parents:
        raise BuildError(
            f"output folder {out} overlaps the sources {sources}: "
            "choose an output folder outside the sources (e.g. --out site)"
        )


def safe_relative(rel: str) -> Path:
    """A relative path that cannot leave the site folder."""
    path = Path(rel)
    if not rel or "\0" in rel or "\\" in rel or path.is_absolute() or ".." in path.parts:
        raise BuildError(f"refusing to write {rel!r} outside the site folder")
    if path.as_posix() != rel or path.parts[0] == MANIFEST:
        raise BuildError(f"refusing to write {rel!r}: not a plain relative path")
    return path


def refuse_foreign(out: Path, new: set[str], listed: set[str] | None = None) -> None:
    """Stop when `out` holds files this tool did not write and would not write again (`listed`:
    the files its manifest lists, when already read)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise BuildError(f"output {out} is a file, not a folder: choose another --out")
    ours = (read_manifest(out) if listed is None else listed) | new
    foreign = sorted(rel for rel in _site_files(out) if rel not in ours)
    if foreign:
        shown = ", ".join(foreign[:_SHOWN_FOREIGN]) + (" ..." if len(foreign) > 5 else "")
        raise BuildError(
            f"output folder {out} holds {len(foreign)} files that timeline did not write "
            f"({shown}); the build would delete them, so it stops. Move them out, "
            "or choose another --out"
        )


def read_manifest(site: Path) -> set[str]:
    """The files a previous build wrote into `site` (empty when it has no manifest)."""
    try:
        text = (site / MANIFEST).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    return _listed(text.split(_RECORDS_HEADER, 1)[0])


def _listed(text: str) -> set[str]:
    return {line for line in text.splitlines() if line and not line.startswith("#")}


def _listed_dotted(site: Path) -> list[str]:
    """The files of `site`'s manifest in its top-level dot entries (as `read_manifest` lists
    them, without making the set of every file: most sites have none)."""
    try:
        text = (site / MANIFEST).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [line for line in text.split(_RECORDS_HEADER, 1)[0].splitlines() if line[:1] == "."]


class _Manifest(NamedTuple):
    """A site's manifest as the writer uses it: the files listed, the digest and size recorded
    for each, and when it was finished."""

    listed: set[str]
    records: dict[str, Record]
    finished_ns: int

    def vouched(self, rel: str, digest: str, path: str) -> Record | None:
        """The record of `rel` when it vouches for `digest` and the file at `path` still sits
        on disk as recorded (not edited since); else None. OSError if `path` cannot be
        stat'ed."""
        record = self.records.get(rel)
        if record is None or record.digest != digest:
            return None
        return record if record.matches(os.lstat(path), self.finished_ns) else None


def _read(site: Path) -> _Manifest:
    """The manifest of `site` (empty when it has none, or none that can be read)."""
    path = site / MANIFEST
    try:
        finished_ns = path.stat().st_mtime_ns
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return _Manifest(set(), {}, 0)
    listed, _, recorded = text.partition(_RECORDS_HEADER)
    records = {rel: Record(d, int(size)) for d, size, rel in _RECORD_LINE.findall(recorded)}
    return _Manifest(_listed(listed), records, finished_ns)


def recover(out: Path) -> None:
    """Repair what a killed build left: restore a missing site, rescue its dotfiles."""
    old = _sibling(out, "old")
    if not out.exists() and old.is_dir():
        os.replace(old, out)
    for leftover in (_sibling(out, "new"), old):
        if leftover.is_dir():
            _finish(leftover, out)


def _site_files(out: Path) -> Iterator[str]:
    """Every file under `out` except inside top-level dot entries, which are carried over."""
    top = os.fspath(out)
    for root, dirs, names in os.walk(top):
        if root == top:
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            yield from (n for n in names if not n.startswith("."))
        else:
            prefix = Path(root).relative_to(out).as_posix() + "/"
            yield from (prefix + n for n in names)


def _spare(out: Path) -> Path | None:
    """Where the site before the current one is kept between builds, to become the next new
    site: in the cache folder beside `out` (None when there is none)."""
    cache = out.parent / CACHE_DIR
    return cache / f"site-{out.name}" if cache.is_dir() else None


def _drop_spare(out: Path) -> None:
    """Delete the spare a build that neither uses nor keeps one finds (--clean, --no-cache)."""
    spare = _spare(out)
    if spare is not None and spare.is_dir():
        shutil.rmtree(spare, ignore_errors=True)


def _link_spare(site: Path, files: Iterable[str], spare: Path) -> None:
    """Make the spare of a site that replaced none (a first build) a copy of it in hard
    links: so the next build too updates a spare instead of linking every file into a new
    tree. Its manifest is linked last: a build killed before then leaves a spare without
    one, which the next build deletes. The copy shares its files with the site, which is
    safe because a build replaces a file of the spare by unlinking it, never writes into
    one."""
    shutil.rmtree(spare, ignore_errors=True)
    root, into = os.fspath(site) + "/", os.fspath(spare) + "/"
    made: set[str] = set()
    try:
        os.mkdir(spare, 0o755)
        for rel in files:
            folder = rel.rpartition("/")[0]
            if folder and folder not in made:
                os.makedirs(into + folder, exist_ok=True)
                made.add(folder)
            os.link(root + rel, into + rel)
        os.link(root + MANIFEST, into + MANIFEST)
    except OSError:  # no hard links here (or the site changed meanwhile): no spare
        shutil.rmtree(spare, ignore_errors=True)


def _write_tree(
    staging: Path, files: Mapping[str, bytes], previous: _Previous, spare: Path | None = None
) -> None:
    """The whole new site in `staging`: the spare (an older site) brought up to date when
    there is a sound one, else a new folder. Either way the manifest comes first, so a
    half-written site is known, and each file's record is appended once all are written.
    A file the spare holds as recorded stays; a file the previous site already has, byte for
    byte, is hard-linked rather than written: creating a file costs a thousand times more
    than linking one on a busy disk, and keeping one costs a tenth of linking it."""
    kept = _take_spare(spare, staging)
    try:
        _fill(staging, files, previous, kept)
    except OSError:
        if kept is None:
            raise
        shutil.rmtree(staging)
        _fill(staging, files, previous, None)


def _take_spare(spare: Path | None, staging: Path) -> _Manifest | None:
    """Move the spare to `staging` when its manifest vouches for every entry in it; its
    manifest, else None (and an unsound spare is deleted: the tool wrote all of it)."""
    if spare is None or not spare.is_dir():
        return None
    found = _read(spare)
    tops = {rel.split("/", 1)[0] for rel in found.listed}
    sound = found.records and found.listed == found.records.keys() | {MANIFEST}
    try:
        if sound and all(name in tops for name in os.listdir(spare)):
            os.rename(spare, staging)
            return found
    except OSError:
        pass
    shutil.rmtree(spare, ignore_errors=True)
    return None


def _fill(
    staging: Path, files: Mapping[str, bytes], old: _Previous, kept: _Manifest | None
) -> None:
    if kept is None:
        os.mkdir(staging, 0o755)
    else:  # from here on the spare is not sound: a build killed now leaves it to be deleted
        (staging / MANIFEST).unlink()
    manifest = _MANIFEST_HEADER + "".join(f"{rel}\n" for rel in sorted([*files, MANIFEST]))
    (staging / MANIFEST).write_text(manifest, "utf-8")
    if kept is not None:
        _drop_stale(staging, kept.records.keys() - files.keys())
    root = os.fspath(staging) + "/"
    made: set[str] = {""}
    here = _Kept(kept)
    digest = files.digest if isinstance(files, SiteFiles) else _digester(files)
    records: list[str] = []
    newest = ""
    for rel in sorted(files):
        folder = rel.rpartition("/")[0]
        if folder not in made:
            os.makedirs(root + folder, exist_ok=True)
            made.add(folder)
        target = root + rel
        record = here.keep(rel, target, digest(rel)) or old.carry(rel, target, digest(rel))
        if record is None:
            if not old.linked(rel, target, files[rel]):
                _write_new(target, files[rel])
                newest = target
            record = Record(digest(rel), len(files[rel]))
        records.append(record.line(rel))
    with (staging / MANIFEST).open("a", encoding="utf-8") as f:
        f.write(_RECORDS_HEADER + "".join(records))
    if newest:
        _finished_after(staging / MANIFEST, os.stat(newest).st_mtime_ns)


def _write_new(target: str, data: bytes) -> None:
    """Write `data` as a new file at `target`, never into a file already there: the spare
    shares its files with the site (hard links), which must not change."""
    with suppress(FileNotFoundError):
        os.unlink(target)
    with open(target, "xb") as f:
        f.write(data)


def _drop_stale(staging: Path, stale: Iterable[str]) -> None:
    """Delete the spare's files the new site does not have, and the folders they leave empty."""
    folders: set[str] = set()
    for rel in stale:
        (staging / rel).unlink(missing_ok=True)
        folders.update(str(p) for p in Path(rel).parents if str(p) != ".")
    for folder in sorted(folders, key=len, reverse=True):
        with suppress(OSError):  # not empty: the new site has files there
            (staging / folder).rmdir()


def _finished_after(manifest: Path, written_ns: int) -> None:
    """Give the manifest a modification time later than every file this build wrote (file
    times are coarse: a file and the manifest written in the same tick would look edited to
    the next build, which would write it again)."""
    for _ in range(_TICK_TRIES):
        if manifest.stat().st_mtime_ns > written_ns:
            return
        time.sleep(_TICK)
        os.utime(manifest)


class _Kept:
    """The spare being brought up to date: which of its files can stay as they are."""

    def __init__(self, kept: _Manifest | None) -> None:
        self.manifest = kept or _Manifest(set(), {}, 0)

    def keep(self, rel: str, target: str, digest: str) -> Record | None:
        """The record of the spare's `rel` when it holds `digest` and sits on disk as recorded
        (not edited since); else None, and the file is gone, to be replaced."""
        if rel not in self.manifest.records:
            return None
        with suppress(FileNotFoundError):
            record = self.manifest.vouched(rel, digest, target)
            if record is not None:
                return record
            os.unlink(target)
        return None


class _Previous:
    """The site being replaced, as a source of files to hard-link into the new one."""

    def __init__(self, site: Path, found: _Manifest) -> None:
        self.root = os.fspath(site) + "/"
        self.manifest = found

    def carry(self, rel: str, target: str, digest: str) -> Record | None:
        """Hard-link the old file when its record vouches for `digest` and it still sits on
        disk as recorded (not edited since); its record, else None."""
        old = self.root + rel
        try:
            record = self.manifest.vouched(rel, digest, old)
            if record is not None:
                os.link(old, target)
        except OSError:
            return None
        return record

    def linked(self, rel: str, target: str, data: bytes) -> bool:
        """For a site written before records were kept: hard-link the old file when it holds
        exactly `data`."""
        if rel not in self.manifest.listed or rel in self.manifest.records:
            return False
        return _linked(Path(self.root + rel), Path(target), data)


def _digester(files: Mapping[str, bytes]) -> Callable[[str], str]:
    return lambda rel: content_digest(files[rel])


def _linked(old: Path, target: Path, data: bytes) -> bool:
    """Hard-link `old` as `target` when it is a regular file holding exactly `data`."""
    try:
        st = old.lstat()
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(data) or old.read_bytes() != data:
            return False
        os.link(old, target)
    except OSError:
        return False
    return True


def _own_dot_entries(site: Path) -> list[Path]:
    """Top-level dot entries of `site` that its builds did not write (`.git`, `.well-known`)."""
    written = {rel.split("/", 1)[0] for rel in _listed_dotted(site)} | {MANIFEST}
    return [e for e in sorted(site.iterdir()) if e.name.startswith(".") and e.name not in written]


def _link_dotfiles(out: Path, staging: Path) -> None:
    """Give the new site a hard-linked copy of the old site's own dot entries before the swap,
    so that `out` holds them at every moment, even when the build is killed right after it."""
    if not out.is_dir():
        return
    for entry in _own_dot_entries(out):
        target = staging / entry.name
        if target.exists() or target.is_symlink():
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, target, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(str(entry), str(target))


def _link_or_copy(src: str, dst: str) -> None:
    if os.path.islink(src):
        os.symlink(os.readlink(src), dst)
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _swap(staging: Path, out: Path) -> None:
    """Put `staging` at `out`; afterwards `staging` holds the previous site, if any."""
    if not out.exists():
        os.replace(staging, out)
        return
    if exchange(staging, out):
        return
    old = _sibling(out, "old")
    os.replace(out, old)
    os.replace(staging, out)
    os.replace(old, staging)


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step; False when the system cannot."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    code = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if code == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, f"cannot swap {a} and {b}: {os.strerror(err)}")


def _finish(previous: Path, out: Path, spare: Path | None = None) -> None:
    """Move the previous site's own dotfiles into `out`; then keep what the build wrote as the
    spare, when there is a place for it, or delete it."""
    if not previous.exists():
        return
    if out.is_dir():
        for entry in _own_dot_entries(previous):
            if not (out / entry.name).exists():
                os.replace(entry, out / entry.name)
    if spare is None or not _keep_spare(previous, out, spare):
        shutil.rmtree(previous)


def _keep_spare(previous: Path, out: Path, spare: Path) -> bool:
    """Make `previous` the spare: without its own dotfiles, which `out` holds (hard-linked)."""
    if not out.is_dir():
        return False
    for entry in _own_dot_entries(previous):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    shutil.rmtree(spare, ignore_errors=True)
    try:
        os.rename(previous, spare)
    except OSError:
        return False
    return True


def _sibling(out: Path, role: str) -> Path:
    return out.parent / f".{out.name}.{role}"


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One build at a time writes into `folder`: a lock on the folder itself, no lock file."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
