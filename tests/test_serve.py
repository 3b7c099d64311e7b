"""serve: a real server on 127.0.0.1 (a free port), a page fetched, an article edited, the
page seen to change. Every wait is bounded and the server is always stopped."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from timeline.cli import app
from timeline.config import build_config, load_config
from timeline.errors import UsageError
from timeline.serve import Preview

ARTICLE = """---
title: Kim to visit Russia
published: 2023-09-05T00:00:00+00:00
---
North Korean leader Kim Jong Un plans to travel to Russia this month, officials said on Monday.
"""
WAIT = 30.0  # seconds, an upper bound only: each wait ends as soon as the change is seen


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "kim.md").write_text(ARTICLE)
    (tmp_path / "timeline.toml").write_text(
        'title = "Kim in Russia"\nbase_url = "https://me.github.io/story/"\n'
    )
    return tmp_path


@pytest.fixture
def preview(project) -> Iterator[Preview]:
    config_file = project / "timeline.toml"

    def make_config():
        return build_config(load_config(config_file, env={}))

    server = Preview(
        make_config,
        watch=[project / "articles", project / "templates"],
        config_file=config_file,
        port=0,
        base_path=load_config(config_file, env={}).config.base_path,
        log=lambda line: None,
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def status(preview: Preview, path: str) -> tuple[int, str]:
    host, port = preview.url.split("//")[1].split("/")[0].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.getheader("Location") or ""
    finally:
        conn.close()


def until_changed(preview: Preview, edit: Callable[[], None]) -> None:
    """Make the edit, repeating it until the server has rebuilt (the watcher may still be
    starting when the first edit lands)."""
    before = fetch(preview.url + "__timeline__/version")
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        edit()
        for _ in range(20):
            if fetch(preview.url + "__timeline__/version") != before:
                return
            time.sleep(0.1)
    pytest.fail("the server did not rebuild after the edit")


def test_page_changes_when_an_article_is_edited(project, preview):
    page = fetch(preview.url + "articles/kim.html")
    assert "plans to travel to Russia" in page
    assert "Vostochny" not in page
    article = project / "articles" / "kim.md"
    until_changed(
        preview,
        lambda: article.write_text(
            ARTICLE + "\nHe will meet Putin at the Vostochny cosmodrome on Wednesday.\n"
        ),
    )
    assert "Vostochny" in fetch(preview.url + "articles/kim.html")


def test_config_change_rebuilds(project, preview):
    assert "Kim in Russia" in fetch(preview.url)
    config = project / "timeline.toml"
    until_changed(
        preview,
        lambda: config.write_text(
            'title = "Summit in the Far East"\nbase_url = "https://me.github.io/story/"\n'
        ),
    )
    assert "Summit in the Far East" in fetch(preview.url)


def test_a_broken_edit_keeps_the_last_good_site(project, preview):
    config = project / "timeline.toml"
    config.write_text('timezone = "Nowhere/City"\nbase_url = "https://me.github.io/story/"\n')
    assert preview.rebuild() is None
    assert "Kim in Russia" in fetch(preview.url)


def test_served_under_the_base_path_with_the_reload_script(project, preview):
    assert preview.url.endswith("/story/")
    page = fetch(preview.url)
    assert '<script src="/story/__timeline__/reload.js"></script></body>' in page
    assert "location.reload()" in fetch(preview.url + "__timeline__/reload.js")
    assert status(preview, "/") == (302, "/story/")
    assert status(preview, "/elsewhere/index.html")[0] == 404
    assert status(preview, "/story/../../../etc/passwd")[0] == 404
    assert status(preview, "/story/no-such-page.html")[0] == 404


def test_the_reload_script_is_never_written_to_disk(project, preview):
    assert not (project / "site").exists(), "serve leaves the output folder alone"
    on_disk = [p.read_bytes() for p in preview.site.rglob("*.html")]
    assert on_disk and not any(b"__timeline__" in page for page in on_disk)


def test_stop_frees_the_port(project):
    config_file = project / "timeline.toml"
    server = Preview(
        lambda: build_config(load_config(config_file, env={})),
        watch=[],
        port=0,
        log=lambda line: None,
    )
    server.start()
    url = server.url
    server.stop()
    with pytest.raises(urllib.error.URLError):
        fetch(url)


def test_a_port_in_use_is_a_usage_error(project, preview):
    port = int(preview.url.split(":")[2].split("/")[0])
    with pytest.raises(UsageError, match=f"cannot serve on 127.0.0.1:{port}"):
        Preview(lambda: None, watch=[], port=port)  # type: ignore[arg-type, return-value]


def test_serve_command_refuses_a_broken_config_before_serving(project):
    (project / "timeline.toml").write_text('date_order = "YMD"\n')
    result = CliRunner().invoke(app, ["serve", "--port", "0"])
    assert result.exit_code == 1
    assert "Config value 'date_order'" in result.stderr


def test_serve_command_serves_until_interrupted(project):
    import signal
    import subprocess
    import sys

    def interruptible() -> None:
        # A shell without job control starts background jobs with SIGINT ignored, and a child
        # inherits that (a CI run started in the background would then never see Ctrl+C).
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    proc = subprocess.Popen(
        [sys.executable, "-m", "timeline", "serve", "--port", "0"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        preexec_fn=interruptible,
    )
    try:
        line = proc.stdout.readline()  # the server prints its address once it is up
        assert line.startswith("Serving http://127.0.0.1:"), line
        url = line.split()[1]
        assert url.endswith("/story/")
        assert "Kim in Russia" in fetch(url)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=WAIT) == 0
        assert "Stopped" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=WAIT)
