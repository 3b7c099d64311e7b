"""The command line: build and check on a small project made in a temporary folder.

Exit codes are part of the interface: 0 ok, 1 build or validation failure, 2 usage error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from timeline.cli import app

runner = CliRunner()

ARTICLE = """---
title: Kim to visit Russia
published: 2023-09-05T00:00:00+00:00
source: Example News
---
North Korean leader Kim Jong Un plans to travel to Russia this month to meet President
Vladimir Putin, officials said on Monday.

Defence Minister Sergei Shoigu visited Pyongyang in July.
"""

NAIVE = """---
title: Kim arrives
published: 2023-09-12T08:00:00
---
Kim Jong Un arrived in Russia on Tuesday, state media said.
"""


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "kim-to-visit.md").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "timeline.toml").write_text('title = "Kim in Russia"\n', encoding="utf-8")
    return tmp_path


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def test_build_writes_the_site_and_prints_one_summary_line(project):
    result = invoke("build")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Built 1 articles, ")
    assert " expressions, " in result.stdout and " pages in " in result.stdout
    index = (project / "site" / "index.html").read_text()
    assert "Kim in Russia" in index
    assert (project / "site" / "articles" / "kim-to-visit.html").is_file()


def test_flags_beat_environment_beat_file(project):
    result = invoke("build", "--title", "From flag", env={"TIMELINE_TITLE": "From env"})
    assert result.exit_code == 0, result.output
    assert "From flag" in (project / "site" / "index.html").read_text()
    result = invoke("build", env={"TIMELINE_TITLE": "From env"})
    assert "From env" in (project / "site" / "index.html").read_text()


def test_warnings_are_printed_and_strict_makes_them_fail_without_writing(project):
    (project / "articles" / "naive.md").write_text(NAIVE, encoding="utf-8")
    result = invoke("build")
    assert result.exit_code == 0
    assert "warning: naive.md: publish date '2023-09-12 08:00:00' has no timezone" in (
        result.stderr
    )
    (project / "site").rename(project / "old-site")
    result = invoke("build", "--strict")
    assert result.exit_code == 1
    assert "--strict makes them fatal" in result.stderr
    assert "naive.md" in result.stderr
    assert not (project / "site").exists()


def test_quiet_prints_nothing_and_verbose_prints_the_settings(project):
    quiet = invoke("build", "-q")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    verbose = invoke("build", "-v")
    assert "config: timeline.toml" in verbose.stderr
    assert "title = 'Kim in Russia'" in verbose.stderr


def test_clean_removes_what_earlier_builds_left(project):
    assert invoke("build").exit_code == 0
    (project / "site" / ".well-known").mkdir()
    assert invoke("build").exit_code == 0
    assert (project / "site" / ".well-known").is_dir(), "dot folders are kept by default"
    assert invoke("build", "--clean").exit_code == 0
    assert not (project / "site" / ".well-known").exists()
    assert (project / "site" / "index.html").is_file()


def test_no_cache_makes_the_same_site_without_touching_the_cache(project):
    assert invoke("build").exit_code == 0
    cache = project / ".timeline-cache"
    assert cache.is_dir(), "a normal build keeps its results beside the output"
    before = {p: p.stat().st_mtime_ns for p in cache.rglob("*") if p.is_file()}
    site = {
        p.relative_to(project): p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()
    }
    result = invoke("build", "--no-cache", "--out", "fresh")
    assert result.exit_code == 0, result.output
    after = {p: p.stat().st_mtime_ns for p in cache.rglob("*") if p.is_file()}
    assert after == before, "--no-cache left the cache as it was"
    fresh = {
        p.relative_to(project / "fresh"): p.read_bytes()
        for p in (project / "fresh").rglob("*")
        if p.is_file()
    }
    assert {p.relative_to("site"): b for p, b in site.items()} == fresh


@pytest.mark.parametrize(
    ("args", "env", "code", "message"),
    [
        (["build", "--base-url", "ftp://nowhere"], {}, 1, "Config value 'base_url' (from flags)"),
        (["build", "--out", "articles"], {}, 1, "Config value 'output'"),
        (["build"], {"TIMELINE_TIMEZONE": "Mars/Olympus"}, 1, "Config value 'timezone'"),
        (["build", "--source", "missing"], {}, 2, "does not exist"),
        (["build", "--no-such-flag"], {}, 2, "No such option"),
        (["build", "--config", "other.toml"], {}, 1, "other.toml does not exist"),
        (["check", "--source", "missing"], {}, 2, "does not exist"),
    ],
)
def test_errors_and_exit_codes(project, args, env, code, message):
    result = invoke(*args, env=env)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_all_config_errors_are_reported_at_once(project):
    (project / "timeline.toml").write_text('timezone = "Nowhere/City"\ndate_order = "YMD"\n')
    result = invoke("build")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2
    assert "'timezone'" in errors[0] and "'date_order'" in errors[1]


def test_unknown_config_key_is_a_warning_and_fails_strict(project):
    (project / "timeline.toml").write_text('titel = "Typo"\n')
    result = invoke("build")
    assert result.exit_code == 0
    assert "unknown config key 'titel' (did you mean 'title'?)" in result.stderr
    assert invoke("build", "--strict").exit_code == 1


def test_check_passes_and_writes_nothing(project):
    result = invoke("check")
    assert result.exit_code == 0, result.output
    assert "OK: 1 article, " in result.stdout
    assert not (project / "site").exists()


def test_check_reports_every_problem_and_fails(project):
    (project / "articles" / "naive.md").write_text(NAIVE, encoding="utf-8")
    (project / "articles" / "broken.md").write_text("---\ntitle: [unclosed\n---\nText.\n")
    (project / "articles" / "undated.txt").write_text("Kim met Putin on Wednesday.\n")
    result = invoke("check")
    assert result.exit_code == 1
    problems = [line for line in result.stderr.splitlines() if line.startswith("problem: ")]
    assert len(problems) == 3
    assert any(p.startswith("problem: broken.md:") for p in problems)
    assert any("naive.md" in p and "no timezone" in p for p in problems)
    assert any("undated.txt" in p and "no publish date" in p for p in problems)
    assert "3 problems in 3 files" in result.stderr
    assert not (project / "site").exists()


def test_check_with_published_flag_dates_undated_files(project):
    (project / "articles" / "undated.txt").write_text("Kim met Putin on Wednesday.\n")
    assert invoke("check").exit_code == 1
    assert invoke("check", "--published", "2023-09-13T00:00:00+00:00").exit_code == 0


@pytest.mark.parametrize("command", ["build", "check", "dates", "eval"])
def test_help_teaches(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_build_reports_progress_once_per_article(project):
    from timeline.build import build
    from timeline.config import build_config, load_config

    (project / "articles" / "second.md").write_text(ARTICLE.replace("Kim to visit", "Second"))
    calls: list[tuple[int, int]] = []
    config = build_config(
        load_config(env={}), progress=lambda done, total: calls.append((done, total))
    )
    build(config)
    assert calls == [(1, 2), (2, 2)]


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(project):
    (project / "templates").mkdir()
    (project / "templates" / "index.html").write_text("{% if x %}never closed")
    result = invoke("build")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: TemplateSyntaxError: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--debug" in result.stderr
    debug = invoke("--debug", "build")
    assert debug.exit_code == 1 and debug.exception is not None
