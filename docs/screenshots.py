"""Make the screenshots the README shows: ``python docs/screenshots.py`` (with the test extras and a
Chromium; ``REEGRAPH_CHROMIUM`` names one not on PATH).

It writes the site of the bundled graph as of :data:`AS_OF` (``reegraph site``) to a temporary folder, opens each page
in headless Chromium at 1400 x 1000 with every request outside the folder refused, and saves the
top of each page as ``docs/screenshots/NAME.png``. Look at them before committing them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

#: The pages shown, by file name in the site.
PAGES = ("index", "report", "flows", "network", "map", "scenario-china-2025-04", "sources", "ontology")

#: The date the pages are drawn as of (fixed, so the screenshots change only with the code and data).
AS_OF = "2026-11-28"


def main() -> None:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("REEGRAPH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("screenshots: no Chromium found (apt-get install chromium, or set REEGRAPH_CHROMIUM)")
    out = Path(__file__).resolve().parent / "screenshots"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        subprocess.run([sys.executable, "-m", "reegraph", "site", "--as-of", AS_OF, "-o", str(site)], check=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            refused: list[str] = []

            def route(r) -> None:  # type: ignore[no-untyped-def]
                if r.request.url.startswith(site.as_uri()):
                    r.continue_()
                else:
                    refused.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            for name in PAGES:
                if not (site / f"{name}.html").exists():
                    print(f"screenshots: {name}.html is not in the site; skipped", file=sys.stderr)
                    continue
                page.goto((site / f"{name}.html").as_uri())
                page.wait_for_timeout(300)  # the network view lays itself out
                page.screenshot(path=str(out / f"{name}.png"))
                print(f"wrote {out / f'{name}.png'}", file=sys.stderr)
            browser.close()
    if refused:
        sys.exit(f"screenshots: the pages asked for {len(refused)} outside URLs, such as {refused[0]}")


if __name__ == "__main__":
    main()
