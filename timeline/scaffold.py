"""`timeline new`: a ready project in a new folder.

It holds a `timeline.toml` listing every setting with its explanation and default, an example
article, a README, a `.gitignore`, a `requirements.txt` saying where CI installs timeline from,
and the GitHub Pages workflow. The files' text lives in `resources/scaffold/`.
"""

from __future__ import annotations

import json
from dataclasses import fields
from importlib import metadata, resources
from pathlib import Path
from string import Template

from timeline import __version__
from timeline.config import Config, option_docs
from timeline.errors import TimelineError

_LAYOUT = {  # file in the new project -> its resource
    "README.md": "README.md",
    "articles/example.md": "example.md",
    ".github/workflows/pages.yml": "pages.yml",
    ".gitignore": "gitignore",
}
_SET = ("title", "description", "source", "output")  # written as values; the rest commented


class ScaffoldError(TimelineError):
    """The new project cannot be made where asked."""


def new_project(folder: Path, title: str) -> list[Path]:
    """Make a project in `folder` (missing or empty); returns the files written."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ScaffoldError(f"{folder} already exists and is not empty; choose a new folder")
    files = {rel: _resource(name, title) for rel, name in _LAYOUT.items()}
    files["timeline.toml"] = config_text(title)
    files["requirements.txt"] = requirements_text()
    written = []
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def config_text(title: str) -> str:
    """A timeline.toml with every option: its explanation, then its value or its default."""
    docs = option_docs()
    values = {"title": title, "description": "", "source": "articles", "output": "site"}
    blocks = ["# Settings for `timeline`. Environment variables TIMELINE_<KEY> and flags win.\n"]
    for f in fields(Config):
        doc = "\n".join(f"# {line}" for line in _wrap(docs[f.name]))
        if f.name in _SET:
            blocks.append(f"{doc}\n{f.name} = {_toml(values[f.name])}\n")
        else:
            blocks.append(f"{doc}\n# {f.name} = {_toml(f.default)}\n")
    return "\n".join(blocks)


def requirements_text() -> str:
    """Where CI installs timeline from: the address this copy came from, when it has one."""
    lines = [
        "# Where the Pages workflow installs timeline from, e.g.",
        "#   timeline @ git+https://github.com/OWNER/timeline@v" + __version__,
        "#   ./vendor/timeline-" + __version__ + "-py3-none-any.whl",
    ]
    origin = _install_origin()
    return "\n".join(lines + ([origin] if origin else [])) + "\n"


def _install_origin() -> str | None:
    """`timeline @ <url>` when this copy was installed from a git or web address (PEP 610)."""
    try:
        data = metadata.distribution("timeline").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    info = json.loads(data) if data else {}
    url = str(info.get("url", ""))
    if not url or url.startswith("file:"):
        return None
    vcs = info.get("vcs_info")
    if isinstance(vcs, dict):
        commit = vcs.get("commit_id")
        return f"timeline @ {vcs.get('vcs', 'git')}+{url}" + (f"@{commit}" if commit else "")
    return f"timeline @ {url}"


def _resource(name: str, title: str) -> str:
    text = resources.files("timeline").joinpath(f"resources/scaffold/{name}").read_text("utf-8")
    return Template(text).safe_substitute(title=title)


def _toml(value: object) -> str:
    return json.dumps(str(value), ensure_ascii=False)


def _wrap(text: str, width: int = 96) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines
