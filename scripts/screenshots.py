"""Screenshots of every page, for the README and for lectures: `python scripts/screenshots.py`.

Starts the app on a free loopback port, trains the default model with the Step button (a fixed
number of steps from the default seed, so the pictures are the same every time), then saves each
page at 1600×1000 and at projector size 1280×720 in docs/screenshots/. Then every preset, trained
live to its story, the Compare runs page with the runs the presets left, and presentation mode at
projector size (files named preset_*, compare_runs_after_presets, presentation_*). Needs the `playwright`
package and Debian's Chromium at /usr/bin/chromium (`apt-get install chromium`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # rnn_core, for the presets' names and steps
from served_app import CHROMIUM, CHROMIUM_ARGS, ROOT, nav, serve_app, sidebar_button, step_count, wait_idle  # noqa: E402

from ui.presets import PRESETS  # noqa: E402

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
        lecture_pictures(page, args.out)
        browser.close()


def lecture_pictures(page, out: Path) -> None:
    """Each preset after it has trained to its story, the runs they leave side by side, and presentation mode."""
    for preset in PRESETS:
        button = sidebar_button(page, preset.title)
        if not button.is_visible():  # the menu folds away once a model has trained
            page.locator('[data-testid="stSidebar"] summary', has_text="Presets").click()
        button.click()
        end = time.monotonic() + 120
        while step_count(page) < preset.steps and time.monotonic() < end:
            time.sleep(0.5)
        wait_idle(page)
        page.screenshot(path=str(out / f"preset_{preset.key}.png"))
        print(f"saved preset_{preset.key}.png (step {step_count(page)})")
    nav(page, "Compare runs")
    wait_idle(page)
    page.locator('[data-testid="stPlotlyChart"]').first.scroll_into_view_if_needed()
    page.screenshot(path=str(out / "compare_runs_after_presets.png"))
    print("saved compare_runs_after_presets.png")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.locator('[data-testid="stSidebar"] label', has_text="Presentation mode").click()
    for name in ("Gradients", "Train"):
        nav(page, name)
        wait_idle(page)
        slug = name.lower().replace(" ", "_")
        page.locator('[data-testid="stPlotlyChart"]').first.scroll_into_view_if_needed()  # as a lecturer would
        page.screenshot(path=str(out / f"presentation_{slug}.png"))
        print(f"saved presentation_{slug}.png")


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
