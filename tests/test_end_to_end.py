"""The whole tool from the command line, on the seed articles.

`site/` is committed as the build of `seeds/`: if a fresh build differs, either the change is a
regression or the committed site must be refreshed with `make golden` (and the diff reviewed).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from timeline.cli import app

ROOT = Path(__file__).parent.parent
runner = CliRunner()


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("e2e") / "site"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        result = runner.invoke(app, ["build", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert re.search(
        r"\b5 articles, \d+ expressions, \d+ events, \d+ pages in [\d.]+ s", result.output
    )
    return out


def test_committed_site_is_the_build_of_seeds(built):
    fresh, committed = tree(built), tree(ROOT / "site")
    changed = sorted(k for k in fresh.keys() | committed.keys() if fresh.get(k) != committed.get(k))
    assert not changed, f"site/ is stale ({changed[:5]}); run `make golden` and review the diff"


def test_two_builds_give_identical_bytes(built, tmp_path):
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        assert runner.invoke(app, ["build", "--out", str(tmp_path / "again")]).exit_code == 0
    assert tree(tmp_path / "again") == tree(built)


def test_site_has_pages_data_and_nojekyll(built):
    files = tree(built)
    assert ".nojekyll" in files and "index.html" in files
    assert {f"articles/{p.stem}.html" for p in (ROOT / "seeds").glob("0*.md")} <= files.keys()


def test_links_are_relative(built):
    for name, data in tree(built).items():
        if name.endswith(".html"):
            hrefs = re.findall(rb'(?:href|src)="([^"]+)"', data)
            local = [h for h in hrefs if not h.startswith((b"http:", b"https:", b"#", b"mailto:"))]
            assert not [h for h in local if h.startswith(b"/")], name


def test_timeline_json_contract(built):
    data = json.loads((built / "timeline.json").read_text())
    assert data["events"], "the seeds timeline has events"
    for event in data["events"]:
        assert {"id", "value", "start", "end", "granularity", "title", "sources"} <= event.keys()
        assert event["sources"]
        for source in event["sources"]:
            assert {"article", "quote", "expression"} <= source.keys()
    starts = [e["start"] for e in data["events"]]
    assert starts == sorted(starts), "events are in date order"


def test_month_is_shown_as_a_month(built):
    html = (built / "index.html").read_text()
    assert re.search(r'<time datetime="2023-07">July 2023</time>', html)


SEED_000 = str(ROOT / "seeds" / "000_44e9073e4ffe12b5.md")


@pytest.mark.parametrize(
    ("expression", "value"),
    [("last week", "2023-W35"), ("this month", "2023-09"), ("July", "2023-07"), ("2011", "2011")],
)
def test_dates_json_resolves_against_published(expression, value):
    result = runner.invoke(
        app, ["dates", SEED_000, "--published", "2023-09-05", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    text = Path(SEED_000).read_text(encoding="utf-8")
    for row in rows:
        assert text[row["start"] : row["end"]] == row["text"]
        assert {"start", "end", "text", "type", "value", "mod", "granularity"} <= row.keys()
    assert value in {r["value"] for r in rows if r["text"] == expression}


def test_dates_last_month_in_article_of_5_september(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Shoigu travelled last month to North Korea, Watson said on Monday.\n")
    result = runner.invoke(app, ["dates", str(article), "--published", "2023-09-05", "-f", "json"])
    values = {
        json.loads(line)["text"]: json.loads(line)["value"] for line in result.output.splitlines()
    }
    assert values["last month"] == "2023-08"
    assert values["Monday"] == "2023-09-04"


def test_dates_reads_stdin_and_uses_front_matter_date():
    text = "---\npublished: 2023-09-05\n---\nIt happened last week.\n"
    result = runner.invoke(app, ["dates", "-", "-f", "json"], input=text)
    row = json.loads(result.output.splitlines()[0])
    assert (row["value"], text[row["start"] : row["end"]]) == ("2023-W35", "last week")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["dates", "no-such-file.txt", "--published", "2023-09-05"], 2, "no such file"),
        (["dates", SEED_000, "--published", "yesterday-ish"], 2, "not a date"),
        (["build", "--source", "no-such-folder"], 2, "does not exist"),
    ],
)
def test_errors_are_one_line_without_traceback(args, code, message):
    result = runner.invoke(app, args)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


def test_dates_text_shows_notes_for_ambiguous_dates():
    result = runner.invoke(
        app, ["dates", "-", "--published", "2023-09-05"], input="Due 03/04/05.\n"
    )
    assert result.exit_code == 0
    assert "2005-03-04" in result.output and "ambiguous" in result.output


def test_dates_timeml_holds_the_text_without_front_matter():
    result = runner.invoke(app, ["dates", SEED_000, "--format", "timeml"])
    assert result.exit_code == 0
    text = result.output[result.output.index("<TEXT>") :]
    assert "published:" not in text
    assert '<TIMEX3 tid="t1" type="DATE" value="2023-09">this month</TIMEX3>' in text
