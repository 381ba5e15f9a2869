"""Screenshots of every page, for the README and for lectures: `python scripts/screenshots.py`.

Starts the app on a free loopback port, trains the default model with the Step button (a fixed
number of steps from the default seed, so the pictures are the same every time), then saves each
page at 1600×1000 and at projector size 1280×720 in docs/screenshots/. Needs the `playwright`
package and Debian's Chromium at /usr/bin/chromium (`apt-get install chromium`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from served_app import CHROMIUM, CHROMIUM_ARGS, ROOT, serve_app, wait_idle  # this folder's helper

SIZES = {"": (1600, 1000), "-projector": (1280, 720)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="training steps before the pictures (a multiple of 10)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with serve_app() as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(server.url + "/")
        wait_idle(page)
        for _ in range(args.steps // 10):
            page.get_by_role("button", name="Step").click()
            wait_idle(page, quiet=0.3)
        links = page.locator('[data-testid="stSidebarNav"] a')
        names = [links.nth(i).inner_text() for i in range(links.count())]
        for name in names:
            page.locator('[data-testid="stSidebarNav"] a', has_text=name).first.click()
            wait_idle(page)
            slug = name.lower().replace(" ", "_")
            for suffix, (width, height) in SIZES.items():
                page.set_viewport_size({"width": width, "height": height})
                wait_idle(page, quiet=0.5)
                page.screenshot(path=str(args.out / f"{slug}{suffix}.png"))
                print(f"saved {slug}{suffix}.png")
            page.set_viewport_size({"width": 1600, "height": 1000})
        browser.close()


if __name__ == "__main__":
    main()
