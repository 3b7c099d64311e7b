"""Errors the tool reports to people.

    TimelineError               anything the CLI turns into one clear line and exit code 1
    ├── ArticleError            one input file cannot be read as an article (the build skips it)
    ├── ConfigError             the project's configuration is wrong (all problems at once)
    ├── BuildError              the build cannot go on (e.g. output folder would hit the sources)
    └── StrictError             --strict and the build produced warnings
    UsageError                  the command line itself is wrong (exit code 2)

Every message says what is wrong, where (file, and line where it can), and what to do.
"""

from __future__ import annotations


class TimelineError(Exception):
    """Base of every error the tool reports without a traceback."""

    exit_code = 1


class ArticleError(TimelineError):
    """An input file that cannot be read as an article."""

    def __init__(self, file: str, message: str, hint: str = "", line: int | None = None):
        self.file, self.message, self.hint, self.line = file, message, hint, line
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {message}" + (f" ({hint})" if hint else ""))


class ConfigError(TimelineError):
    """The configuration is wrong; carries every problem found, not just the first."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


class BuildError(TimelineError):
    """The build cannot go on."""


class StrictError(TimelineError):
    """Warnings were raised and --strict makes them fatal."""


class UsageError(TimelineError):
    """The command line is wrong."""

    exit_code = 2
