"""Write stage: the site appears whole or not at all, and nothing outside it is touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeline.errors import BuildError
from timeline.write import MANIFEST, write_site


def tree(root: Path) -> dict[str, bytes]:
    files = (p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


def test_writes_every_file(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": b"<p>hi</p>", "articles/a.html": b"A", ".nojekyll": b""}, out)
    assert tree(out) == {"index.html": b"<p>hi</p>", "articles/a.html": b"A", ".nojekyll": b""}


def test_replaces_old_site_but_keeps_its_dotfiles(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": b"old", "stale.html": b"gone"}, out)
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    write_site({"index.html": b"new"}, out)
    assert tree(out) == {"index.html": b"new", ".git/HEAD": b"ref: refs/heads/gh-pages\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_failed_render_leaves_previous_site(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": b"old"}, out)
    with pytest.raises(BuildError):
        write_site({"index.html": b"new", "../escape.html": b"x"}, out)
    assert tree(out) == {"index.html": b"old"}
    assert not (tmp_path / "escape.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


@pytest.mark.parametrize("out", ["src", "src/site", "."])
def test_refuses_output_overlapping_sources(tmp_path, out):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.md").write_text("keep me")
    with pytest.raises(BuildError, match="overlaps the sources"):
        write_site({"index.html": b"x"}, tmp_path / out, sources=src)
    assert (src / "a.md").read_text() == "keep me"


@pytest.mark.parametrize("rel", ["/etc/passwd", "a/../../b", ""])
def test_refuses_paths_that_leave_the_site(tmp_path, rel):
    with pytest.raises(BuildError):
        write_site({rel: b"x"}, tmp_path / "site")
