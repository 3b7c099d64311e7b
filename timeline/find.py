"""Stage "find": locate candidate time expressions in a text.

The language knowledge lives in `resources/<language>/time/`:

    tables/<name>.txt   word -> normalized value, one value a line: ``01: january | jan.``;
                        ``re: <regex>`` adds an alternative matched by a regular expression
                        whose text is its own value; ``=Word`` matches case-sensitively
    rules/*.txt         blocks of ``key: value`` lines, one block per rule (see `Rule`)

A rule's ``match:`` line is a sequence of elements separated by spaces: ``<table>`` (a
capture named after the table), ``<table:name>`` (the same table captured as ``name``), a
literal word, ``a|b`` literal alternatives; a trailing ``?`` makes an element optional.
Words are joined by whitespace or a hyphen, punctuation by optional whitespace.

Every rule is compiled to one regular expression without nested repetition, so matching is
linear in the length of the text; overlapping matches are settled longest-first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

RESOURCES = Path(str(resources.files("timeline") / "resources"))
_WORD_JOIN = r"(?:\s+|-)"
_PUNCT_JOIN = r"\s*"
_BOUNDARY_START = r"(?<!\w)"
_BOUNDARY_END = r"(?!(?<=\w)\w)"
SPAN = "span"  # the capture that holds the expression when a rule also matches context


@dataclass(frozen=True)
class Table:
    """A normalization table: which words it matches and what each one means."""

    name: str
    regex: str  # alternation matching any entry
    words: dict[str, str] = field(default_factory=dict, compare=False)  # word -> value
    patterns: tuple[tuple[re.Pattern[str], str], ...] = ()  # regex entry -> value ("" = itself)

    def normalize(self, word: str) -> str:
        """The value of a matched word (a regex entry without a value stands for itself)."""
        key = _key(word)
        if key in self.words:
            return self.words[key]
        for pattern, value in self.patterns:
            if pattern.fullmatch(word):
                return value or word
        return word


def _key(word: str) -> str:
    return " ".join(word.lstrip("=").lower().replace("-", " ").split())


@dataclass(frozen=True)
class Example:
    """One executable example of a rule: a text, the span found and its value."""

    text: str
    span: str
    value: str


@dataclass(frozen=True)
class Rule:
    """One rule: what to match and how the match becomes a TIMEX3 value."""

    name: str
    match: str
    value: str  # a value spec for the resolver, e.g. "this week -1" or "date {year}"
    regex: re.Pattern[str]
    groups: tuple[tuple[str, str], ...]  # capture name -> table name
    type: str = ""
    mod: str = ""
    examples: tuple[Example, ...] = ()
    order: int = 0
    source: str = ""


@dataclass(frozen=True)
class Candidate:
    """A stretch of text that a rule matched, with the fields it captured (normalized)."""

    start: int
    end: int
    text: str
    rule: Rule
    fields: tuple[tuple[str, str], ...]

    def field(self, name: str) -> str | None:
        return dict(self.fields).get(name)


@dataclass(frozen=True)
class Language:
    """Everything `find` and `resolve` know about one language."""

    code: str
    tables: dict[str, Table]
    rules: tuple[Rule, ...]


def find(text: str, language: str = "en") -> tuple[Candidate, ...]:
    """Every time expression in `text` that a rule matches, longest first, without overlaps."""
    lang = load_language(language)
    matches = [match for rule in lang.rules for match in _matches(rule, text, lang)]
    return tuple(sorted(_without_overlaps(matches), key=lambda c: c.start))


def _matches(rule: Rule, text: str, lang: Language) -> list[Candidate]:
    found = []
    for m in rule.regex.finditer(text):
        if m.end() == m.start():
            continue
        fields = tuple(
            (name, lang.tables[table].normalize(m.group(name)))
            for name, table in rule.groups
            if m.group(name) is not None
        )
        start, end = m.span(SPAN) if SPAN in m.groupdict() else m.span()
        found.append(Candidate(start, end, text[start:end], rule, fields))
    return found


def _without_overlaps(matches: list[Candidate]) -> list[Candidate]:
    taken: list[Candidate] = []
    used: set[int] = set()
    for cand in sorted(matches, key=lambda c: (c.start - c.end, c.rule.order, c.start)):
        if not used.intersection(range(cand.start, cand.end)):
            taken.append(cand)
            used.update(range(cand.start, cand.end))
    return taken


# --- loading the resources -----------------------------------------------------------------


@cache
def load_language(code: str) -> Language:
    """The tables and rules of `code`, falling back to English when it has no resources."""
    folder = RESOURCES / code / "time"
    if not folder.is_dir():
        folder = RESOURCES / "en" / "time"
    tables = {path.stem: _load_table(path) for path in sorted((folder / "tables").glob("*.txt"))}
    blocks = [b for path in sorted((folder / "rules").glob("*.txt")) for b in _blocks(path)]
    rules = tuple(_rule(block, source, i, tables) for i, (source, block) in enumerate(blocks))
    return Language(code, tables, rules)


def _lines(path: Path) -> list[str]:
    return [line.rstrip() for line in path.read_text(encoding="utf-8").splitlines()]


def _load_table(path: Path) -> Table:
    alternatives: list[str] = []
    words: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    for line in _lines(path):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        head, _, body = line.partition(":")
        value, _, kind = head.strip().rpartition(" ") if " " in head.strip() else ("", "", head)
        if kind.strip() == "re":
            alternatives.append(f"(?:{body.strip()})")
            patterns.append((re.compile(body.strip(), re.IGNORECASE), value.strip()))
            continue
        for word in (w.strip() for w in body.split("|")):
            alternatives.append(_word_regex(word))
            words[_key(word)] = head.strip()
    # Longest first, so that "sept." is preferred to "sept" and "a.m." to "a".
    alternatives.sort(key=len, reverse=True)
    return Table(path.stem, "(?:" + "|".join(alternatives) + ")", words, tuple(patterns))


def _word_regex(word: str) -> str:
    sensitive = word.startswith("=")
    parts = [re.escape(p) for p in word.lstrip("=").replace("-", " ").split()]
    body = _WORD_JOIN.join(parts)
    return f"(?-i:{body})" if sensitive else body


def _blocks(path: Path) -> list[tuple[str, dict[str, list[str]]]]:
    blocks: list[tuple[str, dict[str, list[str]]]] = []
    current: dict[str, list[str]] = {}
    for line in [*_lines(path), ""]:
        if line.startswith("#"):
            continue
        if not line.strip():
            if current:
                blocks.append((path.name, current))
            current = {}
            continue
        key, _, value = line.partition(":")
        current.setdefault(key.strip(), []).append(value.strip())
    return blocks


def _rule(block: dict[str, list[str]], source: str, order: int, tables: dict[str, Table]) -> Rule:
    name = block["rule"][0]
    try:
        regex, groups = compile_match(block["match"][0], tables)
    except (KeyError, re.error) as err:
        raise ValueError(f"{source}: rule {name!r}: bad match line ({err})") from err
    return Rule(
        name=name,
        match=block["match"][0],
        value=block["value"][0],
        regex=regex,
        groups=groups,
        type=block.get("type", [""])[0],
        mod=block.get("mod", [""])[0],
        examples=tuple(_example(line) for line in block.get("example", [])),
        order=order,
        source=source,
    )


def _example(line: str) -> Example:
    text, span, value = (part.strip() for part in line.split("|"))
    return Example(text, span, value)


def compile_match(
    match: str, tables: dict[str, Table]
) -> tuple[re.Pattern[str], tuple[tuple[str, str], ...]]:
    """The regular expression for a rule's match line, and its captures (name -> table)."""
    groups: list[tuple[str, str]] = []
    words = match.split()
    context = [w[1:] for w in words if w.startswith("@")]
    elements = [_parse_element(e, tables, groups) for e in words if not e.startswith("@")]
    # Leading optional elements carry the joiner after them; the others the joiner before.
    lead = next((i for i, e in enumerate(elements) if not e[1]), len(elements))
    body = ""
    for i, (regex, optional, punct) in enumerate(elements):
        if i < lead and i + 1 < len(elements):
            piece = regex + _join(elements[i], elements[i + 1][2])
        elif i <= lead:
            piece = regex
        else:
            piece = _join(elements[i - 1], punct) + regex
        body += f"(?:{piece})?" if optional else piece
    if context:
        # Words that must come before the expression but are not part of it ("at" the time).
        lead_in = _WORD_JOIN.join(_element_regex(c, tables, groups) for c in context)
        body = f"{lead_in}{_WORD_JOIN}(?P<{SPAN}>{body})"
    return re.compile(_BOUNDARY_START + body + _BOUNDARY_END, re.IGNORECASE), tuple(groups)


def _join(previous: tuple[str, bool, bool], punct: bool) -> str:
    return _PUNCT_JOIN if punct or previous[2] else _WORD_JOIN


def _parse_element(
    element: str, tables: dict[str, Table], groups: list[tuple[str, str]]
) -> tuple[str, bool, bool]:
    """An element's regex, whether it is optional, and whether it is punctuation."""
    optional = element.endswith("?") and len(element) > 1
    element = element[:-1] if optional else element
    punct = not element[0].isalnum() and not element.startswith("<")
    return _element_regex(element, tables, groups), optional, punct


def _element_regex(element: str, tables: dict[str, Table], groups: list[tuple[str, str]]) -> str:
    if element.startswith("<") and element.endswith(">"):
        table, _, name = element[1:-1].partition(":")
        name = name or table
        groups.append((name, table))
        return f"(?P<{name}>{tables[table].regex})"
    alternatives = sorted(element.split("|"), key=len, reverse=True)  # longest first
    return "(?:" + "|".join(re.escape(alt) for alt in alternatives) + ")"
