"""Render cache keys: the same values give the same key in every process, other values another."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from test_render import sample_timeline

from timeline.model import Anchor, Granularity, Status
from timeline.render_cache import ModelDigest
from timeline.render_cache import model_digest as digest

ROOT = Path(__file__).parent.parent
KEY_OF_SAMPLE = (
    "import sys; sys.path.insert(0, 'tests'); from test_render import sample_timeline;"
    "from timeline.render_cache import model_digest as digest; t = sample_timeline();"
    "print(digest(t.articles[0], t.mentions, t.entries).hex())"
)


def test_a_key_is_the_same_in_every_process() -> None:
    keys = {
        subprocess.run(
            [sys.executable, "-c", KEY_OF_SAMPLE],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    t = sample_timeline()
    assert keys == {digest(t.articles[0], t.mentions, t.entries).hex()}


def test_any_field_of_an_entry_changes_its_key() -> None:
    entry = sample_timeline().entries[0]
    ev = entry.events[0]
    others = [
        replace(entry, title=entry.title + "!"),
        replace(entry, importance=entry.importance + 1),
        replace(entry, events=(replace(ev, sentence=ev.sentence + "!"), *entry.events[1:])),
        replace(entry, events=(replace(ev, mention=replace(ev.mention, rule="x")),)),
        replace(entry, value=replace(entry.value, mod="APPROX")),
    ]
    keys = [digest(e) for e in [entry, *others]]
    assert len(set(keys)) == len(keys)
    assert digest(entry) == digest(replace(entry))


def test_one_digester_gives_each_key_as_if_alone() -> None:
    t = sample_timeline()
    many = ModelDigest()
    for _ in range(2):
        assert [many(e) for e in t.entries] == [digest(e) for e in t.entries]
        assert many(t.articles[0], t.entries) == digest(t.articles[0], t.entries)


def test_any_field_of_a_mention_changes_its_articles_key() -> None:
    t = sample_timeline()
    a = t.articles[0]
    m = t.mentions_of(a.id)[0]
    others = [
        replace(m, start=m.start + 1),
        replace(m, end=m.end + 1),
        replace(m, text=m.text + "!"),
        replace(m, rule="x"),
        replace(m, notes=("x",)),
        replace(m, anchor=Anchor.TEXT if m.anchor is not Anchor.TEXT else Anchor.PUBLISHED),
        replace(m, value=replace(m.value, value="1999")),
        replace(m, value=replace(m.value, type="TIME")),
        replace(m, value=replace(m.value, granularity=Granularity.YEAR)),
        replace(m, value=replace(m.value, start=None)),
        replace(m, value=replace(m.value, end=None)),
        replace(m, value=replace(m.value, mod="APPROX")),
    ]
    rest = t.mentions_of(a.id)[1:]
    keys = [ModelDigest().mentions(a, (n, *rest)) for n in [m, *others]]
    assert len(set(keys)) == len(keys)
    assert ModelDigest().mentions(a, (replace(m), *rest)) == keys[0]


def test_any_field_of_an_entry_its_events_or_its_votes_changes_its_spelled_key() -> None:
    entry = sample_timeline().entries[0]
    ev, vote = entry.events[0], entry.disagreement[0]
    mention = ev.mention
    told = [
        replace(ev, id="x"),
        replace(ev, article_id="x"),
        replace(ev, sentence=ev.sentence + "!"),
        replace(ev, sentence_start=ev.sentence_start + 1),
        replace(ev, title="x"),
        replace(ev, status=Status.EXPECTED),
        replace(ev, focus="x"),
        replace(ev, mention=replace(mention, start=mention.start + 1)),
        replace(ev, mention=replace(mention, rule="x")),
        replace(ev, mention=replace(mention, notes=("x",))),
        replace(ev, mention=replace(mention, value=replace(mention.value, mod="APPROX"))),
        replace(ev, mention=replace(mention, value=replace(mention.value, end=None))),
    ]
    others = [
        *(replace(entry, events=(t, *entry.events[1:])) for t in told),
        replace(entry, id="x"),
        replace(entry, title="x"),
        replace(entry, text="x"),
        replace(entry, status=Status.EXPECTED),
        replace(entry, importance=entry.importance + 1),
        replace(entry, key=not entry.key),
        replace(entry, value=replace(entry.value, granularity=Granularity.YEAR)),
        replace(entry, disagreement=(replace(vote, event_ids=("x",)), *entry.disagreement[1:])),
        replace(entry, disagreement=entry.disagreement[1:]),
    ]
    keys = [ModelDigest().entry(e) for e in [entry, *others]]
    assert len(set(keys)) == len(keys)
    assert ModelDigest().entry(replace(entry)) == keys[0]
    assert len({ModelDigest().event(e) for e in [ev, *told]}) == len(told) + 1


def test_an_event_of_an_article_with_a_version_is_keyed_by_that_version() -> None:
    """The version an article was made from stands for its events: a rebuild need not spell
    out the events of 10,000 articles; another version, another key."""
    entry = sample_timeline().entries[0]
    ev = entry.events[0]
    versions = {ev.article_id: "file-key#0"}
    keyed = ModelDigest().entry(entry, versions)
    assert keyed != ModelDigest().entry(entry)
    assert ModelDigest().entry(entry, {ev.article_id: "file-key#1"}) != keyed
    assert ModelDigest().entry(replace(entry, title="x"), versions) != keyed
    same_version = replace(entry, events=(replace(ev, sentence="made from it"), *entry.events[1:]))
    assert ModelDigest().entry(same_version, versions) == keyed
    assert ModelDigest().event(ev, versions) != ModelDigest().event(ev)
    assert ModelDigest().event(replace(ev, id="x"), versions) != ModelDigest().event(ev, versions)
