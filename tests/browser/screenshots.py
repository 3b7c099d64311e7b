"""Screenshots of the seeds timeline for docs/: desktop (1280 wide) and phone (390 wide).

    .venv/bin/python tests/browser/screenshots.py [PAGE] [--dark] [--full] [--site DIR]

Builds the seeds site into a temporary folder (or serves an already built one with --site),
serves it on 127.0.0.1 and writes docs/screenshot-desktop.png and docs/screenshot-phone.png
(PAGE, default index.html, names other shots after the page; --dark for dark mode).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from helpers import ROOT, build_seeds, chromium, missing_browser, serve

SHOTS = {"desktop": (1280, 900), "phone": (390, 844)}


def main(argv: list[str]) -> int:
    why = missing_browser()
    if why:
        print(f"cannot take screenshots: {why}", file=sys.stderr)
        return 1
    dark = "--dark" in argv
    given = Path(argv[argv.index("--site") + 1]) if "--site" in argv else None
    argv = [a for a in argv if given is None or a != str(given)]
    page_path = next((a for a in argv if not a.startswith("--")), "index.html")
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(given or Path(tmp) / "site") as url,
        chromium() as browser,
    ):
        if given is None:
            build_seeds(Path(tmp) / "site", base_url=url)
        for name, (width, height) in SHOTS.items():
            scheme = "dark" if dark else "light"
            viewport = {"width": width, "height": height}
            page = browser.new_page(viewport=viewport, color_scheme=scheme)
            page.goto(url + page_path)
            suffix = "-dark" if dark else ""
            stem = "screenshot" if page_path == "index.html" else Path(page_path).stem
            stem = f"{given.name}-{stem}" if given else stem
            out = ROOT / "docs" / f"{stem}-{name}{suffix}.png"
            page.screenshot(path=str(out), full_page="--full" in argv)
            print(f"wrote {out.relative_to(ROOT)}")
            page.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
