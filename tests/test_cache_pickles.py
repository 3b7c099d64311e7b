"""The cache's pickles: a result comes back equal, with the names every result shares written
as numbers, and a pickle this version did not write is refused, never misread."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from timeline.cache import dumps, loads
from timeline.execute import Analysis, FileResult, analyse

SEEDS = Path(__file__).parent.parent / "seeds"


@pytest.fixture(scope="module")
def results() -> list[FileResult]:
    paths = sorted(SEEDS.glob("0*.md"))
    return [analyse(p.name, p.read_bytes(), Analysis()) for p in paths] + [
        analyse("empty.md", b"", Analysis()),  # a problem, no article
    ]


def test_a_result_comes_back_equal(results):
    for result in results:
        again = loads(dumps(result))
        assert again == result
        assert (again.events and again.mentions) or again.problems


def test_the_key_comes_back_too(results):
    from dataclasses import replace

    keyed = replace(results[0], key="abc")
    assert loads(dumps(keyed)).key == "abc"


def test_shared_names_are_written_as_numbers(results):
    blob = dumps(results[0])
    for name in (b"FileResult", b"Mention", b"TimeValue", b"Granularity", b"published"):
        assert name not in blob
    assert len(blob) < len(pickle.dumps(results[0], protocol=pickle.HIGHEST_PROTOCOL))


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"not a pickle",
        pickle.dumps("a plain pickle"),
        b"\0" * 8 + pickle.dumps("another version's table"),
    ],
)
def test_a_pickle_this_version_did_not_write_is_refused(blob):
    with pytest.raises(ValueError, match="another version"):
        loads(blob)


def test_a_damaged_pickle_of_this_version_raises(results):
    blob = dumps(results[0])
    with pytest.raises((pickle.UnpicklingError, EOFError)):  # the cache counts it a miss
        loads(blob[: len(blob) // 2])
