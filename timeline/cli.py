"""The command line. It only parses flags, calls the library and prints; no logic lives here.

Exit codes: 0 ok, 1 build or validation failure, 2 usage error.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from timeline import __version__
from timeline.errors import TimelineError, UsageError
from timeline.model import Mention

app = typer.Typer(
    help="Turn a folder of news articles about one story into one browsable timeline site.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
eval_app = typer.Typer(help="Score the tool against public gold data.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

_debug = False
_FRONT_MATTER = re.compile(r"\ufeff?---\r?\n(?:.*?\r?\n)?---(?:\r?\n|$)", re.DOTALL)


class DatesFormat(StrEnum):
    text = "text"
    json = "json"
    timeml = "timeml"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"timeline {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    """Turn a folder of news articles about one story into one browsable timeline site."""
    global _debug
    _debug = debug


@app.command()
def build(
    source: Annotated[Path, typer.Option("--source", "-s", help="Folder of articles.")] = Path(
        "seeds"
    ),
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the site to.")] = Path(
        "site"
    ),
    title: Annotated[
        str | None, typer.Option(help="Site title (default: from timeline.toml, or 'Timeline').")
    ] = None,
    published: Annotated[
        str | None,
        typer.Option(help="Publish date for articles that carry none, e.g. 2023-09-05T00:00Z."),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
) -> None:
    """Build the timeline site from a folder of articles (default: seeds/ -> site/)."""
    from timeline.build import BuildConfig
    from timeline.build import build as run_build

    with _errors():
        if not source.is_dir():
            raise UsageError(f"source folder {source} does not exist (pass --source DIR)")
        config = BuildConfig(
            source=source,
            out=out,
            title=title or _project_title() or "Timeline",
            published=_parse_when(published) if published else None,
            strict=strict,
        )
        report = run_build(config)
        for problem in report.problems:
            typer.echo(f"warning: {problem}", err=True)
        typer.echo(report.summary())


@app.command()
def dates(
    file: Annotated[str, typer.Argument(help="Article file, or - to read standard input.")],
    published: Annotated[
        str | None,
        typer.Option(
            help="Publish date the text is resolved against, e.g. 2023-09-05 or "
            "2023-09-05T10:00:00+09:00 (default: the file's front matter)."
        ),
    ] = None,
    format: Annotated[DatesFormat, typer.Option("--format", "-f", help="Output format.")] = (
        DatesFormat.text
    ),
    date_order: Annotated[
        str, typer.Option(help="Order for ambiguous numeric dates: MDY or DMY.")
    ] = "MDY",
) -> None:
    """List every time expression in one article with its resolved value.

    Offsets are character offsets into the input exactly as given (front matter included).
    """
    from timeline.resolve import resolve_text

    with _errors():
        text, offset, when = _read_for_dates(file, published)
        mentions = resolve_text(text[offset:], when, date_order=date_order.upper())
        mentions = tuple(_shift(m, offset) for m in mentions)
        _print_dates(text, mentions, when, format)


@eval_app.command("timeml")
def eval_timeml(
    paths: Annotated[list[Path], typer.Argument(help="TimeML .tml files or folders of them.")],
    errors: Annotated[
        bool, typer.Option("--errors", help="List every missed, spurious or wrong expression.")
    ] = False,
) -> None:
    """TempEval-3 Task A scores (spans, types, values) on TimeML files."""
    from timeline.evaluate.timeml import evaluate, format_report

    with _errors():
        missing = [p for p in paths if not p.exists()]
        if missing:
            raise UsageError(f"{missing[0]} does not exist")
        typer.echo(format_report(evaluate(list(paths)), errors=errors))


@eval_app.command("tls")
def eval_tls(
    folder: Annotated[Path, typer.Argument(help="Folder with articles/ and gold.json.")],
) -> None:
    """Date F1 against journalists' timelines (gold.json), beside the most-articles baseline."""
    from timeline.evaluate.tls import evaluate, format_report

    with _errors():
        if not (folder / "gold.json").is_file():
            raise UsageError(f"{folder} has no gold.json")
        typer.echo(format_report(evaluate(folder)))


def _read_for_dates(file: str, published: str | None) -> tuple[str, int, datetime]:
    """The text as given, where the body starts, and the date to resolve against."""
    from timeline.load import read_front_matter

    name = "<stdin>" if file == "-" else file
    data = sys.stdin.buffer.read() if file == "-" else _read_bytes(Path(file))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UsageError(f"{name}: not valid UTF-8 (byte {err.start}); save it as UTF-8") from None
    front = _FRONT_MATTER.match(text)
    offset = front.end() if front else 0
    raw = read_front_matter(text[:offset].removeprefix("\ufeff").replace("\r\n", "\n"), name)
    if published:
        return text, offset, _parse_when(published)
    front = raw.meta.get("published", raw.meta.get("date"))
    if front is None:
        raise UsageError(f"{name}: no publish date; pass --published 2023-09-05T00:00:00+00:00")
    from timeline.load import parse_published

    parsed = parse_published(front, UTC)
    if parsed is None:
        raise UsageError(f"{name}: publish date {front!r} is not a date; pass --published")
    return text, offset, parsed[0]


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    return path.read_bytes()


def _parse_when(value: str) -> datetime:
    from timeline.load import parse_published

    parsed = parse_published(value, UTC)
    if parsed is None:
        raise UsageError(
            f"--published {value!r} is not a date; write e.g. 2023-09-05 or 2023-09-05T10:00+09:00"
        )
    return parsed[0]


def _shift(m: Mention, offset: int) -> Mention:
    return replace(m, start=m.start + offset, end=m.end + offset) if offset else m


def _print_dates(
    text: str, mentions: tuple[Mention, ...], when: datetime, fmt: DatesFormat
) -> None:
    if fmt is DatesFormat.timeml:
        from timeline.evaluate.timeml import to_timeml

        typer.echo(to_timeml(text, mentions, when), nl=False)
        return
    for m in mentions:
        if fmt is DatesFormat.json:
            typer.echo(json.dumps(mention_json(m), ensure_ascii=False))
        else:
            v = m.value
            typer.echo(f"{m.start}-{m.end}\t{v.type}\t{v.value}\t{v.granularity}\t{m.text}")


def mention_json(m: Mention) -> dict[str, Any]:
    """One line of `timeline dates --format json`: a contract; extend, never break."""
    v = m.value
    return {
        "start": m.start,
        "end": m.end,
        "text": m.text,
        "type": v.type,
        "value": v.value,
        "mod": v.mod,
        "granularity": str(v.granularity),
        "anchor": str(m.anchor),
        "interval": [v.start.isoformat(), v.end.isoformat()] if v.start and v.end else None,
        "notes": list(m.notes),
    }


def _project_title() -> str | None:
    """The title from timeline.toml in the current folder, if there is one."""
    path = Path("timeline.toml")
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UsageError(f"timeline.toml: {err}") from None
    title = data.get("title")
    return str(title) if title else None


@contextmanager
def _errors() -> Iterator[None]:
    """Turn the tool's errors into one clear line and an exit code; no traceback."""
    try:
        yield
    except TimelineError as err:
        if _debug:
            raise
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(err.exit_code) from None
    except (OSError, ValueError) as err:
        if _debug:
            raise
        typer.echo(f"error: {err} (run with --debug for details)", err=True)
        raise typer.Exit(1) from None


def main() -> None:
    """Entry point of the `timeline` console script."""
    app()
