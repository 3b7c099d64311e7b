"""`timeline new` makes a project that checks, builds and serves as it is; the workflows use the
current GitHub Pages actions and ship .nojekyll."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from timeline.cli import app
from timeline.config import option_names
from timeline.scaffold import config_text

ROOT = Path(__file__).parent.parent
runner = CliRunner()


def test_new_project_is_ready(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["new", "kim-summit"])
    assert result.exit_code == 0, result.output
    project = tmp_path / "kim-summit"
    for rel in (
        "timeline.toml",
        "README.md",
        "articles/example.md",
        ".github/workflows/pages.yml",
        ".gitignore",
        "requirements.txt",
    ):
        assert (project / rel).is_file(), rel
    assert "Next: cd kim-summit && timeline serve" in result.stdout
    monkeypatch.chdir(project)
    check = runner.invoke(app, ["check"])
    assert check.exit_code == 0, check.output
    build = runner.invoke(app, ["build", "--strict"])
    assert build.exit_code == 0, build.output
    assert "Kim summit" in (project / "site" / "index.html").read_text()
    assert "# Kim summit" in (project / "README.md").read_text()


def test_new_title_option(tmp_path):
    result = runner.invoke(app, ["new", str(tmp_path / "p"), "--title", "Bridge repairs"])
    assert result.exit_code == 0
    config = tomllib.loads((tmp_path / "p" / "timeline.toml").read_text())
    assert config["title"] == "Bridge repairs"


def test_new_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "old.txt").write_text("keep me")
    result = runner.invoke(app, ["new", str(tmp_path)])
    assert result.exit_code == 1
    assert "already exists and is not empty" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["old.txt"]


def test_new_accepts_an_empty_folder(tmp_path):
    assert runner.invoke(app, ["new", str(tmp_path)]).exit_code == 0


def test_config_file_lists_every_option():
    text = config_text('A "quoted" title')
    assert tomllib.loads(text)["title"] == 'A "quoted" title'
    for name in option_names():
        assert f"{name} = " in text, name


WORKFLOWS = [
    ROOT / ".github" / "workflows" / "pages.yml",
    ROOT / "timeline" / "resources" / "scaffold" / "pages.yml",
]


@pytest.mark.parametrize("path", WORKFLOWS, ids=["repository", "scaffold"])
def test_pages_workflow(path):
    workflow = yaml.safe_load(path.read_text())
    steps = workflow["jobs"]["build"]["steps"]
    uses = {s["uses"].split("@")[0]: s for s in steps if "uses" in s}
    assert uses["actions/configure-pages"]["uses"].endswith("@v6")
    upload = uses["actions/upload-pages-artifact"]
    assert upload["uses"].endswith("@v5")
    assert upload["with"] == {"path": "site", "include-hidden-files": True}
    build = next(s for s in steps if "timeline build" in s.get("run", ""))
    assert "--strict" in build["run"] and '--base-url "$BASE_URL"' in build["run"]
    assert build["env"]["BASE_URL"] == "${{ steps.pages.outputs.base_url }}"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["steps"][0]["uses"] == "actions/deploy-pages@v5"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert workflow["permissions"] == {"contents": "read"}


def test_pull_request_check_builds_without_deploying():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "check.yml").read_text())
    assert list(workflow[True]) == ["pull_request"]  # YAML reads the key `on` as True
    runs = [s.get("run", "") for s in workflow["jobs"]["build"]["steps"]]
    assert "timeline check" in runs
    assert any(r.startswith("timeline build --strict") for r in runs)
    uses = [s.get("uses", "") for s in workflow["jobs"]["build"]["steps"]]
    assert not any("pages" in u for u in uses)
