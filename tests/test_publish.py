"""publish: the built site becomes a commit on gh-pages through git plumbing, in a repository
made in a temporary folder with a local bare repository as its remote."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from timeline.cli import app
from timeline.publish import default_message, site_url

runner = CliRunner()

ARTICLE = """---
title: Kim to visit Russia
published: 2023-09-05T00:00:00+00:00
---
North Korean leader Kim Jong Un plans to travel to Russia this month, officials said on Monday.
"""


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A project committed on main, a feature branch, uncommitted work, and a bare remote."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var, value in (("NAME", "Ed Itor"), ("EMAIL", "ed@example.org")):
        monkeypatch.setenv(f"GIT_AUTHOR_{var}", value)
        monkeypatch.setenv(f"GIT_COMMITTER_{var}", value)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    work = tmp_path / "story"
    (work / "articles").mkdir(parents=True)
    (work / "articles" / "kim.md").write_text(ARTICLE)
    (work / "timeline.toml").write_text('title = "Kim in Russia"\n')
    (work / ".gitignore").write_text("site/\n")
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "Articles")
    git(work, "branch", "feature")
    git(work, "remote", "add", "origin", str(remote))
    git(work, "push", "-q", "origin", "main")
    (work / "notes.txt").write_text("work in progress\n")  # untracked
    (work / "timeline.toml").write_text('title = "Kim in Russia"\n# edited\n')  # modified
    git(work, "add", "timeline.toml")  # staged
    monkeypatch.chdir(work)
    return work


def state(work: Path) -> tuple[str, ...]:
    """Everything publish must leave alone."""
    return (
        git(work, "rev-parse", "HEAD"),
        git(work, "rev-parse", "feature"),
        git(work, "status", "--porcelain"),
        (work / ".git" / "index").read_bytes().hex(),
        (work / "notes.txt").read_text(),
    )


def site_tree(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in site.rglob("*")
        if p.is_file() and p.name != ".timeline-manifest"
    }


def branch_tree(git_dir: Path, ref: str) -> dict[str, bytes]:
    names = git(git_dir, "ls-tree", "-r", "--name-only", ref).splitlines()
    return {
        name: subprocess.run(
            ["git", "show", f"{ref}:{name}"], cwd=git_dir, capture_output=True, check=True
        ).stdout
        for name in names
    }


def test_publish_push_puts_exactly_the_site_on_gh_pages(repo):
    before = state(repo)
    result = runner.invoke(app, ["publish", "--push"])
    assert result.exit_code == 0, result.output
    assert "Committed" in result.stdout and "Pushed gh-pages to origin" in result.stdout
    assert state(repo) == before, "working tree, index and other branches untouched"
    remote = repo.parent / "remote.git"
    published = branch_tree(remote, "gh-pages")
    expected = site_tree(repo / "site")
    assert published == {**expected, ".nojekyll": b""}
    assert "index.html" in published and "articles/kim.html" in published
    message = git(remote, "log", "-1", "--format=%B", "gh-pages")
    assert before[0] in message
    assert git(remote, "rev-parse", "main") == before[0]


def test_second_publish_continues_the_branch(repo):
    assert runner.invoke(app, ["publish"]).exit_code == 0
    first = git(repo, "rev-parse", "gh-pages")
    (repo / "articles" / "kim.md").write_text(ARTICLE.replace("this month", "next week"))
    result = runner.invoke(app, ["publish"])
    assert result.exit_code == 0, result.output
    assert git(repo, "rev-parse", "gh-pages^") == first
    assert "timeline publish --push" in result.stdout, "tells how to push"


def test_cname_and_base_url_from_config(repo):
    (repo / "timeline.toml").write_text(
        'title = "Kim"\ncname = "kim.example.org"\nbase_url = "https://kim.example.org/"\n'
    )
    result = runner.invoke(app, ["publish", "--push"])
    assert result.exit_code == 0, result.output
    assert "Your site is at https://kim.example.org/" in result.stdout
    tree = branch_tree(repo.parent / "remote.git", "gh-pages")
    assert tree["CNAME"] == b"kim.example.org\n"


def test_failed_strict_build_publishes_nothing(repo):
    (repo / "articles" / "naive.md").write_text(
        "---\ntitle: N\npublished: 2023-09-12T08:00:00\n---\nKim arrived on Tuesday.\n"
    )
    result = runner.invoke(app, ["publish", "--push"])
    assert result.exit_code == 1
    assert "--strict makes them fatal" in result.stderr
    assert git(repo, "branch", "--list", "gh-pages") == ""


def test_outside_a_git_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "kim.md").write_text(ARTICLE)
    result = runner.invoke(app, ["publish"])
    assert result.exit_code == 1
    assert "not inside a git repository" in result.stderr


def test_push_to_a_missing_remote_is_one_clear_error(repo):
    result = runner.invoke(app, ["publish", "--push", "--remote", "nowhere"])
    assert result.exit_code == 1
    assert "error: git push failed" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("base_url", "cname", "remote", "url"),
    [
        ("https://x.org/story/", "", "git@github.com:me/story.git", "https://x.org/story/"),
        ("", "kim.example.org", "git@github.com:me/story.git", "https://kim.example.org/"),
        ("", "", "git@github.com:Me/story.git", "https://me.github.io/story/"),
        ("", "", "https://github.com/me/story", "https://me.github.io/story/"),
        ("", "", "https://github.com/me/me.github.io.git", "https://me.github.io/"),
        ("", "", "/srv/git/story.git", None),
        ("", "", None, None),
    ],
)
def test_site_url(base_url, cname, remote, url):
    assert site_url(base_url, cname, remote) == url


def test_default_message_names_the_source_commit():
    sha = "0123456789abcdef0123456789abcdef01234567"
    assert default_message(sha, "v1-2-g0123456").startswith("Deployed 0123456789ab with")
    assert sha in default_message(sha, None)
    assert "uncommitted changes" in default_message(sha, "0123456-dirty")
    assert "no source commit" in default_message(None, None)


def test_without_a_local_branch_it_continues_the_remote_one(repo):
    assert runner.invoke(app, ["publish", "--push"]).exit_code == 0
    first = git(repo, "rev-parse", "gh-pages")
    git(repo, "branch", "-D", "gh-pages")  # e.g. a fresh clone that never published
    result = runner.invoke(app, ["publish", "--push"])
    assert result.exit_code == 0, result.output
    remote = repo.parent / "remote.git"
    assert git(remote, "rev-parse", "gh-pages^") == first


def test_a_rejected_push_says_how_to_catch_up(repo):
    assert runner.invoke(app, ["publish", "--push"]).exit_code == 0
    other = repo.parent / "other"
    git(
        repo.parent, "clone", "-q", "--branch", "gh-pages", str(repo.parent / "remote.git"), "other"
    )
    (other / "extra.html").write_text("<p>someone else</p>")
    git(other, "add", "extra.html")
    git(other, "commit", "-q", "-m", "Another publisher")
    git(other, "push", "-q", "origin", "gh-pages")
    result = runner.invoke(app, ["publish", "--push"])
    assert result.exit_code == 1
    assert "error: git push failed" in result.stderr
    assert "git fetch origin gh-pages:gh-pages" in result.stderr
