"""Stage find, its start-up: the first texts a process scans get a trigger of their own words
(see `find.Scans`), which finds what the whole trigger finds; rules compile when first tried."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from timeline.find import (
    _TOKEN,
    Scanner,
    _lower,
    _trigger_body,
    find,
    load_language,
    scan_tokens,
)

ROOT = Path(__file__).parent.parent
EXTRA = [
    "",
    "nothing here at all",
    "Gonzalez said on CBS's ''60 Minutes'' that the '90s, 1990's and 'last year' mattered.",
    "'2023 ''2023 '''May 5 'the end of '' 'next week' o'clock x'30 days",
    "Über-Montag, am 3. März 2023 — le lundi 4 septembre; İstanbul, ſeptember, Kelvin \u212a",
    "THE NEXT DAY, Mid-September, a couple of weeks later, 24 hours, 1990s, the '80s",
    "about about about last last next the the the 5 5 5 days days",
]


def _texts() -> list[str]:
    lang = load_language("en")
    texts = [example.text for rule in lang.rules for example in rule.examples]
    for folder in (ROOT / "seeds", ROOT / "tests" / "hostile" / "sources"):
        texts += [p.read_text("utf-8", errors="replace") for p in sorted(folder.glob("*.md"))]
    return texts + [text.upper() for text in texts] + EXTRA


TEXTS = _texts()


def _own(lowered: str) -> Scanner:
    scans = load_language("en").scans
    return Scanner(_trigger_body(scans.singles, scans.pairs, set(_TOKEN.findall(lowered))))


def test_a_trigger_of_a_texts_own_words_finds_what_the_whole_trigger_finds() -> None:
    whole = load_language("en").scans.whole
    found = 0
    for text in TEXTS:
        lowered = _lower(text)
        tokens = scan_tokens(whole, lowered)
        assert scan_tokens(_own(lowered), lowered) == tokens, text[:80]
        found += len(tokens)
    assert found > 1000


@pytest.mark.parametrize("text", EXTRA)
def test_the_own_trigger_is_smaller_and_still_matches_as_the_whole_one_would(text: str) -> None:
    lowered = _lower(text)
    own, whole = _own(lowered), load_language("en").scans.whole
    assert len(own.body) < len(whole.body) / 4
    assert [m.span() for m in own.trigger.finditer(lowered)] == [
        m.span() for m in whole.trigger.finditer(lowered)
    ]


def test_a_new_process_finds_the_same_with_its_first_texts_as_later() -> None:
    """The first texts of a process go through their own triggers, the rest through the
    whole one: the same texts, in both orders, find the same expressions."""
    script = (
        "import sys\n"
        "from timeline.find import find, load_language\n"
        "texts = sys.stdin.read().split('\\0')\n"
        "first = [find(t) for t in texts]\n"
        "assert load_language('en').scans.few == 0 and 'whole' in vars(load_language('en').scans)\n"
        "print(repr([(*c[:3], c.rule.name) for f in first for c in f]))\n"
    )
    texts = TEXTS[:3] + TEXTS[-len(EXTRA) :] + TEXTS[3:40]
    run = subprocess.run(
        [sys.executable, "-c", script],
        input="\0".join(texts),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    whole = [find(text) for text in texts]  # this process compiled the whole trigger long ago
    assert run.stdout.strip() == repr([(*c[:3], c.rule.name) for f in whole for c in f])


def test_rules_compile_when_first_tried() -> None:
    lang = load_language("en")
    assert all(rule.regex.pattern == rule.pattern for rule in lang.rules)
    assert sum(rule.context for rule in lang.rules) == sum(
        "span" in rule.regex.groupindex for rule in lang.rules
    )


def test_prepare_compiles_the_whole_trigger_and_every_rule_before_any_text() -> None:
    script = (
        "from timeline.find import load_language, prepare\n"
        "lang = load_language('en')\n"
        "assert 'whole' not in vars(lang.scans)\n"
        "assert not any('regex' in vars(rule) for rule in lang.rules)\n"
        "prepare('en')\n"
        "assert all('regex' in vars(rule) for rule in lang.rules)\n"
        "assert lang.scans.for_text('on monday') is lang.scans.whole\n"
        "assert {'trigger', 'either', 'spaces'} <= set(vars(lang.scans.whole))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT, env=env)
