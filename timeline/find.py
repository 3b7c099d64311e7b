"""Stage "find": locate candidate time expressions in a text.

The language knowledge lives in `resources/<language>/time/`:

    tables/<name>.txt   word -> normalized value, one value a line: ``01: january | jan.``;
                        ``re: <regex>`` adds an alternative matched by a regular expression
                        whose text is its own value (``V re: <regex>`` gives it value V);
                        such entries stand for numbers: one token beginning with a digit;
                        ``=Word`` matches case-sensitively
    rules/*.txt         blocks of ``key: value`` lines, one block per rule (see `Rule`)

A rule's ``match:`` line is a sequence of elements separated by spaces: ``<table>`` (a
capture named after the table), ``<table:name>`` (the same table captured as ``name``), a
literal word, ``a|b`` literal alternatives; a trailing ``?`` makes an element optional, a
leading ``@`` (on the first or last elements) makes it context: required, but not part of
the expression ("at" in "at the time"); with ``claim: context`` the rule claims that context
too, so that no other rule takes it ("the" in "the third-quarter loss"). Context of plain
words before the expression, unclaimed, is looked behind for, one space after each word, so
that the rule is tried only where the expression begins.
Words are joined by whitespace or a hyphen, punctuation by optional whitespace.

Every rule is compiled to one regular expression without nested repetition, tried only where
one pattern (a trie of the words a rule can begin with) says a match may begin, so finding is
linear in the length of the text; overlapping matches are settled longest-first.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from itertools import takewhile
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

RESOURCES = Path(str(resources.files("timeline") / "resources"))
_WORD_JOIN = r"(?:\s+|-)"
_PUNCT_JOIN = r"\s*"
_BOUNDARY_START = r"(?<!\w)"
_BOUNDARY_END = r"(?!(?<=\w)\w)"
_TOKEN = re.compile(r"\w+")
_MEMO_SIZE = 4096  # words a table remembers the value of
_WORD_END = r"(?!\w)"
_LEAD_WAYS = 16  # ways of reading plain-word context before an expression looked behind for
_DIGITS = "#"  # the key of every token that begins with a digit (rules add their patterns)
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
# Each ASCII character that cannot be in a word, as a space; the apostrophe stays ("1990's").
_BLANKS = str.maketrans({c: " " for c in map(chr, range(128)) if not (c.isalnum() or c in "_'")})
# The characters beyond an ASCII letter's two cases that `re.IGNORECASE` matches it with.
_CASE_FOLDS = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}
SPAN = "span"  # the capture that holds the expression when a rule also matches context


@dataclass(frozen=True)
class Table:
    """A normalization table: which words it matches and what each one means."""

    name: str
    regex: str  # alternation matching any entry
    words: dict[str, str] = field(default_factory=dict, compare=False)  # word -> value
    patterns: tuple[tuple[re.Pattern[str], str], ...] = ()  # regex entry -> value ("" = itself)
    _seen: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def phrases(self) -> re.Pattern[str]:
        """A pattern that finds the table's words and phrases as whole words in a text."""
        return phrase_pattern(self)

    def normalize(self, word: str) -> str:
        """The value of a matched word (a regex entry without a value stands for itself)."""
        value = self.lookup(word)
        return word if value is None else value

    def lookup(self, word: str) -> str | None:
        """The value of `word` if the table has it, else None."""
        if word not in self._seen:
            if len(self._seen) >= _MEMO_SIZE:
                self._seen.clear()
            self._seen[word] = self._value(word)
        return self._seen[word]

    def _value(self, word: str) -> str | None:
        key = _key(word)
        if key in self.words:
            return self.words[key]
        for pattern, value in self.patterns:
            if pattern.fullmatch(word):
                return value or word
        return None


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
    pattern: str  # the regular expression of `match` (compiled when first tried: `regex`)
    groups: tuple[tuple[str, str], ...]  # capture name -> table name
    type: str = ""
    mod: str = ""
    examples: tuple[Example, ...] = ()
    order: int = 0
    source: str = ""
    # The keys (see `token_key`) of the first two tokens a match can begin with; a single key
    # when a match can be one token long.
    starts: frozenset[tuple[str, ...]] = frozenset()
    # whether the match holds context around the expression (in its span group)
    context: bool = False
    # whether that context is claimed too: no other expression may take it, and the match
    # counts at its full length when overlapping matches are settled
    claims: bool = False

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """The compiled `pattern` (a build after one edit tries a few of the rules)."""
        return re.compile(self.pattern, re.IGNORECASE)

    @cached_property
    def operation(self) -> str:
        """The first word of `value`: the resolver's operation."""
        return self.value.split(maxsplit=1)[0]


Fields = tuple[tuple[str, str], ...]  # capture name -> normalized value


class Candidate(NamedTuple):
    """A stretch of text that a rule matched, with the fields it captured (normalized).

    A tuple rather than a dataclass: one is made for every match kept, and a tuple is made
    in a third of the time.
    """

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
    # where a match of some rule may begin (see `Scans`): one pass over the text finds
    # every such token
    scans: Scans = field(default_factory=lambda: Scans((), ()), compare=False)
    # (first key, second key or "") -> the rules whose match may begin with such tokens
    # ("" for the rules that need only the first); numbers keyed "#" whatever their pattern
    starting: dict[tuple[str, str], tuple[Rule, ...]] = field(default_factory=dict)
    # first key -> the second keys some rule pairs with it (other tokens after it do not
    # matter, so the dispatch table stays as small as the rules)
    seconds: dict[str, frozenset[str]] = field(default_factory=dict)
    _dispatch: dict[tuple[str, str], Dispatch] = field(default_factory=dict, compare=False)
    # the key of each (lower-case) word that is a first or second key itself
    keys: dict[str, str] = field(default_factory=dict, compare=False)
    # (rule order, what each group of a match of it captured) -> its fields (see `_candidate`)
    _seen_fields: dict[tuple[int, tuple[str | None, ...]], Fields] = field(
        default_factory=dict, compare=False
    )

    @property
    def trigger(self) -> re.Pattern[str]:
        """The whole trigger: a pattern matching each token where a match may begin."""
        return self.scans.whole.trigger

    @property
    def scan(self) -> tuple[re.Pattern[str], re.Pattern[str]]:
        """The whole trigger as it runs on ASCII text: after a space or an apostrophe, and
        after a space (see `_tokens`)."""
        return self.scans.whole.either, self.scans.whole.spaces

    def rules_at(self, first: str, second: str) -> Dispatch:
        """The rules whose match may begin with tokens of these keys, and a pattern that
        tells at once whether any of them matches (None when there is only one to try)."""
        pair = (first, second)
        if pair not in self._dispatch:
            both = {*self.starting.get((first, ""), ()), *self.starting.get(pair, ())}
            rules = tuple(sorted(both, key=lambda rule: rule.order))
            any_of, first_of = _any_of(rules) if len(rules) > 1 else (None, ())
            self._dispatch[pair] = (any_of, first_of, rules)
        return self._dispatch[pair]


# The rules to try at a token (see `Language.rules_at`): a pattern that matches where any
# of them does (None when there is just one), the place in the rules of the first that
# matches when the pattern's last group is group i (at i), and the rules.
Dispatch = tuple[re.Pattern[str] | None, tuple[int, ...], tuple["Rule", ...]]


def find(text: str, language: str = "en") -> tuple[Candidate, ...]:
    """Every time expression in `text` that a rule matches, longest first, without overlaps.

    One pass of a single pattern finds the tokens where a match may begin (judged by that
    token and the next); only there are the rules that can begin with those two tried, each
    anchored at the token, so the work grows with the length of the text.
    """
    lang = load_language(language)
    lowered = _lower(text)
    matches: list[Match] = []
    seconds, keys, rules_at, known = lang.seconds, lang.keys, lang.rules_at, lang._dispatch
    for start, end in _tokens(lang, lowered):
        word = lowered[start:end]
        first = keys.get(word) or (_DIGITS if word[0].isdigit() else word.lower())
        pair = (first, "")
        if first in seconds:
            after = _TOKEN.search(lowered, end)
            if after:
                token = after.group()
                key = keys.get(token) or token_key(token)
                if key in seconds[first]:
                    pair = (first, key)
        any_of, first_of, rules = known.get(pair) or rules_at(*pair)
        if any_of is not None:
            hit = any_of.match(text, start)
            if hit is None:
                continue
            # the rules before the first that matches do not match here
            rules = rules[first_of[hit.lastindex or 0] :]
        for rule in rules:
            m = rule.regex.match(text, start)
            if m:
                begin, stop = m.span(SPAN) if rule.context else m.span()
                if stop > begin:
                    matches.append((begin, stop, m, rule))
    kept = _without_overlaps(matches, len(text))
    kept.sort(key=_first)
    return tuple(_candidate(match, text, lang) for match in kept)


def _tokens(lang: Language, lowered: str) -> list[tuple[int, int]]:
    """Where the trigger matches in `lowered` (start and end of each token).

    The regex engine tries a pattern at every character, unless the pattern begins with a
    fixed character: then it skips to the next one. So in ASCII text, where every character
    that cannot be in a word is made a space (offsets stay the same), the scan looks for a
    space or an apostrophe followed by a trigger token, and is tried only between words.
    """
    return scan_tokens(lang.scans.for_text(lowered), lowered)


def scan_tokens(scanner: Scanner, lowered: str) -> list[tuple[int, int]]:
    """`_tokens` with the given scanner."""
    if not lowered.isascii():
        return [token.span() for token in scanner.trigger.finditer(lowered)]
    blank = " " + lowered.translate(_BLANKS)
    quoted = _after_apostrophes(scanner, blank)
    if any(" " in blank[start:end] for start, end in quoted):
        return [(hit.start(), hit.end() - 1) for hit in scanner.either.finditer(blank)]
    spaced = [(hit.start(), hit.end() - 1) for hit in scanner.spaces.finditer(blank)]
    return _merge(spaced, quoted) if quoted else spaced


def _after_apostrophes(scanner: Scanner, blank: str) -> list[tuple[int, int]]:
    """Each apostrophe a trigger token follows, and the end of that token (the scan after
    either, tried at each apostrophe, is the same pattern: not one more to compile)."""
    found = []
    at = blank.find("'")
    while at >= 0:
        hit = scanner.either.match(blank, at)
        if hit is not None:
            found.append((at, hit.end()))
        at = blank.find("'", at + 1)
    return found


def _merge(spaced: list[tuple[int, int]], quoted: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The tokens after spaces and those after apostrophes, as one scan after either finds
    them: each token after the end of the one before it.

    One fixed character is found faster than either of two, and trigger tokens after an
    apostrophe are rare ("''60 minutes"), so the scan after spaces runs alone and these are
    merged in. When no token after an apostrophe holds a space, the scan after either takes
    every token after a space (a token after an apostrophe has no space inside for one to
    start at), and a token after an apostrophe unless the token before it reaches it.
    """
    tokens = list(spaced)
    for start, end in quoted:
        place = bisect_left(tokens, (start,))
        if not place or tokens[place - 1][1] < start:
            tokens.insert(place, (start, end - 1))
    return tokens


def _lower(text: str) -> str:
    """`text` in lower case, character for character (so offsets stay the same)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower()[:1] or c for c in text)


def token_key(token: str) -> str:
    """How a token is looked up in the rule index: digits as "#", words in lower case."""
    return _DIGITS if token[0].isdigit() else token.lower()


def _candidate(match: Match, text: str, lang: Language) -> Candidate:
    start, end, m, rule = match
    # The same expression comes back often ("Monday", "last year"): its fields are worked
    # out once from what the groups captured.
    key = (rule.order, m.groups())
    fields = lang._seen_fields.get(key)
    if fields is None:
        if len(lang._seen_fields) >= _MEMO_SIZE:
            lang._seen_fields.clear()
        fields = lang._seen_fields[key] = _normalized_fields(m, rule, lang.tables)
    return Candidate(start, end, text[start:end], rule, fields)


def _normalized_fields(m: re.Match[str], rule: Rule, tables: dict[str, Table]) -> Fields:
    return tuple(
        (name, tables[table].normalize(value))
        for name, table in rule.groups
        if (value := m.group(name)) is not None
    )


# Where the expression is (the whole match, or its span group when the rule has context),
# the match and its rule.
Match = tuple[int, int, re.Match[str], Rule]
_first = itemgetter(0)


def _without_overlaps(matches: list[Match], length: int) -> list[Match]:
    """The longest matches (then the earliest rule's) that do not overlap a longer one; a
    match whose rule claims its context counts with it."""
    taken: list[Match] = []
    used = bytearray(length)  # 1 where a match already taken lies
    extents = [m.span() if rule.claims else (start, end) for start, end, m, rule in matches]
    priority = [(s - e, rule.order, start)
                for (s, e), (start, _, _, rule) in zip(extents, matches, strict=True)]  # fmt: skip
    for index in sorted(range(len(matches)), key=priority.__getitem__):
        start, end = extents[index]
        if used.find(1, start, end) < 0:
            taken.append(matches[index])
            used[start:end] = b"\x01" * (end - start)
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
    # rules by their order, not in sets: hashing a rule hashes all its fields and examples
    starting: dict[tuple[str, str], dict[int, Rule]] = {}
    seconds: dict[str, set[str]] = {}
    for rule in rules:
        for start in rule.starts:
            first, second = (_DIGITS if k.startswith(_DIGITS) else k for k in (*start, "")[:2])
            starting.setdefault((first, second), {})[rule.order] = rule
            if second:
                seconds.setdefault(first, set()).add(second)
    return Language(
        code,
        tables,
        rules,
        Scans(*_trigger_keys(rules)),
        {pair: tuple(group.values()) for pair, group in starting.items()},
        {first: frozenset(keys) for first, keys in seconds.items()},
        keys={key: key for pair in starting for key in pair if key and key != _DIGITS},
    )


def _any_of(rules: tuple[Rule, ...]) -> tuple[re.Pattern[str], tuple[int, ...]]:
    """One pattern that matches where any of the rules would (compiled once per set), and
    which of the rules matches first by the pattern's last group (see `Dispatch`)."""
    return _any_of_patterns(tuple(rule.pattern for rule in rules))


@cache
def _any_of_patterns(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], tuple[int, ...]]:
    # The alternatives are tried in order, each to the end: the one that matches is the
    # first rule that does. Each ends in an empty group, the last group closed. The boundary
    # every rule begins with is tested once, before them.
    bodies = (_NAMED_GROUP.sub("(?:", p).removeprefix(_BOUNDARY_START) for p in patterns)
    alternatives = "|".join(f"{body}(?P<_{i}>)" for i, body in enumerate(bodies))
    any_of = re.compile(f"{_BOUNDARY_START}(?:{alternatives})", re.I)
    first_of = [0] * (any_of.groups + 1)
    for i in range(len(patterns)):
        first_of[any_of.groupindex[f"_{i}"]] = i
    return any_of, tuple(first_of)


def _lines(path: Path) -> list[str]:
    return [line.rstrip() for line in path.read_text(encoding="utf-8").splitlines()]


def _load_table(path: Path) -> Table:
    alternatives: list[tuple[str, tuple[str, ...] | None]] = []
    words: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    for line in _lines(path):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        head, _, body = line.partition(":")
        value, _, kind = head.strip().rpartition(" ") if " " in head.strip() else ("", "", head)
        if kind.strip() == "re":
            alternatives.append((f"(?:{body.strip()})", None))
            patterns.append((re.compile(body.strip(), re.IGNORECASE), value.strip()))
            continue
        for word in (w.strip() for w in body.split("|")):
            alternatives.append((_word_regex(word), _pieces(word)))
            words[_key(word)] = head.strip()
    # Longest first, so that "sept." is preferred to "sept" and "a.m." to "a".
    alternatives.sort(key=lambda alternative: len(alternative[0]), reverse=True)
    return Table(path.stem, _table_regex(alternatives), words, tuple(patterns))


def _table_regex(alternatives: list[tuple[str, tuple[str, ...] | None]]) -> str:
    """The alternation of a table's entries, in the order given, each run of plain words
    written as a trie: the regex engine tries alternatives one by one, a trie one letter at
    a time. Of the words that match at one place each is the beginning of the next longer
    one, and the trie tries them longest first, as the order given does."""
    branches: list[str] = []
    run: list[tuple[str, ...]] = []
    for regex, pieces in [*alternatives, ("", None)]:
        if pieces is not None:
            run.append(pieces)
            continue
        if run:
            branches.append(_piece_trie(run))
            run = []
        if regex:
            branches.append(regex)
    return "(?:" + "|".join(branches) + ")"


def _pieces(word: str) -> tuple[str, ...] | None:
    """The regex of each letter of a word (and of the joiners between its words) when the
    word is matched without regard to case and is ASCII, so that it can go into a trie."""
    if word.startswith("=") or not word.isascii():
        return None
    parts = word.lower().replace("-", " ").split()
    pieces: list[str] = []
    for part in parts:
        if pieces:
            pieces.append(_WORD_JOIN)
        pieces.extend(re.escape(char) for char in part)
    return tuple(pieces)


def _piece_trie(words: list[tuple[str, ...]]) -> str:
    trie: dict[str, Any] = {}
    for pieces in words:
        node = trie
        for piece in pieces:
            node = node.setdefault(piece, {})
        node[""] = {}
    return _render_pieces(trie)


def _render_pieces(node: dict[str, Any]) -> str:
    branches = [piece + _render_pieces(child) for piece, child in node.items() if piece]
    if "" in node:
        branches.append("")  # the word that ends here, after the longer ones
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


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
        claims = block.get("claim", [""])[0] == "context"
        pattern, groups = match_pattern(block["match"][0], tables, claims=claims)
    except KeyError as err:
        raise ValueError(f"{source}: rule {name!r}: bad match line ({err})") from err
    return Rule(
        name=name,
        match=block["match"][0],
        value=block["value"][0],
        pattern=pattern,
        groups=groups,
        type=block.get("type", [""])[0],
        mod=block.get("mod", [""])[0],
        examples=tuple(_example(line) for line in block.get("example", [])),
        order=order,
        source=source,
        starts=start_keys(block["match"][0], tables, claims=claims),
        context=f"(?P<{SPAN}>" in pattern,
        claims=claims,
    )


def _example(line: str) -> Example:
    text, span, value = (part.strip() for part in line.split("|"))
    return Example(text, span, value)


def compile_match(
    match: str, tables: dict[str, Table]
) -> tuple[re.Pattern[str], tuple[tuple[str, str], ...]]:
    """The regular expression for a rule's match line, and its captures (name -> table)."""
    pattern, groups = match_pattern(match, tables)
    return re.compile(pattern, re.IGNORECASE), groups


def match_pattern(
    match: str, tables: dict[str, Table], *, claims: bool = False
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """`compile_match`, the regular expression as text (KeyError for an unknown table)."""
    groups: list[tuple[str, str]] = []
    words = match.split()
    core = [i for i, w in enumerate(words) if not w.startswith("@")]
    before = [w[1:] for w in words[: core[0]]] if core else []
    after = [w[1:] for w in words[core[-1] + 1 :]] if core else []
    elements = [_parse_element(words[i], tables, groups) for i in core]
    body = _sequence(elements) + _BOUNDARY_END
    behind = None if claims else _literal_lead(before)
    if behind is not None:
        # Plain words before the expression are looked behind for, so that a match is tried
        # only where the expression begins ("at" the time: where "the" is, not every "at").
        body = "(?:" + "|".join(behind) + ")" + body
    elif before:
        # Words that must come before the expression but are not part of it ("at" the time).
        lead = [_parse_element(c, tables, groups) for c in before]
        lead_in = _join(lead[-1], elements[0][2] if elements else False)
        body = f"{_sequence(lead)}{lead_in}(?P<{SPAN}>{body})"
    if after:
        # ... or after it ("the year" ended March 31; "Friday" 's close; "June 3" and 4, 1989).
        trail = [_parse_element(c, tables, groups) for c in after]
        lead_out = _PUNCT_JOIN if trail[0][2] or (elements and elements[-1][2]) else _WORD_JOIN
        body += f"(?={lead_out}{_sequence(trail)}{_BOUNDARY_END})"
    return _BOUNDARY_START + body, tuple(groups)


def _literal_lead(before: list[str]) -> list[str] | None:
    """Lookbehinds for context of plain words before an expression, one for each way of
    reading its alternatives ("at the|that" time), each word followed by one space; None
    when the context has a table, an optional element or punctuation, or too many ways."""
    if not before or any(e.startswith("<") or e.endswith("?") or _is_punct(e) for e in before):
        return None
    ways = [""]
    for element in before:
        ways = [f"{way}{re.escape(alt)}\\s" for way in ways for alt in element.split("|")]
        if len(ways) > _LEAD_WAYS:
            return None
    return [f"(?<={_BOUNDARY_START}{way})" for way in ways]


def _sequence(elements: list[tuple[str, bool, bool]]) -> str:
    """The regex of elements in a row, each joined to the next as `_join` says."""
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
    return body


def _join(previous: tuple[str, bool, bool], punct: bool) -> str:
    return _PUNCT_JOIN if punct or previous[2] else _WORD_JOIN


def _parse_element(
    element: str, tables: dict[str, Table], groups: list[tuple[str, str]]
) -> tuple[str, bool, bool]:
    """An element's regex, whether it is optional, and whether it is punctuation."""
    optional = element.endswith("?") and len(element) > 1
    element = element[:-1] if optional else element
    return _element_regex(element, tables, groups), optional, _is_punct(element)


def _is_punct(element: str) -> bool:
    """Whether an element is punctuation (joined to its neighbours without a space)."""
    return not element[0].isalnum() and not element.startswith("<")


def start_keys(
    match: str, tables: dict[str, Table], *, claims: bool = False
) -> frozenset[tuple[str, ...]]:
    """The keys of the first two tokens of every match of a match line (see `Rule.starts`);
    context looked behind for is not part of it (see `_literal_lead`)."""
    open_: set[tuple[str, ...]] = {()}
    done: set[tuple[str, ...]] = set()
    elements = match.split()
    lead = list(takewhile(lambda e: e.startswith("@"), elements))
    if not claims and len(lead) < len(elements) and _literal_lead([e[1:] for e in lead]):
        elements = elements[len(lead) :]
    for element in elements:
        optional = element.endswith("?") and len(element) > 1
        element = element.lstrip("@").removesuffix("?") if optional else element.lstrip("@")
        sequences = _element_keys(element, tables) | ({()} if optional else set())
        grown = {(start + seq)[:2] for start in open_ for seq in sequences}
        done |= {s for s in grown if len(s) == 2}
        open_ = {s for s in grown if len(s) < 2}
    done |= open_ - {()}
    if any(not start for start in done):
        raise ValueError(f"{match!r}: a rule must begin with a word or a number")
    return frozenset(done)


def _element_keys(element: str, tables: dict[str, Table]) -> set[tuple[str, ...]]:
    """The keys of the first two tokens of each text the element matches."""
    if element.startswith("<") and element.endswith(">"):
        table = tables[element[1:-1].partition(":")[0]]
        keys = {_token_keys(word) for word in table.words}
        # Regular-expression entries stand for numbers: one token that begins with a digit;
        # its key carries the patterns, so that the trigger looks for just those numbers.
        numbers = "|".join(f"(?:{pattern.pattern})" for pattern, _ in table.patterns)
        return keys | ({(_DIGITS + numbers,)} if numbers else set())
    return {_token_keys(alt) for alt in element.split("|")}


def _token_keys(phrase: str) -> tuple[str, ...]:
    """The keys of a phrase's first two tokens; a word that begins with a digit ("19th") is
    a number key whose pattern is the word itself."""
    keys = []
    for token in _TOKEN.findall(phrase)[:2]:
        key = token_key(token)
        keys.append(key + re.escape(token.lower()) if key == _DIGITS else key)
    return tuple(keys)


@cache
def phrase_pattern(table: Table) -> re.Pattern[str]:
    """A pattern that finds the table's words and phrases as whole words in a text."""
    words = _alternation(dict.fromkeys(table.words, _WORD_END), _either_case)
    words = "(?-i:" + words.replace(r"\ ", r"\s+") + ")"
    numbers = "|".join(f"(?:{p.pattern}){_WORD_END}" for p, _ in table.patterns)
    return re.compile(_BOUNDARY_START + "(?:" + "|".join(filter(None, (words, numbers))) + ")",
                      re.IGNORECASE)  # fmt: skip


def _either_case(char: str) -> str:
    """A character as a regex that matches what it matches under `re.IGNORECASE`, in a
    pattern that does not ignore case: an ASCII letter as the class of those characters.

    In an alternation the regex engine skips a branch that begins with a class (or a
    character) without entering it, but enters each branch that begins with a letter to
    match regardless of case.
    """
    if not char.isascii():
        return f"(?i:{re.escape(char)})"
    if not char.isalpha():
        return re.escape(char)
    return f"[{char.lower()}{char.upper()}{_CASE_FOLDS.get(char.lower(), '')}]"


# The keys the trigger looks for: first keys a match may begin with alone, and first keys
# with the second keys one of which must follow them.
Singles = tuple[str, ...]
Pairs = tuple[tuple[str, tuple[str, ...]], ...]
_FEW = 4  # texts a process scans with a trigger of their own words before it compiles all


def _trigger_keys(rules: tuple[Rule, ...]) -> tuple[Singles, Pairs]:
    """The keys of the trigger: each token where some rule's match may begin has a first
    key, followed (if a rule needs one) by a token with a fitting second key."""
    singles = {start[0] for rule in rules for start in rule.starts if len(start) == 1}
    pairs: dict[str, set[str]] = {}
    for rule in rules:
        for start in rule.starts:
            if len(start) == 2 and start[0] not in singles:
                pairs.setdefault(start[0], set()).add(start[1])
    return tuple(singles), tuple((key, tuple(seconds)) for key, seconds in pairs.items())


def _trigger_body(singles: Singles, pairs: Pairs, words: set[str] | None = None) -> str:
    """The trigger's alternation (without its boundary), run on lower-cased text; with
    `words`, only of the keys among them (and every number key): it then finds in a text
    whose words those are what the whole trigger finds, a token being one of its words."""

    def kept(key: str) -> bool:
        return words is None or key in words or key.startswith(_DIGITS)

    ends = {key: _WORD_END for key in singles if kept(key)}
    for key, seconds in pairs:
        followers = [second for second in seconds if kept(second)]
        if kept(key) and followers:
            ends[key] = r"(?=\W+" + _alternation(dict.fromkeys(followers, _WORD_END)) + ")"
    return _alternation(ends) if ends else "(?!)"


class Scanner:
    """The trigger in the forms `_tokens` runs, each compiled when first needed: as it is,
    after a space or an apostrophe, after a space."""

    def __init__(self, body: str) -> None:
        self.body = body

    @cached_property
    def trigger(self) -> re.Pattern[str]:
        return re.compile(_BOUNDARY_START + self.body)

    @cached_property
    def either(self) -> re.Pattern[str]:
        return re.compile(f"[ '](?:{self.body})")

    @cached_property
    def spaces(self) -> re.Pattern[str]:
        return re.compile(f" (?:{self.body})")


class Scans:
    """The scanners of one language. The whole trigger takes a tenth of a second to
    compile, so the first few texts a process scans (a rebuild after one edit scans one)
    each get a scanner of just the keys among their words, compiled in a millisecond or
    two; after them, the whole one."""

    def __init__(self, singles: Singles, pairs: Pairs) -> None:
        self.singles = singles
        self.pairs = pairs
        self.few = _FEW

    @cached_property
    def whole(self) -> Scanner:
        return Scanner(_trigger_body(self.singles, self.pairs))

    def for_text(self, lowered: str) -> Scanner:
        """The scanner to run on `lowered` (a text in lower case)."""
        if self.few <= 0 or "whole" in self.__dict__:
            return self.whole
        self.few -= 1
        return Scanner(_trigger_body(self.singles, self.pairs, set(_TOKEN.findall(lowered))))


def prepare(code: str = "en") -> None:
    """Compile now all that finding may need in `code`, as a process does that will scan
    many texts (or fork workers that will)."""
    lang = load_language(code)
    whole = lang.scans.whole
    # each is compiled when first asked for, and kept
    _ = [whole.trigger, whole.either, whole.spaces, *(rule.regex for rule in lang.rules)]


def _alternation(ends: dict[str, str], letter: Callable[[str], str] = re.escape) -> str:
    """A regex matching any of the keys (each followed by its end), sharing common prefixes,
    each character written by `letter`; a number key ("#" and its patterns) matches what its
    patterns match."""
    trie: dict[str, Any] = {}
    numbers = []
    for key, end in ends.items():
        if key.startswith(_DIGITS):
            numbers.append(f"(?:{key[len(_DIGITS) :]}){end}")
            continue
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = end
    branches = _branches(trie, letter)  # not in a group of their own: one step fewer
    if numbers:  # one test of the first character spares trying each number pattern
        branches.append("(?=[0-9])(?:" + "|".join(numbers) + ")")
    return "(?:" + "|".join(branches) + ")"


def _render(node: dict[str, Any], letter: Callable[[str], str]) -> str:
    branches = _branches(node, letter)
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _branches(node: dict[str, Any], letter: Callable[[str], str]) -> list[str]:
    branches = [
        letter(char) + _render(child, letter) for char, child in sorted(node.items()) if char
    ]
    if "" in node:
        branches.append(node[""])
    return branches


def _element_regex(element: str, tables: dict[str, Table], groups: list[tuple[str, str]]) -> str:
    if element.startswith("<") and element.endswith(">"):
        table, _, name = element[1:-1].partition(":")
        name = name or table
        groups.append((name, table))
        return f"(?P<{name}>{tables[table].regex})"
    alternatives = sorted(element.split("|"), key=len, reverse=True)  # longest first
    return "(?:" + "|".join(re.escape(alt) for alt in alternatives) + ")"
