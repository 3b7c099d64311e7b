"""Hostile input: every bad file is named with what is wrong and what to do, the other articles
are still built, --strict fails, no traceback, nothing written outside the output folder, and
nothing that came from an article runs in a browser."""

from __future__ import annotations

import functools
import html.parser
import http.server
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

HOSTILE = Path(__file__).parent / "hostile"
CACHE = ".timeline-cache"  # per-article results, beside the site and never inside it
_spec = importlib.util.spec_from_file_location("hostile_corpus", HOSTILE / "generate.py")
assert _spec and _spec.loader
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)

# file -> what its warning must say (the file name starts the line)
EXPECTED = {
    "empty.md": "has no text",
    "blank.txt": "has no text",
    "binary.md": "is a PNG image, not a text article",
    "random-bytes.txt": "is binary data",
    "invalid-utf8.md:6": "not valid UTF-8 (byte 0xc3",
    "latin1.txt:5": "read as Latin-1",
    "huge.md": "is 50.0 MB",
    "one-long-line.md:5": "has a line of 1,000,000 characters",
    "front-matter-broken.md:4": "front matter is not valid YAML",
    "front-matter-list.md:2": "front matter must be 'key: value' lines",
    "front-matter-unclosed.md:1": "never ends",
    "date-missing.md": "no publish date",
    "date-unparseable.md": "is not a date",
    "date-naive.md": "has no timezone",
    "date-far-future.md": "outside the years",
    "date-year-0001.md": "outside the years",
    "timezone-unknown.md": "unknown timezone 'Mars/Olympus_Mons'",
    "same-slug.md": "is taken by another file",
    "title-nul.md": "control or text-direction characters removed",
    "title-rtl.md": "control or text-direction characters removed",
    "symlink-outside.md": "outside the sources; skipped",
    "stray-data.csv": "is not an article file",
    "stray-notes.docx": "is not an article file",
    "fifo.md": "is not a regular file",
    "new\\u000aline.md": "its name has control characters",
    "latin1-name-\\xe9.md": "its name has control characters or is not UTF-8",
}
BUILT = {
    "good-kim",
    "good-putin",
    "date-naive",
    "latin1",
    "utf16-bom",
    "same-slug",
    "same-slug-2",
    "title-traversal",
    "title-nul",
    "title-rtl",
    "title-emoji",
    "script-in-title",
    "quoted-end-script",
    "dates-extreme-in-text",
    "front-matter-alias-bomb",
}
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}


def run_build(workdir: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "timeline", "build", "--source", "sources", "--out", "site"]
    return subprocess.run(
        [*cmd, *flags], cwd=workdir, env=ENV, capture_output=True, text=True, timeout=600
    )


def snapshot(root: Path, skip: str) -> dict[str, tuple[int, int]]:
    """Size and time of every file under `root` but `skip` and the build's cache."""
    out = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if Path(folder, d) not in (root / skip, root / CACHE)]
        for name in names:
            st = os.lstat(os.path.join(folder, name))
            out[os.path.join(folder, name)] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str], dict]:
    work = tmp_path_factory.mktemp("hostile")
    sources = corpus.make(work)
    assert run_build(work).returncode == 0
    # Editorial notes are rendered only for real event ids: give the first event a hostile one.
    first = json.loads((work / "site" / "timeline.json").read_text("utf-8"))["events"][0]["id"]
    notes = (sources / "notes.yaml").read_text("utf-8")
    (sources / "notes.yaml").write_text(notes + notes.replace("e1:", f"{first}:"), "utf-8")
    before = snapshot(work, "site")
    result = run_build(work)
    return work, result, before


def test_build_succeeds_without_traceback(hostile):
    _, result, _ = hostile
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(("where", "says"), sorted(EXPECTED.items()))
def test_each_bad_file_is_named_with_what_and_what_to_do(hostile, where, says):
    _, result, _ = hostile
    lines = [line for line in result.stderr.splitlines() if line.startswith(f"warning: {where}:")]
    assert lines, f"no warning for {where}:\n{result.stderr[-3000:]}"
    assert says in lines[0]
    assert "(" in lines[0] and lines[0].endswith(")"), "every warning says what to do"


def test_the_other_articles_are_still_built(hostile):
    work, _, _ = hostile
    pages = {p.stem for p in (work / "site" / "articles").glob("*.html")}
    assert pages == BUILT


def test_nothing_written_outside_the_output_folder(hostile):
    work, _, before = hostile
    after = snapshot(work, "site")
    assert after == before
    assert sorted(p.name for p in work.iterdir()) == [
        ".timeline-cache",  # per-article results, beside the site and never inside it
        "outside",
        "site",
        "sources",
    ]
    assert not Path("/tmp/escaped").exists()


def test_strict_fails_with_exit_1_and_leaves_the_site(hostile):
    work, _, _ = hostile
    index = (work / "site" / "index.html").read_bytes()
    result = run_build(work, "--strict")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "--strict" in result.stderr and "empty.md" in result.stderr
    assert (work / "site" / "index.html").read_bytes() == index


def test_pages_forbid_inline_script(hostile):
    work, _, _ = hostile
    for page in (work / "site").rglob("*.html"):
        head = page.read_text("utf-8").split("</head>")[0]
        assert 'http-equiv="Content-Security-Policy"' in head, page
        csp = head.split('http-equiv="Content-Security-Policy" content="')[1].split('"')[0]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, page


class Tags(html.parser.HTMLParser):
    """Every tag of a page with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def test_hostile_notes_and_about_page_are_rendered_inert(hostile):
    work, _, _ = hostile
    events = "".join(p.read_text("utf-8") for p in (work / "site" / "events").glob("*.html"))
    assert "Editor’s note" in events, "the hostile note is on its event page"
    assert "About" in (work / "site" / "about.html").read_text("utf-8")


def test_no_injected_markup_reaches_a_page(hostile):
    work, _, _ = hostile
    for page in (work / "site").rglob("*.html"):
        parser = Tags()
        parser.feed(page.read_text("utf-8"))
        for tag, attrs in parser.tags:
            assert not [a for a in attrs if a.startswith("on")], (page.name, tag, attrs)
            assert tag not in ("svg", "iframe", "object", "embed"), (page.name, tag)
            links = [attrs.get(a, "") for a in ("href", "src", "action")]
            assert not [u for u in links if u.lower().lstrip().startswith("javascript:")]
            assert not [u for u in links if "127.0.0.1:9" in u], (page.name, tag, attrs)
            if tag == "script":
                assert "src" in attrs or attrs.get("type") == "application/ld+json", page.name


# -- the browser --------------------------------------------------------------------------------


def _browser_or_skip():
    required = os.environ.get("TIMELINE_REQUIRE_BROWSER") == "1"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if required:
            pytest.fail("TIMELINE_REQUIRE_BROWSER=1 but the playwright package is missing")
        pytest.skip("playwright is not installed (pip install playwright)")
    if not Path(chromium).exists():
        if required:
            pytest.fail("TIMELINE_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing")
        pytest.skip("no Chromium at /usr/bin/chromium (apt-get install chromium)")
    return sync_playwright, chromium


@pytest.fixture(scope="module")
def served(hostile):
    work, _, _ = hostile
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(work / "site"))
    handler.log_message = lambda *a: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", work / "site"
    server.shutdown()


# Runs in its own process: the sync playwright API refuses to start inside another session's.
BROWSE = """
import json, sys
from playwright.sync_api import sync_playwright
base, chromium, pages = sys.argv[1], sys.argv[2], sys.argv[3:]
requested, dialogs, ran, scripted = [], [], [], []
args = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--no-first-run"]
with sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path=chromium, args=args)
    page = browser.new_page()
    page.on("request", lambda r: requested.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for name in pages:
        page.goto(base + name, wait_until="load")
        page.wait_for_timeout(50)
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        scripted += [h for h in hrefs if h.lower().startswith("javascript:")]
        pwned = page.evaluate("() => window.__pwned === undefined ? null : window.__pwned")
        if pwned is not None:
            ran.append([name, pwned])
    browser.close()
print(json.dumps({"requested": requested, "dialogs": dialogs, "ran": ran, "js": scripted}))
"""


def test_nothing_from_an_article_runs_or_fetches_in_a_browser(served):
    _, chromium = _browser_or_skip()
    base, site = served
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    result = subprocess.run(
        [sys.executable, "-c", BROWSE, base, chromium, *pages],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout)
    assert not seen["ran"], f"injected script ran: {seen['ran']}"
    assert not seen["dialogs"] and not seen["js"]
    foreign = [u for u in seen["requested"] if not u.startswith(base)]
    assert not foreign, f"requests that left the site: {foreign[:5]}"
    assert len({u for u in seen["requested"] if u.endswith(".html")}) == len(pages) > len(BUILT)
