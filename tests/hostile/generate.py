"""The hostile cases too big, too odd or too machine-specific to commit, made on demand.

`make(folder)` copies the committed cases from `sources/` into `folder/sources` and adds the
generated ones; a file outside the sources (for the symbolic link to point at) goes beside it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

HERE = Path(__file__).parent
FRONT = "---\ntitle: {title}\npublished: 2023-09-05T00:00:00+00:00\n---\n"


def make(folder: Path) -> Path:
    """The whole hostile corpus under `folder`; returns the sources folder."""
    sources = folder / "sources"
    shutil.copytree(HERE / "sources", sources, symlinks=True)
    outside = folder / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(FRONT.format(title="Secret") + "Private text.\n")
    (sources / "symlink-outside.md").symlink_to(Path("..") / "outside" / "secret.md")
    (sources / "huge.md").write_bytes(_huge(50_000_000))
    (sources / "one-long-line.md").write_text(FRONT.format(title="One line") + _long_line())
    (sources / "new\nline.md").write_text(FRONT.format(title="Newline") + "Text on Monday.\n")
    with open(os.fsencode(sources) + b"/latin1-name-\xe9.md", "wb") as f:
        f.write(b"Text on Monday.\n")
    if hasattr(os, "mkfifo"):
        os.mkfifo(sources / "fifo.md")
    return sources


def _huge(size: int) -> bytes:
    """A 50 MB article: far too big to be one."""
    paragraph = ("Officials met on Tuesday to discuss the plan. " * 100 + "\n\n").encode()
    head = FRONT.format(title="Huge").encode()
    return head + paragraph * (size // len(paragraph) + 1)


def _long_line() -> str:
    """A single line of 1,000,000 characters, with a date now and then."""
    words = "the talks went on without a break through the night and into the day " * 14
    chunk = words + "until Monday. "
    return (chunk * (1_000_000 // len(chunk) + 1))[:1_000_000] + "\n"
