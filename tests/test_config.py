"""Config: the schema, precedence (defaults < file < environment < flags), and errors that
are all reported together, each naming its key."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from timeline.config import (
    CHECKS,
    Config,
    build_config,
    load_config,
    option_docs,
    option_names,
)
from timeline.errors import ConfigError


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "articles").mkdir()
    return tmp_path


def write(project: Path, text: str) -> Path:
    path = project / "timeline.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_option_has_a_check_and_a_docstring():
    assert set(CHECKS) == set(option_names()) == {f.name for f in fields(Config)}
    docs = option_docs()
    assert set(docs) == set(option_names())
    assert all(len(doc) > 10 for doc in docs.values())


def test_defaults_without_a_file(project):
    loaded = load_config(env={})
    assert loaded.file is None and loaded.warnings == ()
    assert loaded.config == Config(source=Path("articles"), output=Path("site"))


def test_file_values_are_typed(project):
    write(
        project,
        'title = "Kim in Russia"\ntimezone = "Asia/Seoul"\ndate_order = "dmy"\n'
        'base_url = "https://me.github.io/kim"\nsource = "articles"\n',
    )
    config = load_config(env={}).config
    assert config.title == "Kim in Russia"
    assert str(config.zone) == "Asia/Seoul"
    assert config.date_order == "DMY"
    assert config.base_url == "https://me.github.io/kim/"
    assert config.base_path == "/kim/"


@pytest.mark.parametrize(
    ("file_value", "env", "flag", "expected"),
    [
        (None, None, None, "Timeline"),
        ("From file", None, None, "From file"),
        ("From file", "From env", None, "From env"),
        ("From file", "From env", "From flag", "From flag"),
        (None, None, "From flag", "From flag"),
    ],
)
def test_precedence(project, file_value, env, flag, expected):
    if file_value:
        write(project, f'title = "{file_value}"\n')
    environment = {"TIMELINE_TITLE": env} if env else {}
    loaded = load_config(env=environment, overrides={"title": flag})
    assert loaded.config.title == expected


def test_folders_in_the_file_are_relative_to_the_file(tmp_path, monkeypatch):
    (tmp_path / "proj" / "news").mkdir(parents=True)
    path = tmp_path / "proj" / "timeline.toml"
    path.write_text('source = "news"\noutput = "public"\n')
    monkeypatch.chdir(tmp_path)
    config = load_config(path, env={}).config
    assert config.source == tmp_path / "proj" / "news"
    assert config.output == tmp_path / "proj" / "public"


def test_every_error_is_reported_together_naming_its_key(project):
    write(
        project,
        'title = 3\ntimezone = "Mars/Olympus"\ndate_order = "YMD"\nbase_url = "ftp://x"\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_config(env={"TIMELINE_LANGUAGE": "english!"})
    problems = caught.value.problems
    keys = ["title", "timezone", "date_order", "base_url", "language"]
    assert len(problems) == len(keys)
    for key, problem in zip(keys, problems, strict=True):
        assert problem.startswith(f"Config value {key!r}")
    assert "(from environment)" in problems[-1]
    assert "Mars/Olympus" in problems[1] and "Europe/London" in problems[1]


def test_unknown_keys_are_warnings_with_a_suggestion(project):
    write(project, 'titel = "Typo"\nsource = "articles"\n')
    loaded = load_config(env={})
    assert [w.message for w in loaded.warnings] == ["unknown config key 'titel'"]
    assert "did you mean 'title'" in loaded.warnings[0].hint


def test_unrelated_timeline_variables_are_ignored(project):
    loaded = load_config(env={"TIMELINE_REQUIRE_BROWSER": "1", "TIMELINE_DATE_ORDER": "DMY"})
    assert loaded.config.date_order == "DMY"


@pytest.mark.parametrize(
    ("source", "output", "message"),
    [
        ("articles", "articles", "is the source folder"),
        ("articles", "articles/site", "is inside the sources"),
        ("articles", ".", "contains the sources"),
        ("news/articles", "news", "contains the sources"),
    ],
)
def test_output_must_stay_clear_of_the_sources(project, source, output, message):
    with pytest.raises(ConfigError) as caught:
        load_config(env={}, overrides={"source": Path(source), "output": Path(output)})
    assert caught.value.problems[0].startswith("Config value 'output'")
    assert message in caught.value.problems[0]


def test_output_beside_the_sources_is_fine(project):
    config = load_config(env={}, overrides={"output": Path("public")}).config
    assert config.output == Path("public")


def test_bad_toml_names_the_file(project):
    write(project, "title = \n")
    with pytest.raises(ConfigError, match=r"timeline\.toml is not valid TOML"):
        load_config(env={})


def test_missing_config_file_given_explicitly(project):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(project / "other.toml", env={})


def test_build_config_carries_the_settings_and_the_warnings(project):
    write(project, 'title = "T"\ntimezone = "Europe/Paris"\ncolour = "red"\n')
    built = build_config(load_config(env={}), strict=True)
    assert (built.title, str(built.default_tz), built.strict) == ("T", "Europe/Paris", True)
    assert [p.message for p in built.problems] == ["unknown config key 'colour'"]


def test_build_config_refuses_a_missing_source(project):
    with pytest.raises(ConfigError, match="'source': the folder nowhere does not exist"):
        build_config(load_config(env={}, overrides={"source": Path("nowhere")}))
