"""Stage 7, write: put the rendered site on disk, all or nothing.

The new site is written into a fresh folder beside the output folder and swapped in only when
complete, so a build that fails or is killed leaves the previous site whole. Entries of the old
output folder whose names start with a dot (`.git`, `.well-known`, ...) and that the build does
not write itself are carried over into the new one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from timeline.errors import BuildError


def write_site(files: dict[str, bytes], out: Path, sources: Path | None = None) -> None:
    """Write `files` (relative path -> bytes) as the folder `out`, replacing it atomically."""
    out = out.resolve()
    if sources is not None:
        refuse_overlap(out, sources.resolve())
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        for rel in sorted(files):
            target = staging / safe_relative(rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(files[rel])
        _keep_dotfiles(out, staging, files)
        _swap(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


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
    if path.is_absolute() or ".." in path.parts or not rel:
        raise BuildError(f"refusing to write {rel!r} outside the site folder")
    return path


def _keep_dotfiles(out: Path, staging: Path, files: dict[str, bytes]) -> None:
    if not out.is_dir():
        return
    written = {Path(rel).parts[0] for rel in files}
    for entry in out.iterdir():
        if entry.name.startswith(".") and entry.name not in written:
            os.replace(entry, staging / entry.name)


def _swap(staging: Path, out: Path) -> None:
    """Move the finished site into place; the old one goes only after the new one is there."""
    staging.chmod(0o755)
    if not out.exists():
        os.replace(staging, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.replace(out, old / out.name)
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)
