"""Stage find: the faster forms of its patterns and scans find what the plain forms find."""

from __future__ import annotations

import dataclasses
import pickle
import re
import string

import pytest

from timeline.find import (
    _BLANKS,
    _alternation,
    _either_case,
    _lower,
    _piece_trie,
    _pieces,
    _tokens,
    find,
    load_language,
)
from timeline.model import Anchor, Granularity, Mention, TimeValue

WORDS = ["sept", "sept.", "september", "sep.", "a", "an", "a couple of", "a hundred", "mid",
         "mid-", "middle of", "more than", "no more than", "twenty", "twenty-four",
         "Dec."]  # fmt: skip
TEXTS = [
    "In mid-September, a couple  of weeks ago, no more than twenty-four of them; sept. Sep. 3",
    "an hour, A HUNDRED days, Middle of-the year, more\tthan a month, twenty four, dec.5",
    "septembers septa sept-ember a-couple-of an-hour twentyfour",
]


def _flat(words: list[str]) -> re.Pattern[str]:
    """The alternation find wrote before it wrote tries: every word, longest regex first."""
    alternatives = sorted(
        (r"(?:\s+|-)".join(re.escape(part) for part in w.replace("-", " ").split()) for w in words),
        key=len,
        reverse=True,
    )
    return re.compile("(?:" + "|".join(alternatives) + ")", re.IGNORECASE)


def _matches(pattern: re.Pattern[str], text: str, after: str = "") -> list[str | None]:
    compiled = re.compile(f"(?:{pattern.pattern}){after}", re.IGNORECASE)
    return [m.group() if (m := compiled.match(text, i)) else None for i in range(len(text))]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("after", ["", r"(?!\w)", r"\s+of", r"\s*\d"])
def test_a_trie_matches_what_the_sorted_alternation_matches(text: str, after: str) -> None:
    pieces = [p for p in map(_pieces, WORDS) if p is not None]
    trie = re.compile(_piece_trie(pieces), re.IGNORECASE)
    assert _matches(trie, text, after) == _matches(_flat(WORDS), text, after)


def test_words_to_match_with_their_case_stay_out_of_tries() -> None:
    assert _pieces("=May") is None
    assert _pieces("été") is None
    assert _pieces("twenty-four") == (*"twenty", r"(?:\s+|-)", *"four")


@pytest.mark.parametrize(
    "text",
    [
        "Gonzalez said on CBS's ''60 Minutes'' that the '90s, 1990's and 'last year' mattered.",
        "'2023 ''2023 '''May 5 'the end of '' 'next week' o'clock x'30 days",
        "no apostrophe: on Aug. 30, 2023, two days later",
        "''24 hours a day' the year's 'early 1998's end",
    ],
)
def test_the_scan_after_spaces_with_apostrophes_merged_is_the_scan_after_either(
    text: str,
) -> None:
    lang = load_language("en")
    lowered = _lower(text)
    either = lang.scan[0]
    blank = " " + lowered.translate(_BLANKS)
    expected = [(hit.start(), hit.end() - 1) for hit in either.finditer(blank)]
    assert _tokens(lang, lowered) == expected


def test_the_mention_constructor_behaves_as_a_frozen_dataclass() -> None:
    value = TimeValue("2023-09", "DATE", Granularity.MONTH)
    mention = Mention(3, 7, "Sept", value, Anchor.PUBLISHED)
    assert [f.name for f in dataclasses.fields(Mention)] == list(vars(mention))
    assert (mention.rule, mention.notes) == ("", ())
    assert mention == Mention(start=3, end=7, text="Sept", value=value, anchor=Anchor.PUBLISHED)
    assert pickle.loads(pickle.dumps(mention)) == mention
    assert dataclasses.replace(mention, notes=("n",)).notes == ("n",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        mention.start = 4  # type: ignore[misc]


_EVERY_CHARACTER = "".join(map(chr, range(0x110000)))


@pytest.mark.parametrize("char", [*string.ascii_letters, "0", ".", "'", " ", "é", "İ"])
def test_either_case_matches_what_ignorecase_matches(char: str) -> None:
    folded = re.compile(_either_case(char))
    ignoring = re.compile(re.escape(char), re.IGNORECASE)
    assert folded.findall(_EVERY_CHARACTER) == ignoring.findall(_EVERY_CHARACTER)


@pytest.mark.parametrize("name", ["tense", "report"])
def test_phrases_are_found_as_before_case_was_spelled_out(name: str) -> None:
    table = load_language("en").tables[name]
    words = _alternation(dict.fromkeys(table.words, r"(?!\w)")).replace(r"\ ", r"\s+")
    numbers = "|".join(f"(?:{p.pattern})(?!\\w)" for p, _ in table.patterns)
    plain = re.compile(r"(?<!\w)(?:" + "|".join(filter(None, (words, numbers))) + ")", re.I)
    text = " ".join(TEXTS) + " He SAID it WILL; she Said they'd been Confirmed, PLANS TO ſay"
    text += " " + " ".join(w.upper() for w in table.words) + " " + " ".join(table.words)
    found = [m.span() for m in table.phrases.finditer(text)]
    assert found == [m.span() for m in plain.finditer(text)]
    assert len(found) > len(table.words)


def test_the_rules_before_the_one_the_dispatch_pattern_names_do_not_match() -> None:
    lang = load_language("en")
    texts = [example.text for rule in lang.rules for example in rule.examples]
    for text in texts:
        find(text)  # fills the dispatch table
    checked = 0
    for any_of, first_of, rules in list(lang._dispatch.values()):
        if any_of is None:
            continue
        for text in texts:
            for word in re.finditer(r"\b\w", text):
                hit = any_of.match(text, word.start())
                if hit is None:
                    continue
                first = first_of[hit.lastindex or 0]
                assert rules[first].regex.match(text, word.start())
                assert not any(rule.regex.match(text, word.start()) for rule in rules[:first])
                checked += 1
    assert checked > 100


def test_fields_kept_from_earlier_matches_are_those_worked_out_afresh() -> None:
    lang = load_language("en")
    texts = [example.text for rule in lang.rules for example in rule.examples]
    texts += [text.upper() for text in texts] + TEXTS
    lang._seen_fields.clear()
    afresh = []
    for text in texts:
        afresh.append(find(text))
        lang._seen_fields.clear()
    assert [find(text) for text in texts] == afresh
    assert [find(text) for text in reversed(texts)] == afresh[::-1]
    assert len(lang._seen_fields) > 100
