"""The project's configuration: one typed schema, read from `timeline.toml`.

Each option is declared once in `SCHEMA` with its default and its docstring. Values come from,
in rising precedence: the defaults, the config file, `TIMELINE_<KEY>` environment variables, and
command-line flags. Every problem is collected and reported together
(`Config value 'timezone': ...`); keys the schema does not know are warnings, not errors.
Folders given in the file are relative to the file's own folder; those from the environment or
flags are relative to the current folder.
"""

from __future__ import annotations

import difflib
import itertools
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from timeline.errors import ConfigError
from timeline.model import Problem

if TYPE_CHECKING:
    from timeline.build import BuildConfig

CONFIG_FILE = "timeline.toml"
ENV_PREFIX = "TIMELINE_"
PATH_KEYS = ("source", "output", "templates")


@dataclass(frozen=True)
class Config:
    """A project's settings, validated; every field has its default here."""

    title: str = "Timeline"
    """The site's title, shown on every page."""
    description: str = ""
    """A short introduction to the story, in Markdown, shown above the timeline."""
    base_url: str = ""
    """Where the site will be published, e.g. https://you.github.io/story/ ; `serve` previews
    under its path and `publish` prints it. Links inside the site stay relative."""
    source: Path = Path("articles")
    """The folder of articles (.md, .txt, .html, .htm, .jsonl)."""
    output: Path = Path("site")
    """The folder the site is written to; replaced whole by every build."""
    templates: Path = Path("templates")
    """A folder of templates overriding the shipped ones by name; may be missing."""
    timezone: str = "UTC"
    """The timezone (a zoneinfo name such as 'Europe/Paris') for publish dates without one."""
    language: str = "en"
    """The language of articles that do not say theirs."""
    date_order: str = "MDY"
    """How to read an ambiguous numeric date such as 03/04/2023: MDY or DMY."""
    cname: str = ""
    """A custom domain for GitHub Pages; `publish` writes it to a CNAME file."""
    remote_name: str = "origin"
    """The git remote that `publish --push` pushes to."""
    remote_branch: str = "gh-pages"
    """The branch that `publish` commits the site to."""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_path(self) -> str:
        """The path part of base_url, always starting and ending with '/'."""
        path = urlsplit(self.base_url).path.strip("/")
        return f"/{path}/" if path else "/"


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config, the file it came from, and the warnings reading it raised."""

    config: Config
    file: Path | None = None
    warnings: tuple[Problem, ...] = field(default=())


def option_names() -> tuple[str, ...]:
    """Every key the config file may hold, in schema order."""
    return tuple(f.name for f in fields(Config))


def option_docs() -> dict[str, str]:
    """Each option's docstring, read from the Config class source (for `--help` and docs)."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(Config))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for node, after in itertools.pairwise(body):
        if isinstance(node, ast.AnnAssign) and isinstance(after, ast.Expr):
            name = node.target.id  # type: ignore[union-attr]
            docs[name] = " ".join(str(after.value.value).split())  # type: ignore[attr-defined]
    return docs


def load_config(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> LoadedConfig:
    """Read the config: defaults < file (`path`, or ./timeline.toml if present) < environment <
    overrides (flags; None values are ignored). Raises ConfigError with every problem found."""
    file = _find_file(path)
    raw, warnings = _read_file(file) if file else ({}, [])
    layers = [
        (raw, file.parent if file else Path("."), str(file) if file else ""),
        (_from_env(os.environ if env is None else env), Path("."), "environment"),
        ({k: v for k, v in (overrides or {}).items() if v is not None}, Path("."), "flags"),
    ]
    values: dict[str, Any] = {}
    problems: list[str] = []
    for layer, base, origin in layers:
        for key, value in layer.items():
            checked = _check(key, value, base, origin, problems)
            if checked is not None:
                values[key] = checked
    config = Config(**values)
    problems.extend(_check_folders(config))
    if problems:
        raise ConfigError(problems)
    return LoadedConfig(config, file, tuple(warnings))


def _find_file(path: Path | None) -> Path | None:
    if path is not None:
        if not path.is_file():
            raise ConfigError([f"config file {path} does not exist"])
        return path
    default = Path(CONFIG_FILE)
    return default if default.is_file() else None


def _read_file(file: Path) -> tuple[dict[str, Any], list[Problem]]:
    """The file's known keys, and a warning for each unknown one."""
    try:
        data = tomllib.loads(file.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError([f"{file} is not valid TOML: {err}"]) from None
    known = option_names()
    warnings = [
        Problem(str(file), f"unknown config key {key!r}", _did_you_mean(key, known))
        for key in data
        if key not in known
    ]
    return {k: v for k, v in data.items() if k in known}, warnings


def _did_you_mean(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"


def _from_env(env: Mapping[str, str]) -> dict[str, str]:
    """TIMELINE_<KEY> variables for the known keys; other TIMELINE_* variables are not ours."""
    return {
        key: env[ENV_PREFIX + key.upper()]
        for key in option_names()
        if ENV_PREFIX + key.upper() in env
    }


def _check(key: str, value: Any, base: Path, origin: str, problems: list[str]) -> Any:
    """The value converted to its option's type, or None with a problem recorded."""
    try:
        checked = CHECKS[key](value)
    except ValueError as err:
        where = f" (from {origin})" if origin else ""
        problems.append(f"Config value {key!r}{where}: {err}")
        return None
    if key in PATH_KEYS:
        return checked if checked.is_absolute() else base / checked
    return checked


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__} {value!r}")
    return value.strip()


def _title(value: Any) -> str:
    text = _text(value)
    if not text:
        raise ValueError("must not be empty")
    return text


def _folder(value: Any) -> Path:
    text = _text(str(value) if isinstance(value, Path) else value)
    if not text:
        raise ValueError("must name a folder")
    return Path(text)


def _timezone(value: Any) -> str:
    name = _text(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{name!r} is not a timezone name; use a zoneinfo name such as 'UTC', "
            "'Europe/London' or 'Asia/Seoul'"
        ) from None
    return name


def _date_order(value: Any) -> str:
    order = _text(value).upper()
    if order not in ("MDY", "DMY"):
        raise ValueError(f"{value!r} is not a date order; use 'MDY' (03/04 = March 4) or 'DMY'")
    return order


def _language(value: Any) -> str:
    code = _text(value).lower()
    if not (2 <= len(code) <= 3 and code.isalpha()):
        raise ValueError(f"{value!r} is not a language code; use e.g. 'en'")
    return code


def _base_url(value: Any) -> str:
    url = _text(value)
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url!r} is not a web address; write e.g. 'https://you.github.io/story/'")
    return url if url.endswith("/") else url + "/"


def _cname(value: Any) -> str:
    name = _text(value).lower()
    if name and ("/" in name or "." not in name or " " in name):
        raise ValueError(f"{value!r} is not a domain name; write e.g. 'timeline.example.org'")
    return name


def _name(value: Any) -> str:
    text = _text(value)
    if not text or any(c.isspace() for c in text):
        raise ValueError(f"{value!r} must be one word")
    return text


CHECKS: dict[str, Callable[[Any], Any]] = {
    "title": _title,
    "description": _text,
    "base_url": _base_url,
    "source": _folder,
    "output": _folder,
    "templates": _folder,
    "timezone": _timezone,
    "language": _language,
    "date_order": _date_order,
    "cname": _cname,
    "remote_name": _name,
    "remote_branch": _name,
}


def _check_folders(config: Config) -> list[str]:
    """The output folder is replaced by every build, so it must stay clear of the sources."""
    out, src = config.output.resolve(), config.source.resolve()
    if out == src:
        return [f"Config value 'output': {config.output} is the source folder; use e.g. 'site'"]
    if src in out.parents:
        return [f"Config value 'output': {config.output} is inside the sources {config.source}"]
    if out in src.parents:
        return [
            f"Config value 'output': {config.output} contains the sources {config.source}, "
            "and every build replaces it whole; use e.g. 'site'"
        ]
    return []


def build_config(loaded: LoadedConfig, **settings: Any) -> BuildConfig:
    """The BuildConfig for this project; `settings` are the build's own switches (strict, ...)."""
    from timeline.build import BuildConfig

    config = loaded.config
    if not config.source.is_dir():
        raise ConfigError(
            [
                f"Config value 'source': the folder {config.source} does not exist; "
                "create it, or set 'source' in timeline.toml (or pass --source)"
            ]
        )
    return BuildConfig(
        source=config.source,
        out=config.output,
        title=config.title,
        templates=config.templates,
        default_tz=config.zone,
        language=config.language,
        date_order=config.date_order,
        description=config.description,
        base_url=config.base_url,
        problems=loaded.warnings,
        **settings,
    )
