"""Screenshots of every page, for the README and for lectures: `python scripts/screenshots.py`.

Starts the app on a free loopback port, trains the default model with the Step button (a fixed
number of steps from the default seed, so the pictures are the same every time), then saves each
page at 1600×1000 and at projector size 1280×720 in docs/screenshots/. Needs the `playwright`
package and Debian's Chromium at /usr/bin/chromium (`apt-get install chromium`).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"": (1600, 1000), "-projector": (1280, 720)}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    server = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                return server
        except OSError:
            time.sleep(0.3)
    os.killpg(server.pid, signal.SIGTERM)
    raise RuntimeError("the app did not start within 60 s")


def wait_idle(page, quiet: float = 1.0, timeout: float = 60) -> None:
    """Until the script has finished and no element is stale for `quiet` seconds."""
    deadline, calm_since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        busy = page.evaluate(
            "() => { const app = document.querySelector('[data-testid=stApp]');"
            " return !app || app.getAttribute('data-test-script-state') === 'running'"
            " || document.querySelectorAll('[data-stale=true], [data-testid=stSkeleton]').length > 0; }"
        )
        calm_since = None if busy else (calm_since or time.monotonic())
        if calm_since and time.monotonic() - calm_since >= quiet:
            return
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="training steps before the pictures (a multiple of 10)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = start_server(port)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/")
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
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
