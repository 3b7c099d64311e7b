"""Every `example:` line in the English rule files, run through the resolver."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from timeline.find import load_language
from timeline.resolve import resolve_text

PUBLISHED = datetime(
    2023, 9, 5, 12, 0, tzinfo=UTC
)  # a Tuesday, as resources/en/time/README.md says
EXAMPLES = [
    pytest.param(rule, example, id=f"{rule.name}: {example.text}")
    for rule in load_language("en").rules
    for example in rule.examples
]


def test_every_rule_has_an_example() -> None:
    assert [r.name for r in load_language("en").rules if not r.examples] == []


def test_rule_names_are_unique() -> None:
    names = [r.name for r in load_language("en").rules]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(("rule", "example"), EXAMPLES)
def test_example(rule, example) -> None:
    mentions = resolve_text(example.text, PUBLISHED)
    if example.value == "-":
        start = example.text.index(example.span)
        end = start + len(example.span)
        assert [m for m in mentions if m.start < end and start < m.end] == []
        assert rule.regex.search(example.text), "the rule should claim the text"
        return
    found = {(m.text, m.rule): m.value.value for m in mentions}
    assert (example.span, rule.name) in found, f"found {found}"
    assert found[(example.span, rule.name)] == example.value
