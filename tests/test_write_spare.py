"""The spare: with a cache folder beside the output, the site a build replaces is kept there
and brought up to date by the next build instead of a new tree being made; the site is the
same as without it, and as safe."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from site_writing import GIT_HEAD, kill_repeatedly, tree, with_git

from timeline.cache import CACHE_DIR
from timeline.write import MANIFEST, read_manifest, write_site


def site(version: str, pages: int = 6, changed: int = 2) -> dict[str, bytes]:
    """A site whose first `changed` pages and index differ from one version to the next."""
    files = {
        f"articles/{n:04d}.html": (f"{version} {n}" if n < changed else f"same {n}").encode()
        for n in range(pages)
    }
    return {"index.html": version.encode(), ".nojekyll": b"", **files}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    (tmp_path / CACHE_DIR).mkdir()
    return tmp_path / "site"


def spare(out: Path) -> Path:
    return out.parent / CACHE_DIR / f"site-{out.name}"


def test_the_replaced_site_becomes_the_spare_without_its_own_dotfiles(out: Path) -> None:
    write_site(site("v1"), out)
    with_git(out)
    write_site(site("v2"), out)
    assert tree(out) == {**site("v2"), ".git/HEAD": GIT_HEAD}
    assert tree(spare(out)) == site("v1")
    assert sorted(p.name for p in out.parent.iterdir()) == [CACHE_DIR, "site"]


def test_a_first_build_leaves_a_spare_of_hard_links_to_its_files(out: Path) -> None:
    write_site(site("v1"), out)
    assert tree(spare(out)) == site("v1")
    assert read_manifest(spare(out)) == read_manifest(out)
    for rel in [*site("v1"), MANIFEST]:
        assert (spare(out) / rel).stat().st_ino == (out / rel).stat().st_ino


def test_the_build_after_a_first_one_starts_from_its_spare_and_leaves_it_whole(
    out: Path,
) -> None:
    write_site(site("v1"), out)
    kept = (spare(out) / "articles/0005.html").stat().st_ino
    write_site(site("v2"), out)
    assert tree(out) == site("v2")
    assert (out / "articles/0005.html").stat().st_ino == kept  # kept, neither linked nor written
    assert tree(spare(out)) == site("v1")  # the site it replaced: no file written into


def test_a_spare_whose_linking_was_cut_short_is_not_used(out: Path) -> None:
    write_site(site("v1"), out)
    (spare(out) / MANIFEST).unlink()  # linked last: a first build killed before it
    (spare(out) / "articles/0001.html").unlink()
    write_site(site("v2"), out)
    assert tree(out) == site("v2")
    assert tree(spare(out)) == site("v1")


def test_a_file_in_the_spare_the_manifest_does_not_list_is_replaced_not_written_into(
    out: Path,
) -> None:
    write_site(site("v1"), out)
    stray = spare(out) / "articles/0009.html"
    os.link(out / "index.html", stray)  # shares the live site's file
    write_site({**site("v2"), "articles/0009.html": b"new"}, out)
    assert tree(out) == {**site("v2"), "articles/0009.html": b"new"}
    assert tree(spare(out)) == site("v1")


def test_every_build_from_the_spare_equals_the_files(out: Path) -> None:
    versions = [site(f"v{n}") for n in range(5)]
    versions.insert(3, {"index.html": b"small", "articles/0001.html": b"other"})
    for files in versions:
        write_site(files, out)
        assert tree(out) == files
        assert read_manifest(out) == {*files, MANIFEST}


def test_unchanged_files_stay_the_same_file_in_every_tree(out: Path) -> None:
    for n in range(4):
        write_site(site(f"v{n}"), out)
    kept = out / "articles/0005.html"
    assert kept.stat().st_ino == (spare(out) / "articles/0005.html").stat().st_ino
    assert kept.stat().st_nlink == 2
    assert (out / "index.html").stat().st_nlink == 1


def test_a_file_edited_in_the_spare_is_written_again(out: Path) -> None:
    for n in range(2):
        write_site(site(f"v{n}"), out)
    edited = spare(out) / "articles/0005.html"
    time.sleep(0.01)
    edited.unlink()
    edited.write_bytes(b"same 5")  # same bytes, but not as the build left it
    (spare(out) / "articles/0004.html").unlink()
    write_site(site("v2"), out)
    assert tree(out) == site("v2")


def test_a_spare_with_entries_its_manifest_does_not_list_is_not_used(out: Path) -> None:
    for n in range(2):
        write_site(site(f"v{n}"), out)
    (spare(out) / "stray.html").write_bytes(b"?")
    write_site(site("v2"), out)
    assert tree(out) == site("v2")


@pytest.mark.parametrize(
    "versions",
    [
        [{"a/b.html": b"1"}, {"x.html": b"2"}, {"a": b"3"}],
        [{"a": b"1"}, {"x.html": b"2"}, {"a/b.html": b"3"}],
    ],
    ids=["folder-becomes-file", "file-becomes-folder"],
)
def test_a_path_that_changes_kind_between_builds(
    out: Path, versions: list[dict[str, bytes]]
) -> None:
    for files in versions:
        write_site(files, out)
        assert tree(out) == files


@pytest.mark.parametrize(
    ("clean", "reuse"), [(True, True), (False, False)], ids=["clean", "no-cache"]
)
def test_clean_or_no_cache_neither_uses_nor_leaves_a_spare(
    out: Path, clean: bool, reuse: bool
) -> None:
    write_site(site("v1"), out)
    write_site(site("v2"), out, clean=clean, reuse=reuse)
    assert tree(out) == site("v2")
    assert not spare(out).exists()


def test_killing_a_build_that_uses_the_spare_never_loses_the_site(out: Path) -> None:
    # One page in seven changes from one version to the next: the spare is brought up to
    # date, not made anew, and the site is whole even before any repair.
    kill_repeatedly(out, 300, 7, seed=20261122, listing=[CACHE_DIR, "site"])
