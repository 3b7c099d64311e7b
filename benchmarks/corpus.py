"""A corpus of N realistic articles for the build benchmarks, made from real news sentences.

    .venv/bin/python benchmarks/corpus.py N OUT_DIR [DATA_DIR]

Sentences come from the TBAQ documents (../shared/data/timeml, each with its creation time)
and the H1N1 articles (../shared/data/tls/h1n1/articles, each with its publish date). Article i
is based on one real document, with its real publish date: a run of its own sentences, plus a
few sentences of other documents so that no two articles are the same text. The same N gives
the same corpus (a fixed seed), so builds can be compared.
"""

from __future__ import annotations

import json
import random
import re
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from timeline.evaluate.timeml import read_timeml
from timeline.load import load_folder

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
_SENTENCE = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’]))\s+(?=[A-Z\"“])")


@dataclass(frozen=True)
class Source:
    """One real document: its sentences and when it was published."""

    sentences: tuple[str, ...]
    published: datetime
    outlet: str


def sources(data: Path) -> list[Source]:
    """Every usable document of both data sets, in a stable order."""
    timeml = sorted((data / "timeml").rglob("*.tml"))
    h1n1 = data / "tls" / "h1n1" / "articles"
    if not timeml or not h1n1.is_dir():
        sys.exit(
            f"benchmark data not found under {data}: expected timeml/**/*.tml and "
            "tls/h1n1/articles/ (the shared evaluation data, see ../shared/data/README.md)"
        )
    out = [_from_timeml(p) for p in timeml]
    out += [
        Source(_sentences(a.body), a.published, a.source or "wire")
        for a in load_folder(h1n1).articles
    ]
    return [s for s in out if len(s.sentences) >= 3]


def _from_timeml(path: Path) -> Source:
    doc = read_timeml(path)
    return Source(_sentences(doc.text), doc.created, "TimeBank")


def _sentences(text: str) -> tuple[str, ...]:
    parts = (s.strip() for s in _SENTENCE.split(re.sub(r"\s+", " ", text)))
    return tuple(s for s in parts if 20 <= len(s) <= 600)


def article(i: int, pool: list[Source], rng: random.Random) -> str:
    """The text of article i, front matter included."""
    base = pool[i % len(pool)]
    start = rng.randrange(max(1, len(base.sentences) - 4))
    own = list(base.sentences[start : start + rng.randint(5, 14)])
    for _ in range(rng.randint(1, 3)):
        other = rng.choice(pool).sentences
        own.insert(rng.randrange(len(own) + 1), rng.choice(other))
    title = own[0][:90].rstrip(" ,;") or "Untitled"
    paragraphs = [" ".join(own[k : k + 2]) for k in range(0, len(own), 2)]
    front = (
        f"---\ntitle: {json.dumps(title)}\npublished: {base.published.isoformat()}\n"
        f"source: {base.outlet}\n---\n"
    )
    return front + "\n\n".join(paragraphs) + "\n"


def make(n: int, out: Path, data: Path = DEFAULT_DATA) -> Path:
    """Write n articles into `out` (made anew); returns `out`."""
    pool = sources(data)
    rng = random.Random(20230905 + n)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.rglob("*.md"):
        old.unlink()
    for i in range(n):
        folder = out / f"{i // 1000:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"article-{i:06d}.md").write_text(article(i, pool, rng), "utf-8")
    return out


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__)
        return 2
    data = Path(argv[3]) if len(argv) > 3 else DEFAULT_DATA
    make(int(argv[1]), Path(argv[2]), data)
    print(f"wrote {argv[1]} articles to {argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
