"""Screenshots of the seeds timeline for docs/: desktop (1280 wide) and phone (390 wide).

    .venv/bin/python tests/browser/screenshots.py [--dark]

Builds the seeds site into a temporary folder, serves it on 127.0.0.1 and writes
docs/screenshot-desktop.png and docs/screenshot-phone.png (and -dark variants with --dark).
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
    page_path = next((a for a in argv if not a.startswith("--")), "index.html")
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(build_seeds(Path(tmp) / "site")) as url,
        chromium() as browser,
    ):
        for name, (width, height) in SHOTS.items():
            scheme = "dark" if dark else "light"
            viewport = {"width": width, "height": height}
            page = browser.new_page(viewport=viewport, color_scheme=scheme)
            page.goto(url + page_path)
            suffix = "-dark" if dark else ""
            stem = "screenshot" if page_path == "index.html" else Path(page_path).stem
            out = ROOT / "docs" / f"{stem}-{name}{suffix}.png"
            page.screenshot(path=str(out), full_page="--full" in argv)
            print(f"wrote {out.relative_to(ROOT)}")
            page.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
