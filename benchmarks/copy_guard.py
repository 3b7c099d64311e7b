"""CI's copy guard: no rule example, test string or fixture repeats the evaluation data.

    .venv/bin/python benchmarks/copy_guard.py [DATA_DIR]

The evaluation data (DATA_DIR, by default ../shared/data relative to the repository) may be
read by benchmarks, never carried by the repository. Rules and tests are written while looking
at it, so a sentence can slip in word for word; this guard finds every stretch of at least
MIN_WORDS words in a rule's example, a Python string under tests/ or benchmarks/, or a text
fixture under tests/ that the data holds too, and fails naming each. Without the data it says
so and passes.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_DATA = REPO.parent / "shared" / "data"
MIN_WORDS = 8  # shorter runs are phrases any news text has ("said on Wednesday the world is")
_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]*>")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_FIXTURES = (".md", ".txt", ".html", ".json")


def main(argv: list[str]) -> int:
    data = Path(argv[1]) if len(argv) > 1 else DEFAULT_DATA
    if not data.is_dir():
        print(f"copy guard skipped: no evaluation data at {data}")
        return 0
    corpus = _corpus(data)
    found = [(where, text) for where, text in _repository_texts() if _repeats(text, corpus)]
    for where, text in found:
        print(f"{where}: repeats the evaluation data: {text[:100]!r}")
    if found:
        print(f"{len(found)} text(s) repeat {data} word for word: write them afresh")
        return 1
    print(f"copy guard ok: no rule example, test string or fixture repeats {data}")
    return 0


def _corpus(data: Path) -> set[tuple[str, ...]]:
    """Every MIN_WORDS words in a row of the evaluation text (lower case)."""
    pieces = []
    for path in sorted(data.rglob("*.tml")):
        text = path.read_text(encoding="utf-8", errors="replace")
        pieces.append(_TAG.sub("", text))
    for path in sorted(data.rglob("*.md")):
        pieces.append(path.read_text(encoding="utf-8", errors="replace"))
    return set(_runs(_flat("\n".join(pieces))))


def _repository_texts() -> Iterator[tuple[str, str]]:
    """(where, text) for each rule example, Python string and fixture sentence to check."""
    for path in sorted((REPO / "timeline" / "resources").rglob("rules/*.txt")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith("example:"):
                yield f"{path.relative_to(REPO)}:{number}", line[8:].split("|")[0]
    for folder in ("tests", "benchmarks"):
        for path in sorted((REPO / folder).rglob("*.py")):
            yield from _python_strings(path)
    for path in sorted((REPO / "tests").rglob("*")):
        if path.suffix in _FIXTURES and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            for sentence in _SENTENCE.split(_flat(text)):
                yield str(path.relative_to(REPO)), sentence


def _python_strings(path: Path) -> Iterator[tuple[str, str]]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield f"{path.relative_to(REPO)}:{node.lineno}", node.value


def _repeats(text: str, corpus: set[tuple[str, ...]]) -> bool:
    """Whether some MIN_WORDS words in a row of `text` occur in `corpus`."""
    return any(run in corpus for run in _runs(_flat(text)))


def _runs(text: str) -> Iterator[tuple[str, ...]]:
    words = text.split(" ")
    return (tuple(words[i : i + MIN_WORDS]) for i in range(len(words) - MIN_WORDS + 1))


def _flat(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
