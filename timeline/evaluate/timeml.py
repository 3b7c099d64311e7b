"""TempEval-3 Task A on TimeML documents: how well `resolve_text` finds and values TIMEX3s.

A document's plain text is the text of its <TEXT> element with the tags removed; gold spans are
offsets into it, and the creation time (the TIMEX3 with functionInDocument="CREATION_TIME") is
the publish date the resolver counts from. Scoring follows TempEval-3: a system expression
matches a gold one *strictly* when the spans are identical and *relaxed* when they overlap;
value (or type) F1 is relaxed F1 times the share of relaxed matches with the same value (type).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from timeline.evaluate.scores import f1
from timeline.model import Mention
from timeline.resolve import resolve_text


@dataclass(frozen=True)
class Timex:
    """A TIMEX3 in a document's plain text, gold or system."""

    start: int
    end: int
    text: str
    type: str
    value: str


@dataclass(frozen=True)
class Document:
    """A TimeML document: its id, plain text, creation time and gold TIMEX3s."""

    id: str
    text: str
    created: datetime
    gold: tuple[Timex, ...]


@dataclass(frozen=True)
class Error:
    """One way the system differed from the gold annotation."""

    kind: str  # missed | spurious | value | type
    doc: str
    gold: Timex | None
    system: Timex | None


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        return f1(self.precision, self.recall)


@dataclass(frozen=True)
class Report:
    """TempEval-3 Task A figures over a set of documents, with every error found."""

    documents: int
    gold: int
    system: int
    strict: Score
    relaxed: Score
    type_accuracy: float
    value_accuracy: float
    errors: tuple[Error, ...] = field(default=())
    skipped: tuple[str, ...] = ()  # files that could not be read, and why

    @property
    def type_f1(self) -> float:
        return self.relaxed.f1 * self.type_accuracy

    @property
    def value_f1(self) -> float:
        return self.relaxed.f1 * self.value_accuracy


def evaluate(paths: list[Path]) -> Report:
    """Score `resolve_text` on the TimeML files in `paths` (files or folders of .tml files).

    A file that cannot be read as TimeML is left out and named in the report.
    """
    counts = _Counts()
    for path in _tml_files(paths):
        try:
            doc = read_timeml(path)
        except (ET.ParseError, ValueError, OSError) as err:
            counts.skipped.append(f"{path}: {err}")
            continue
        counts.add(doc, tuple(_timex(m) for m in resolve_text(doc.text, doc.created)))
    return counts.report()


def read_timeml(path: Path) -> Document:
    """The plain text, creation time and gold TIMEX3s of one TimeML file."""
    root = ET.parse(path).getroot()
    docid = (root.findtext("DOCID") or path.stem).strip()
    created = _creation_time(root)
    body = root.find("TEXT")
    if body is None:
        raise ValueError(f"{path}: no <TEXT> element")
    pieces: list[str] = []
    gold: list[Timex] = []
    _flatten(body, pieces, gold, top=True)
    return Document(docid, "".join(pieces), created, tuple(gold))


def format_report(report: Report, errors: bool = False) -> str:
    """The figures as a small table; with `errors`, every error after it, one a line."""
    lines = [
        f"documents {report.documents}   gold {report.gold}   system {report.system}",
        f"{'':14}{'P':>8}{'R':>8}{'F1':>8}",
        _row("strict span", report.strict),
        _row("relaxed span", report.relaxed),
        f"{'type F1':14}{'':16}{report.type_f1 * 100:8.2f}   (accuracy "
        f"{report.type_accuracy * 100:.2f})",
        f"{'value F1':14}{'':16}{report.value_f1 * 100:8.2f}   (accuracy "
        f"{report.value_accuracy * 100:.2f})",
    ]
    lines += [f"skipped {skipped}" for skipped in report.skipped]
    if errors:
        lines += ["", f"errors ({len(report.errors)}):"]
        lines += [_error_line(e) for e in report.errors]
    return "\n".join(lines)


def to_timeml(text: str, mentions: Sequence[Mention], published: datetime) -> str:
    """A TimeML document for `text` with `mentions` as TIMEX3 tags and `published` as DCT."""
    dct = published.date().isoformat()
    out = [
        '<?xml version="1.0" ?>\n<TimeML>\n',
        f'<DCT><TIMEX3 tid="t0" type="DATE" value="{dct}" temporalFunction="false" '
        f'functionInDocument="CREATION_TIME">{dct}</TIMEX3></DCT>\n\n<TEXT>',
    ]
    pos = 0
    for tid, mention in enumerate(sorted(mentions, key=lambda m: m.start), start=1):
        if mention.start < pos:
            continue
        out.append(escape(text[pos : mention.start]))
        out.append(_timex_tag(tid, mention) + escape(mention.text) + "</TIMEX3>")
        pos = mention.end
    out.append(escape(text[pos:]) + "</TEXT>\n\n</TimeML>\n")
    return "".join(out)


# --- reading ------------------------------------------------------------------------------


def _tml_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.tml")) if path.is_dir() else [path]
    return files


def _creation_time(root: ET.Element) -> datetime:
    for timex in root.iter("TIMEX3"):
        if timex.get("functionInDocument") == "CREATION_TIME":
            return _instant(timex.get("value", ""))
    raise ValueError("no TIMEX3 with functionInDocument='CREATION_TIME'")


def _instant(value: str) -> datetime:
    day, _, clock = value.partition("T")
    moment = datetime.fromisoformat(day + ("T" + clock if clock[:2].isdigit() else ""))
    return moment.replace(tzinfo=UTC)


def _flatten(node: ET.Element, pieces: list[str], gold: list[Timex], top: bool = False) -> None:
    """Append the node's text (tags removed) to `pieces`; record each TIMEX3 met on the way."""
    first = len(pieces)
    start = sum(map(len, pieces)) if node.tag == "TIMEX3" else 0
    pieces.append(node.text or "")
    for child in node:
        _flatten(child, pieces, gold)
    if node.tag == "TIMEX3" and not top:
        text = "".join(pieces[first:])
        gold.append(Timex(start, start + len(text), text, node.get("type", ""),
                          node.get("value", "")))  # fmt: skip
    if not top:
        pieces.append(node.tail or "")


def _timex(mention: Mention) -> Timex:
    v = mention.value
    return Timex(mention.start, mention.end, mention.text, v.type, v.value)


# --- scoring ------------------------------------------------------------------------------


@dataclass
class _Counts:
    documents: int = 0
    gold: int = 0
    system: int = 0
    strict_system: int = 0  # system expressions with a gold one of the same span
    strict_gold: int = 0
    relaxed_system: int = 0  # system expressions overlapping a gold one
    relaxed_gold: int = 0
    pairs: int = 0  # gold expressions matched to one system expression
    same_type: int = 0
    same_value: int = 0
    errors: list[Error] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def add(self, doc: Document, system: tuple[Timex, ...]) -> None:
        self.documents += 1
        self.gold += len(doc.gold)
        self.system += len(system)
        spans = {(s.start, s.end) for s in system}
        gold_spans = {(g.start, g.end) for g in doc.gold}
        self.strict_system += sum((s.start, s.end) in gold_spans for s in system)
        self.strict_gold += sum((g.start, g.end) in spans for g in doc.gold)
        self.relaxed_system += sum(any(_overlap(s, g) for g in doc.gold) for s in system)
        for s in system:
            if not any(_overlap(s, g) for g in doc.gold):
                self.errors.append(Error("spurious", doc.id, None, s))
        for g in doc.gold:
            self._match(doc.id, g, [s for s in system if _overlap(s, g)])

    def _match(self, doc: str, gold: Timex, overlapping: list[Timex]) -> None:
        if not overlapping:
            self.errors.append(Error("missed", doc, gold, None))
            return
        self.relaxed_gold += 1
        self.pairs += 1
        best = max(overlapping, key=lambda s: min(s.end, gold.end) - max(s.start, gold.start))
        self.same_value += best.value == gold.value
        self.same_type += best.type == gold.type
        if best.value != gold.value:
            self.errors.append(Error("value", doc, gold, best))
        elif best.type != gold.type:
            self.errors.append(Error("type", doc, gold, best))

    def report(self) -> Report:
        return Report(
            documents=self.documents,
            gold=self.gold,
            system=self.system,
            strict=Score(
                _ratio(self.strict_system, self.system), _ratio(self.strict_gold, self.gold)
            ),
            relaxed=Score(
                _ratio(self.relaxed_system, self.system), _ratio(self.relaxed_gold, self.gold)
            ),
            type_accuracy=_ratio(self.same_type, self.pairs),
            value_accuracy=_ratio(self.same_value, self.pairs),
            errors=tuple(self.errors),
            skipped=tuple(self.skipped),
        )


def _overlap(a: Timex, b: Timex) -> bool:
    return a.start < b.end and b.start < a.end


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _row(name: str, score: Score) -> str:
    return (f"{name:14}{score.precision * 100:8.2f}{score.recall * 100:8.2f}"
            f"{score.f1 * 100:8.2f}")  # fmt: skip


def _error_line(error: Error) -> str:
    gold = f"{error.gold.text!r} {error.gold.type} {error.gold.value}" if error.gold else "-"
    system = (f"{error.system.text!r} {error.system.type} {error.system.value}"
              if error.system else "-")  # fmt: skip
    return f"{error.kind:8} {error.doc:28} gold {gold:48} system {system}"


def _timex_tag(tid: int, mention: Mention) -> str:
    value = mention.value
    attrs = f'tid="t{tid}" type={quoteattr(value.type)} value={quoteattr(value.value)}'
    if value.mod:
        attrs += f" mod={quoteattr(value.mod)}"
    return f"<TIMEX3 {attrs}>"
