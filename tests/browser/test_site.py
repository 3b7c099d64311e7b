"""The seeds site in a real browser: pages load cleanly at / and under /repo/, links resolve,
filters and search change what is shown, the keyboard reaches every control, axe finds no
serious or critical violation, and the page reads without JavaScript and on a phone."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from html import unescape
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from conftest import Served, watch

try:
    from playwright.sync_api import expect
except ImportError:  # the browser_ready fixture skips (or fails in CI) with the reason
    expect = None

AXE_PAGES = ["index.html", "about.html", "sources.html", "search.html?q=Putin", "undated.html"]


def first(site: Served, folder: str) -> str:
    return next(p for p in site.pages() if p.startswith(folder + "/"))


@pytest.mark.parametrize("where", ["root", "repo"])
def test_every_page_loads_without_errors_or_outside_requests(site: Served, context, where):
    base = site.root if where == "root" else site.repo
    page = context.new_page()
    w = watch(page)
    for path in site.pages():
        if path == "404.html":
            continue
        page.goto(base + path, wait_until="load")
        assert w.clean(), (path, w)
    page.close()


def test_search_finds_events_and_articles_and_filters_by_type(site: Served, context):
    page = context.new_page()
    w = watch(page)
    page.goto(site.repo + "search.html?q=Vladivostok")
    results = page.locator(".results li")
    results.first.wait_for(timeout=10_000)
    kinds = set(page.locator(".results .kind").all_text_contents())
    assert {"Event", "Article"} <= kinds, page.locator(".results").inner_html()[:2000]
    hrefs = page.locator(".results h2 a").evaluate_all("els => els.map(a => a.href)")
    assert all(h.startswith(site.repo) for h in hrefs), "results stay under /repo/"
    page.get_by_label("events", exact=True).check()
    expect(page.locator(".search-status")).to_contain_text("in events")
    assert set(page.locator(".results .kind").all_text_contents()) == {"Event"}
    page.goto(site.repo + "search.html?q=zzyzxnothing")
    expect(page.locator(".search-status")).to_contain_text("Nothing found")
    assert w.clean(), w
    page.close()


def test_filters_change_what_is_shown_and_are_kept_in_the_address(site: Served, context):
    page = context.new_page()
    page.goto(site.repo + "index.html")
    visible = page.locator(".entries > .entry:visible")
    total = visible.count()
    assert total > 3
    page.get_by_label("key", exact=True).check()
    key_count = visible.count()
    assert 0 < key_count < total
    assert all("key" in c for c in visible.evaluate_all("els => els.map(e => e.className)"))
    assert "key=1" in page.url
    assert re.search(
        rf"Showing {key_count} of {total} events", page.locator(".filter-status").inner_text()
    )
    page.get_by_role("button", name="Clear").click()
    expect(visible).to_have_count(total)
    source = page.locator("#f-source option").nth(1)
    page.select_option("#f-source", source.get_attribute("value"))
    assert 0 < visible.count() < total
    page.goto(site.repo + "index.html?key=1")
    assert visible.count() == key_count, "a shared address restores the filter"
    page.close()


def test_overview_strip_jumps_to_a_period(site: Served, context):
    page = context.new_page()
    page.goto(site.repo + "index.html")
    bar = page.locator(".strip a").last
    target = urlsplit(bar.get_attribute("href")).fragment
    bar.click()
    assert page.url.endswith("#" + target)
    assert page.locator(f"#{target}").is_visible()
    page.close()


def test_keyboard_reaches_every_control(site: Served, context):
    page = context.new_page()
    page.goto(site.repo + "index.html")
    wanted = page.evaluate(
        """() => Array.from(document.querySelectorAll('a[href], input, select, button'))
             .filter(e => e.offsetParent !== null || e.getClientRects().length)
             .map((e, i) => (e.dataset.kb = String(i), e.dataset.kb))"""
    )
    reached: set[str] = set()
    for _ in range(len(wanted) + 40):
        page.keyboard.press("Tab")
        marker = page.evaluate("() => document.activeElement && document.activeElement.dataset.kb")
        if marker is not None:
            reached.add(marker)
        if reached >= set(wanted):
            break
    missing = set(wanted) - reached
    # Radio groups and checkboxes are reached one per Tab; all of ours are checkboxes.
    assert not missing, page.evaluate(
        "(ids) => ids.map(i => document.querySelector(`[data-kb='${i}']`).outerHTML.slice(0, 80))",
        sorted(missing),
    )
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focus is visible"
    page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violation(site: Served, browser, scheme):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = ctx.new_page()
    pages = [*AXE_PAGES, first(site, "events"), first(site, "articles")]
    problems = []
    for path in pages:
        page.goto(site.repo + path)
        if path.startswith("search"):
            page.locator(".results li").first.wait_for(timeout=10_000)
        result = axe.run(page)
        assert result.response["passes"], f"axe did not run on {path}"
        problems += [
            (path, v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
    ctx.close()
    assert not problems, problems


def test_every_internal_link_and_asset_resolves_under_repo(site: Served):
    checked: dict[str, int] = {}
    for path in site.pages():
        html = (site.path / path).read_text(encoding="utf-8")
        for ref in re.findall(r'(?:href|src)="([^"]+)"', html):
            url = urldefrag(urljoin(site.repo + path, unescape(ref)))[0]
            if not url.startswith(site.repo) or url in checked:
                continue
            checked[url] = _status(url)
    broken = {u: s for u, s in checked.items() if s != 200}
    assert len(checked) > 20 and not broken, broken


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code


def test_404_at_any_depth_has_working_style_and_links(site: Served, context):
    page = context.new_page()
    w = watch(page)
    response = page.goto(site.repo + "no/such/deep/page.html")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    color = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert color != "rgba(0, 0, 0, 0)", "the stylesheet loaded"
    page.get_by_role("link", name="The timeline").click()
    assert page.url == site.repo + "index.html"
    assert [f for f in w.failed if "no/such" not in f] == []
    page.close()


def test_pages_read_without_javascript(site: Served, browser):
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(site.repo + "index.html")
    assert (
        page.locator(".entries > .entry").count()
        == page.locator(".entries > .entry:visible").count()
    )
    assert not page.locator("form[data-filters]").is_visible(), "filters need the script"
    page.goto(site.repo + "search.html")
    assert "needs JavaScript" in page.locator(".search-status").inner_text()
    ctx.close()


@pytest.mark.parametrize("width", [360, 1600])
def test_no_horizontal_scrolling_from_phone_to_wide_screen(site: Served, browser, width: int):
    ctx = browser.new_context(viewport={"width": width, "height": 800})
    page = ctx.new_page()
    for path in ["index.html", first(site, "events"), first(site, "articles"), "about.html"]:
        page.goto(site.repo + path)
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= width, (path, scroll)
    ctx.close()


def test_json_ld_parses_on_event_pages(site: Served, context):
    page = context.new_page()
    page.goto(site.repo + first(site, "events"))
    script = "document.querySelector('script[type=\"application/ld+json\"]').textContent"
    data: Any = page.evaluate(f"() => JSON.parse({script})")
    assert data["@type"] == "Event" and data["subjectOf"][0]["@type"] == "NewsArticle"
    assert data["url"].startswith(site.repo)
    page.close()
