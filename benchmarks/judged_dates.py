"""How often the resolver's dates are right on real news: hand-judged mentions of the h1n1 articles.

    .venv/bin/python benchmarks/judged_dates.py [ARTICLES_DIR]

ARTICLES_DIR defaults to ../shared/data/tls/h1n1/articles (relative to the repository); without
it the script says so and stops. judged_dates.tsv holds three samples of the resolver's mentions
in those articles, each drawn at random and stratified by rule (every rule at least once, the
rest in proportion to how often it fired; `weight` is how many mentions of its rule a row
stands for), and judged by hand in context: the value the writer meant, under TimeML's
conventions, or `none` where the mention is no time at all.

- sample 1 (seed 2009): 200 DATE/TIME and 40 DURATION/SET mentions. The rules were fixed while
  looking at it, so its figure now is in-sample.
- sample 2 (seed 2026, drawn afterwards, leaving out sample 1): the same sizes. Its "as judged"
  figure was out of sample when it was drawn; later fixes looked at it too.
- sample 3 (seed 3033, drawn from the resolver of 9de5e3d, leaving out every article+offsets
  of samples 1 and 2): the same sizes, 200 DATE/TIME and 40 DURATION/SET. Its "as judged"
  figure is the out-of-sample one for that resolver; later fixes looked at it too. Two of
  its judgments were corrected after drawing, to the conventions the others follow
  ("daily life" a set, "over the next month" the calendar month).

For each sample the script prints the share judged right when drawn and the share right now
(95% Wilson interval), and the share weighted back to all mentions of the corpus. A row is
right now when a mention over its span has the judged value (and type, when the judgment names
one), and a mention judged no time is right when no mention covers it. A row's article and
offsets point into the text after its front matter; only offsets and the judged values are
kept here, never the articles' words.
"""

from __future__ import annotations

import csv
import math
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from timeline.model import Mention
from timeline.resolve import resolve_text

HERE = Path(__file__).resolve().parent
JUDGED = HERE / "judged_dates.tsv"
DEFAULT_ARTICLES = HERE.parent.parent / "shared" / "data" / "tls" / "h1n1" / "articles"
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_PUBLISHED = re.compile(r"^published:\s*(\S+)", re.M)
Row = dict[str, str]


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else DEFAULT_ARTICLES
    if not folder.is_dir():
        print(f"judged dates skipped: no h1n1 articles at {folder}")
        return 0
    rows = _rows()
    now = {name: _mentions(folder / name) for name in sorted({r["article"] for r in rows})}
    for row in rows:
        row["now"] = _verdict(row, now[row["article"]])
    print(f"{len(rows)} judged mentions in {len(now)} articles of {folder}")
    kinds_of = {"DATE/TIME": ("DATE", "TIME"), "DURATION/SET": ("DURATION", "SET")}
    for sample in sorted({r["sample"] for r in rows}):
        for label, kinds in kinds_of.items():
            chosen = [r for r in rows if r["sample"] == sample and r["type"] in kinds]
            _report(f"sample {sample}, {label}", chosen)
    return 0


def _rows() -> list[Row]:
    lines = [line for line in JUDGED.read_text(encoding="utf-8").splitlines()
             if not line.startswith("#")]  # fmt: skip
    return list(csv.DictReader(lines, delimiter="\t"))


def _mentions(path: Path) -> list[Mention]:
    text = path.read_text(encoding="utf-8")
    head = _FRONT_MATTER.match(text)
    if head is None:
        raise SystemExit(f"{path}: no front matter; is this the h1n1 article folder?")
    published = _PUBLISHED.search(head.group(1))
    if published is None:
        raise SystemExit(f"{path}: no 'published:' line in the front matter")
    when = datetime.fromisoformat(published.group(1)).replace(tzinfo=UTC)
    return list(resolve_text(text[head.end() :], when))


def _verdict(row: Row, mentions: list[Mention]) -> str:
    """'right' or 'wrong' for the resolver now (see the module's text)."""
    start, end = int(row["start"]), int(row["end"])
    over = [m for m in mentions if m.start < end and start < m.end]
    same = [m for m in over if (m.start, m.end) == (start, end)]
    mention = next(iter(same or over), None)
    if row["category"] == "spurious":
        return "right" if mention is None else "wrong"
    if mention is None:
        return "wrong"
    judged = row["system_value"] if row["correct"] == "OK" else row["correct"]
    value, _, kind = judged.partition(" ")
    if kind and mention.value.type != kind:
        return "wrong"
    if row["correct_span"]:
        first, last = map(int, row["correct_span"].split("-"))
        if not (mention.start <= first and last <= mention.end):
            return "wrong"
    now = mention.value.value
    # a day judged right that is now a time on that day ("4:40 pm on 10 Jul 2009")
    refined = len(value) == len("2009-05-01") and now.startswith(value + "T")
    return "right" if now == value or refined else "wrong"


def _report(label: str, rows: list[Row]) -> None:
    print(f"{label}: {len(rows)} mentions")
    for name, right in (("as judged when drawn", lambda r: r["correct"] == "OK"),
                        ("with the resolver now", lambda r: r["now"] == "right")):  # fmt: skip
        k = sum(map(right, rows))
        share, low, high = _wilson(k, len(rows))
        weighted, w_low, w_high = _weighted(rows, right)
        print(f"  {name:22} {k:3}/{len(rows)} = {share:6.1%} [{low:.1%}, {high:.1%}]   "
              f"weighted to all mentions {weighted:6.1%} [{w_low:.1%}, {w_high:.1%}]")  # fmt: skip


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float, float]:
    if n == 0:
        return 0.0, 0.0, 0.0
    p = k / n
    d = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / d
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return p, centre - half, centre + half


def _weighted(rows: list[Row], right: Callable[[Row], bool]) -> tuple[float, float, float]:
    """The stratified estimate of the share right over all mentions, with a 95% normal
    interval; rules sampled once are pooled into one stratum for the variance."""
    strata: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        strata[row["rule"]].append(row)
    total = sum(float(r["weight"]) for r in rows)
    estimate = sum(float(r["weight"]) * right(r) for r in rows) / total
    singles = [r for group in strata.values() if len(group) == 1 for r in group]
    groups = [g for g in strata.values() if len(g) > 1] + ([singles] if len(singles) > 1 else [])
    variance = 0.0
    for group in groups:
        size, n = sum(float(r["weight"]) for r in group), len(group)
        mean = sum(float(r["weight"]) * right(r) for r in group) / size
        spread = sum(float(r["weight"]) * (right(r) - mean) ** 2 for r in group) / size
        variance += (size / total) ** 2 * max(0.0, 1 - n / size) * spread * n / (n - 1) / n
    error = 1.96 * math.sqrt(variance)
    return estimate, max(0.0, estimate - error), min(1.0, estimate + error)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
