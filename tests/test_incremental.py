"""Incremental builds: after an edit to the sources, a build that reuses the cache of the last
one writes the same site, byte for byte, as a build from scratch."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from timeline import site_search
from timeline.build import BuildConfig, build
from timeline.render import default_templates

ROOT = Path(__file__).parent.parent
SEEDS = ROOT / "seeds"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def make(project: Path, out: Path, cache: bool) -> None:
    templates = project / "templates"
    config = BuildConfig(
        source=project / "articles",
        out=out,
        title="Kim's trip",
        templates=templates if templates.is_dir() else None,
        executor="serial",
        cache=cache,
    )
    build(config)


def article(project: Path, n: int) -> Path:
    return sorted((project / "articles").glob(f"{n:03d}_*.md"))[0]


def change_sentence(project: Path) -> None:
    path = article(project, 1)
    text = path.read_text("utf-8")
    said = "had proposed to Kim that their countries hold a naval exercise"
    assert said in text
    path.write_text(text.replace(said, "had asked Kim whether their navies could train"), "utf-8")


def add_dated_sentence(project: Path) -> None:
    path = article(project, 2)
    text = path.read_text("utf-8")
    path.write_text(text + "\nThe delegation flew home on Sept. 17, 2023.\n", "utf-8")


def delete_article(project: Path) -> None:
    article(project, 3).unlink()


def add_article(project: Path) -> None:
    text = article(project, 4).read_text("utf-8").replace("title: ", "title: Copy of ", 1)
    (project / "articles" / "009_added.md").write_text(text, "utf-8")


def add_note(project: Path) -> None:
    events = json.loads((project / "site" / "timeline.json").read_text("utf-8"))["events"]
    notes = project / "articles" / "notes.yaml"
    notes.write_text(f"{events[1]['id']}: An *editor's* note.\n", "utf-8")


def change_about(project: Path) -> None:
    about = project / "articles" / "about.md"
    about.write_text(about.read_text("utf-8") + "\nA line more.\n", "utf-8")


def own_template(project: Path) -> None:
    folder = project / "templates"
    folder.mkdir(exist_ok=True)
    text = (default_templates() / "event.html").read_text("utf-8")
    assert "Where the date comes from" in text
    (folder / "event.html").write_text(text.replace("Where the date comes from", "Sources"))


def own_template_then_edit(project: Path) -> None:
    own_template(project)
    make(project, project / "site", cache=True)
    path = project / "templates" / "event.html"
    path.write_text(path.read_text("utf-8").replace("Sources", "Told by"), "utf-8")


def own_template_then_sentence(project: Path) -> None:
    own_template(project)
    make(project, project / "site", cache=True)
    change_sentence(project)


EDITS: dict[str, Callable[[Path], None]] = {
    "a sentence changed": change_sentence,
    "a dated sentence added": add_dated_sentence,
    "an article deleted": delete_article,
    "an article added": add_article,
    "notes.yaml written": add_note,
    "about.md changed": change_about,
    "a template of the project's own": own_template,
    "a template of the project's own edited": own_template_then_edit,
    "a sentence changed under the project's own template": own_template_then_sentence,
}


@pytest.fixture(autouse=True)
def no_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """Search is built by Pagefind, outside what these tests are about (and slow)."""
    monkeypatch.setattr(site_search, "executable", lambda: None)


@pytest.mark.parametrize("edit", list(EDITS.values()), ids=list(EDITS))
def test_a_rebuild_after_an_edit_equals_a_build_from_scratch(tmp_path, edit):
    project = tmp_path / "project"
    shutil.copytree(SEEDS, project / "articles")
    make(project, project / "site", cache=True)
    before = tree(project / "site")
    edit(project)
    make(project, project / "site", cache=True)
    make(project, tmp_path / "scratch" / "site", cache=False)
    incremental, scratch = tree(project / "site"), tree(tmp_path / "scratch" / "site")
    assert incremental != before, "the edit shows in the site"
    changed = sorted(
        k for k in incremental.keys() | scratch.keys() if incremental.get(k) != scratch.get(k)
    )
    assert not changed


def test_a_rebuild_without_changes_renders_from_the_cache_and_writes_nothing(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(SEEDS, project / "articles")
    make(project, project / "site", cache=True)
    inodes = {p: p.stat().st_ino for p in (project / "site").rglob("*.html")}
    make(project, project / "site", cache=True)
    assert {p: p.stat().st_ino for p in (project / "site").rglob("*.html")} == inodes


def test_a_page_edited_by_hand_is_rewritten(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(SEEDS, project / "articles")
    make(project, project / "site", cache=True)
    page = next((project / "site" / "events").glob("*.html"))
    original = page.read_bytes()
    edited = original.replace(b"<h1>", b"<H1>", 1)
    assert edited != original
    page.write_bytes(edited)  # same size: only the time it was modified tells
    make(project, project / "site", cache=True)
    assert page.read_bytes() == original
