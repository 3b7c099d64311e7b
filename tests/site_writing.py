"""What the tests of atomic writes share: a site read back, and a writer to kill.

`WRITER` (run with `python -c`) writes version after version of one site, each as
`version_files` makes it, until it is killed; `kill_repeatedly` kills it at random moments and
checks after each kill that the site is one whole version, with the dotfiles it had.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from timeline.write import MANIFEST, recover, write_site

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GIT_HEAD = b"ref: refs/heads/gh-pages\n"


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` but the manifest, by its path."""
    files = (p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


def with_git(out: Path) -> None:
    """A `.git` folder in the output, as a user publishing from it has."""
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_bytes(GIT_HEAD)


def version_files(n: int, pages: int, every: int) -> dict[str, bytes]:
    """Version `n` of the writer's site: page i is the version's own where i % every equals
    n % every, the same in every version elsewhere (every = 1: each page changes each time)."""
    v = f"v{n}"
    articles = {
        f"articles/{i:04d}.html": (f"{v} {i}" if i % every == n % every else f"same {i}").encode()
        for i in range(pages)
    }
    return {"index.html": v.encode(), ".nojekyll": b"", **articles}


def version_of(out: Path, pages: int, every: int) -> int:
    """The version the site at `out` is; fails if it is missing, partial or mixed."""
    files = tree(out)
    assert files.pop(".git/HEAD") == GIT_HEAD
    n = int(files["index.html"].decode()[1:])
    assert files == version_files(n, pages, every)
    return n


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[4])
    from site_writing import version_files
    from timeline.write import write_site

    out, pages, every = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    n = 0
    while True:
        n += 1
        write_site(version_files(n, pages, every), out)
    """
)


def kill_repeatedly(
    out: Path,
    pages: int,
    every: int,
    *,
    seed: int,
    listing: list[str],
    script: str = WRITER,
    whole_when_killed: bool = True,
) -> None:
    """Write version 0 of the site (with a `.git` folder), then twelve times start `script`
    writing later versions and kill it at a random moment. After each kill the site is one
    whole version (before `recover` too, when `whole_when_killed`), and `out`'s folder holds
    `listing`."""
    write_site(version_files(0, pages, every), out)
    with_git(out)
    rng = random.Random(seed)
    for _ in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-c", script, str(out), str(pages), str(every), str(HERE)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        time.sleep(rng.uniform(0.25, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if whole_when_killed:
            version_of(out, pages, every)
        recover(out)
        version_of(out, pages, every)
        assert sorted(p.name for p in out.parent.iterdir()) == listing
