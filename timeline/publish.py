"""Publish the built site to the gh-pages branch, the ghp-import way.

The site folder becomes a commit on `gh-pages` through git's plumbing only (hash-object,
mktree, commit-tree, update-ref), so the working tree, the index and every other branch of the
user's repository are never touched. The commit holds exactly the site, plus `.nojekyll` (so
GitHub Pages serves the files as they are) and a `CNAME` when a custom domain is configured; its
message names the source commit it was built from. `push` then sends the branch to the remote.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from timeline import __version__
from timeline.errors import TimelineError
from timeline.write import MANIFEST

_SKIPPED = (".git", MANIFEST)  # in the output folder, but not part of the site
_GITHUB = re.compile(r"github\.com[:/](?P<owner>[^/]+)/(?P<repo>[^/]+?)(?:\.git)?/?$")


class PublishError(TimelineError):
    """Git refused a step of publishing; the message says which and what to do."""


@dataclass(frozen=True)
class Published:
    """What `publish` did."""

    branch: str
    commit: str
    source_commit: str | None
    files: int


def publish(
    site: Path,
    repo: Path,
    branch: str = "gh-pages",
    cname: str = "",
    message: str | None = None,
    remote: str = "origin",
) -> Published:
    """Commit the folder `site` as the new tip of `branch` in the git repository at `repo`."""
    if not (site / "index.html").is_file():
        raise PublishError(f"{site} holds no built site (no index.html); run `timeline build`")
    git = Git(repo)
    ref = f"refs/heads/{branch}"
    current = git.try_out("rev-parse", "--verify", "--quiet", ref)
    parent = current or previous_commit(git, branch, remote)
    source = git.try_out("rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    files: dict[str, Path | bytes] = dict(site_files(site))
    files[".nojekyll"] = b""
    if cname:
        files["CNAME"] = f"{cname}\n".encode()
    tree = write_tree(git, files)
    text = message or default_message(source, git.try_out("describe", "--always", "--dirty"))
    commit = git.out("commit-tree", tree, *(["-p", parent] if parent else []), "-m", text)
    # Compare-and-swap: if the branch moved while we worked, fail rather than overwrite it.
    git.out("update-ref", "-m", "timeline publish", ref, commit, current or "")
    return Published(branch, commit, source, len(files))


def push(repo: Path, remote: str, branch: str) -> str:
    """Send the branch to the remote; returns the remote's name."""
    try:
        Git(repo).out("push", remote, f"refs/heads/{branch}:refs/heads/{branch}")
    except PublishError as err:
        raise PublishError(
            f"{err}; if {remote} has {branch} commits you lack, run "
            f"`git fetch {remote} {branch}:{branch}` and publish again"
        ) from None
    return remote


def default_message(source: str | None, described: str | None) -> str:
    """Name the source commit the site was built from (ghp-import / MkDocs style)."""
    if source is None:
        return f"Deployed with timeline {__version__} (no source commit yet)"
    dirty = " with uncommitted changes" if described and described.endswith("-dirty") else ""
    return f"Deployed {source[:12]}{dirty} with timeline {__version__}\n\nSource: {source}"


def site_files(site: Path) -> Iterator[tuple[str, Path]]:
    """Every file of the built site as (POSIX path, file), without git's or the writer's."""
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site)
        if rel.parts[0] in _SKIPPED or not path.is_file():
            continue
        yield rel.as_posix(), path.resolve()


def write_tree(git: Git, files: Mapping[str, Path | bytes]) -> str:
    """Store the files as blobs and trees in the repository; returns the root tree's id."""
    on_disk = {rel: f for rel, f in files.items() if isinstance(f, Path)}
    paths = "".join(f"{f}\n" for f in on_disk.values()).encode()
    ids = git.out("hash-object", "-w", "--no-filters", "--stdin-paths", data=paths).split()
    blobs = dict(zip(on_disk, ids, strict=True))
    for rel, f in files.items():
        if isinstance(f, bytes):
            blobs[rel] = git.out("hash-object", "-w", "--stdin", data=f)
    return _tree(git, blobs, "")


def _tree(git: Git, blobs: Mapping[str, str], prefix: str) -> str:
    """The tree for the folder `prefix` (bottom-up: sub-folders are written first)."""
    entries: list[str] = []
    folders = sorted({rel[len(prefix) :].split("/")[0] for rel in blobs if rel.startswith(prefix)})
    for name in folders:
        rel = prefix + name
        if rel in blobs:
            entries.append(f"100644 blob {blobs[rel]}\t{name}")
        else:
            entries.append(f"040000 tree {_tree(git, blobs, rel + '/')}\t{name}")
    return git.out("mktree", data=("\n".join(entries) + "\n").encode())


def previous_commit(git: Git, branch: str, remote: str = "origin") -> str | None:
    """The branch's tip, or the remote's copy of it, so the new commit continues its history."""
    for ref in (f"refs/heads/{branch}", f"refs/remotes/{remote}/{branch}"):
        found = git.try_out("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        if found:
            return found
    return None


def repo_root(start: Path) -> Path:
    """The top folder of the git repository that holds `start`."""
    try:
        return Path(Git(start).out("rev-parse", "--show-toplevel"))
    except PublishError:
        raise PublishError(
            f"{start.resolve()} is not inside a git repository; "
            "run `git init` and commit your project first"
        ) from None


def site_url(base_url: str, cname: str, remote_url: str | None) -> str | None:
    """Where GitHub Pages will serve the site: base_url, the custom domain, or the remote's."""
    if base_url:
        return base_url
    if cname:
        return f"https://{cname}/"
    match = _GITHUB.search(remote_url or "")
    if not match:
        return None
    owner, name = match["owner"].lower(), match["repo"]
    return f"https://{owner}.github.io/" + (
        "" if name.lower() == f"{owner}.github.io" else name + "/"
    )


def remote_url(repo: Path, remote: str) -> str | None:
    """The address of a remote, if the repository has it."""
    return Git(repo).try_out("remote", "get-url", remote)


class Git:
    """Runs git in one repository; a failure becomes a PublishError quoting git."""

    def __init__(self, repo: Path):
        self.repo = repo

    def out(self, *args: str, data: bytes | None = None) -> str:
        result = self._run(args, data)
        if result.returncode != 0:
            said = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise PublishError(f"git {args[0]} failed: {said[-1] if said else 'no message'}")
        return result.stdout.decode("utf-8").strip()

    def try_out(self, *args: str) -> str | None:
        result = self._run(args, None)
        return result.stdout.decode("utf-8").strip() or None if result.returncode == 0 else None

    def _run(self, args: tuple[str, ...], data: bytes | None) -> subprocess.CompletedProcess[bytes]:
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        try:
            return subprocess.run(
                ["git", *args], cwd=self.repo, input=data, capture_output=True, env=env
            )
        except FileNotFoundError:
            raise PublishError("git is not installed; install git to publish") from None
