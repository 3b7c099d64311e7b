"""Atomic builds: the previous site stays whole whenever a build dies, dotfiles are never lost,
and files the build did not write are never deleted."""

from __future__ import annotations

import os

import pytest
from site_writing import WRITER, kill_repeatedly, tree, with_git

from timeline.errors import BuildError
from timeline.write import MANIFEST, exchange, read_manifest, recover, write_site


def site(version: str, pages: int = 3) -> dict[str, bytes]:
    files = {f"articles/{n:04d}.html": f"{version} {n}".encode() for n in range(pages)}
    return {"index.html": version.encode(), ".nojekyll": b"", **files}


def test_manifest_lists_exactly_what_was_written(tmp_path):
    out = tmp_path / "site"
    write_site(site("v1"), out)
    assert read_manifest(out) == {*site("v1"), MANIFEST}


def test_stale_pages_the_build_wrote_are_removed(tmp_path):
    out = tmp_path / "site"
    write_site(site("v1", pages=3), out)
    write_site(site("v2", pages=1), out)
    assert tree(out) == site("v2", pages=1)


def test_foreign_file_stops_the_build_and_survives(tmp_path):
    out = tmp_path / "site"
    write_site(site("v1"), out)
    (out / "notes.txt").write_text("mine")
    with pytest.raises(BuildError, match=r"1 files that timeline did not write \(notes.txt\)"):
        write_site(site("v2"), out)
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "index.html").read_bytes() == b"v1"


def test_folder_of_other_files_is_never_replaced(tmp_path):
    home = tmp_path / "home"
    (home / "docs").mkdir(parents=True)
    (home / "docs" / "thesis.tex").write_text("years of work")
    with pytest.raises(BuildError, match="did not write"):
        write_site(site("v1"), home)
    assert (home / "docs" / "thesis.tex").read_text() == "years of work"


def test_site_from_before_manifests_is_replaced_when_the_build_would_write_its_files(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    for rel, data in site("v0").items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    write_site(site("v1"), out)
    assert tree(out) == site("v1")


def test_output_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "site").write_text("a file")
    with pytest.raises(BuildError, match="is a file"):
        write_site(site("v1"), tmp_path / "site")


@pytest.mark.parametrize("rel", ["a\0b.html", "a\\..\\b", "./a.html", "a//b", MANIFEST])
def test_unusual_relative_paths_are_refused(tmp_path, rel):
    with pytest.raises(BuildError):
        write_site({rel: b"x"}, tmp_path / "site")
    assert not (tmp_path / "site").exists()


def test_exchange_swaps_two_folders(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "f").write_text("a")
    (b / "f").write_text("b")
    if not exchange(a, b):
        pytest.skip("this system has no renameat2(RENAME_EXCHANGE); the fallback is tested below")
    assert ((a / "f").read_text(), (b / "f").read_text()) == ("b", "a")


def test_recover_restores_a_site_renamed_away_by_the_fallback(tmp_path):
    out = tmp_path / "site"
    write_site(site("v1"), out)
    with_git(out)
    os.replace(out, tmp_path / ".site.old")
    (tmp_path / ".site.new").mkdir()  # the new site, half written when the build died
    recover(out)
    assert tree(out) == {**site("v1"), ".git/HEAD": b"ref: refs/heads/gh-pages\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_recover_moves_dotfiles_left_behind_after_the_swap(tmp_path):
    out = tmp_path / "site"
    write_site(site("v1"), out)
    with_git(out)
    write_site(site("v2"), tmp_path / "v2")
    assert exchange(tmp_path / "v2", out) or pytest.skip("no RENAME_EXCHANGE here")
    os.replace(tmp_path / "v2", tmp_path / ".site.new")  # as if killed right after the swap
    recover(out)
    assert tree(out) == {**site("v2"), ".git/HEAD": b"ref: refs/heads/gh-pages\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_fallback_without_exchange_keeps_dotfiles(tmp_path, monkeypatch):
    monkeypatch.setattr("timeline.write.exchange", lambda a, b: False)
    out = tmp_path / "site"
    write_site(site("v1"), out)
    with_git(out)
    write_site(site("v2"), out)
    assert tree(out) == {**site("v2"), ".git/HEAD": b"ref: refs/heads/gh-pages\n"}


@pytest.mark.parametrize("fallback", [False, True], ids=["exchange", "fallback"])
def test_killing_a_build_at_random_moments_never_loses_the_site(tmp_path, fallback):
    script = WRITER
    if fallback:
        script = script.replace("from timeline.write import write_site", _NO_EXCHANGE)
    # Every page changes from one version to the next; with the exchange, the site is whole
    # even before any repair.
    kill_repeatedly(
        tmp_path / "site",
        300,
        1,
        seed=20231105,
        listing=["site"],
        script=script,
        whole_when_killed=not fallback,
    )


_NO_EXCHANGE = (
    "import timeline.write as w\nw.exchange = lambda a, b: False\nwrite_site = w.write_site"
)


def test_clean_lets_foreign_files_and_dotfiles_go_only_after_the_swap(tmp_path):
    out = tmp_path / "site"
    write_site(site("v1"), out)
    with_git(out)
    (out / "notes.txt").write_text("mine")
    write_site(site("v2"), out, clean=True)
    assert tree(out) == site("v2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_unchanged_files_are_carried_by_hard_link_changed_ones_written(tmp_path):
    out = tmp_path / "site"
    write_site(site("v1"), out)
    before = {rel: (out / rel).stat().st_ino for rel in site("v1")}
    write_site({**site("v1"), "index.html": b"v2"}, out)
    after = {rel: (out / rel).stat().st_ino for rel in site("v1")}
    assert after["articles/0001.html"] == before["articles/0001.html"]
    assert after["index.html"] != before["index.html"]
    assert (out / "index.html").read_bytes() == b"v2"
    assert (out / "articles/0001.html").stat().st_nlink == 1


def test_a_foreign_symlink_is_never_followed_when_carrying_files(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"v1 1")
    out = tmp_path / "site"
    write_site(site("v1"), out)
    (out / "articles/0001.html").unlink()
    (out / "articles/0001.html").symlink_to(secret)
    write_site(site("v1"), out)
    assert not (out / "articles/0001.html").is_symlink()
    assert secret.stat().st_nlink == 1
