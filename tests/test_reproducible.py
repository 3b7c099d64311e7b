"""Reproducible builds: the same sources give the same bytes whatever the timezone, locale,
hash seed or the order the file system lists files in; SOURCE_DATE_EPOCH dates generated
records."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SEEDS = ROOT / "seeds"
HOSTILE = Path(__file__).parent / "hostile" / "sources"

# Lists every folder backwards, so a build that trusts the file system's order differs.
REVERSED_LISTING = """
import os, sys
_scandir, _listdir = os.scandir, os.listdir
class _Rev:
    def __init__(self, it): self.items = iter(list(it)[::-1])
    def __iter__(self): return self
    def __next__(self): return next(self.items)
    def __enter__(self): return self
    def __exit__(self, *a): return False
    def close(self): pass
os.scandir = lambda p=".": _Rev(_scandir(p))
os.listdir = lambda p=".": _listdir(p)[::-1]
from timeline.cli import main
sys.argv = ["timeline", *sys.argv[1:]]
main()
"""

VARIANTS = {
    "utc-c": {"TZ": "UTC", "LC_ALL": "C", "PYTHONHASHSEED": "0"},
    "tokyo-fr": {"TZ": "Asia/Tokyo", "LC_ALL": "fr_FR.UTF-8", "PYTHONHASHSEED": "1"},
    "samoa-tr": {"TZ": "Pacific/Apia", "LC_ALL": "tr_TR.UTF-8", "PYTHONHASHSEED": "4242"},
    "reversed-listing": {"TZ": "America/St_Johns", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "7"},
}


def digest(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


def build(sources: Path, out: Path, env: dict[str, str], reverse: bool = False) -> None:
    full = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    code = ["-c", REVERSED_LISTING] if reverse else ["-m", "timeline"]
    args = ["build", "--source", str(sources), "--out", str(out), "--published", "2023-09-05"]
    result = subprocess.run(
        [sys.executable, *code, *args],
        cwd=out.parent,
        env=full,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    """The seeds and the hostile cases that build, copied in the reverse of sorted order."""
    folder = tmp_path_factory.mktemp("sources") / "articles"
    folder.mkdir()
    chosen = sorted(SEEDS.glob("*.md")) + sorted(HOSTILE.glob("[gst]*.md"))
    for path in reversed(chosen):
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def sites(sources, tmp_path_factory) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for name, env in VARIANTS.items():
        site = tmp_path_factory.mktemp(name) / "site"
        build(sources, site, env, reverse=name == "reversed-listing")
        out[name] = digest(site)
    return out


@pytest.mark.parametrize("name", [n for n in VARIANTS if n != "utc-c"])
def test_same_bytes_whatever_the_environment(sites, name):
    base, other = sites["utc-c"], sites[name]
    changed = sorted(k for k in base.keys() | other.keys() if base.get(k) != other.get(k))
    assert not changed, f"{name} changed {changed[:5]}"
    assert len(base) > 10


def test_source_date_epoch_dates_the_generated_records(sources, tmp_path):
    a, b = tmp_path / "a" / "site", tmp_path / "b" / "site"
    a.parent.mkdir()
    b.parent.mkdir()
    build(sources, a, {"SOURCE_DATE_EPOCH": "1700000000"})
    build(sources, b, {"SOURCE_DATE_EPOCH": "1800000000"})
    differ = sorted(k for k, v in digest(a).items() if digest(b).get(k) != v)
    assert differ, "SOURCE_DATE_EPOCH shows nowhere"
    # the manifest records each file's digest, so it follows the two that carry the time
    assert set(differ) <= {"calendar.ics", "feed.xml", ".timeline-manifest"}, differ
    assert "2023-11-14" in (a / "feed.xml").read_text("utf-8")
