"""How long one user waits, in a real browser, against a floor measured the same way in the same run.

The floor (bench/floor/app.py) is the least a Streamlit page with torch and a Plotly chart can cost: two pages, a
sidebar slider, one heatmap each, ``import torch`` at the top. Each measure is taken on a fresh server of the floor and
of the app, one after the other, by the same browser:

- cold start: from launching the server to the first page drawn and idle (the server's first session);
- a later session's first page, on the same server;
- a sidebar change until the page is idle again (the floor's slider; the app's cell);
- a page switch until the new page's title and every chart have drawn: the floor between its two pages, the app into
  every page while its model trains, each page VISITS times (its median and its slowest).

Needs Playwright and Debian's Chromium.
"""

from __future__ import annotations

import statistics
import time

from scripts.served_app import CHROMIUM, CHROMIUM_ARGS, serve_app, sidebar_button, wait_idle
from scripts.sessions import page_change_seconds, student_context
from ui.pages import PAGES

FLOOR = "bench/floor/app.py"
VIEWPORT = {"width": 1400, "height": 900}
CHANGES = 4  # sidebar changes timed, each way
SWITCHES = 6  # the floor's page switches timed
VISITS = 3  # the app's switches into each page timed: one alone says mostly whether the click met a live redraw


def until_idle(page, start: float) -> float:
    """Seconds from ``start`` until the page became idle (wait_idle's quiet period after that is not counted)."""
    waited_from = time.perf_counter()
    return waited_from - start + wait_idle(page, quiet=0.3, timeout=120)


def open_session(browser, url: str):
    """A new session (a browser context of its own, as a student's browser) loading ``url``; the page and when."""
    page = student_context(browser, viewport=VIEWPORT).new_page()
    opened = time.perf_counter()
    page.goto(url)
    return page, opened


def _starts(browser, server, started: float) -> tuple[dict, object]:
    """On a server launched at ``started``: cold start and a later session's first page; the first session's page."""
    first, _ = open_session(browser, server.url + "/")
    cold = until_idle(first, started)
    second, opened = open_session(browser, server.url + "/")
    later = until_idle(second, opened)
    second.context.close()
    return {"cold_start_s": cold, "later_session_first_page_s": later}, first


def _shown_then_idle(page, start: float, text: str) -> float:
    """Seconds from ``start`` until ``text`` shows in the page and the page is idle: a rerun that has not begun yet
    looks idle too, so the change must first be seen."""
    page.get_by_text(text).first.wait_for(timeout=60_000)
    return until_idle(page, start)


def _slider_changes(page) -> list[float]:
    """The floor's sidebar slider moved a step by the keyboard, until its page shows the new size and is idle."""
    thumb = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"] input[type="range"]').first
    times, rows = [], 32
    for i in range(CHANGES):
        thumb.focus()
        rows += 1 if i % 2 == 0 else -1
        start = time.perf_counter()
        page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        times.append(_shown_then_idle(page, start, f"{rows} rows of 40"))
    return times


def cell_changes(page) -> list[float]:
    """The app's cell changed in the sidebar (untrained, so the new model is built at once), until the Train page
    names the new model and is idle. The choice is made by the keyboard, as the floor's slider is moved: the cell typed
    into the box, then timed from the Enter that picks it (a mouse click through Playwright first waits for the option
    to hold still, 0.1–0.2 s the floor's key press does not pay)."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has=page.locator("label", has_text="Cell"))
    field, times = box.first.locator("input"), []
    for cell in ("GRU", "LSTM", "GRU", "LSTM")[:CHANGES]:
        field.click()
        field.fill(cell)
        page.get_by_role("option", name=cell, exact=True).wait_for()
        start = time.perf_counter()
        page.keyboard.press("Enter")
        times.append(_shown_then_idle(page, start, f"The model: {cell},"))
    return times


def floor_latency(browser) -> dict:
    started = time.perf_counter()
    with serve_app(script=FLOOR, timeout=120) as server:
        results, page = _starts(browser, server, started)
        results["sidebar_change_s"] = statistics.median(_slider_changes(page))
        switches = [page_change_seconds(page, ("Second", "First")[i % 2]) for i in range(SWITCHES)]
        results["page_switch_s"] = statistics.median(switches)
        page.context.close()
    return results


def app_latency(browser) -> dict:
    started = time.perf_counter()
    with serve_app(timeout=120) as server:
        results, page = _starts(browser, server, started)
        results["sidebar_change_s"] = statistics.median(cell_changes(page))
        sidebar_button(page, "Train").click()
        switches = {p.title: [] for p in PAGES}
        for _ in range(VISITS):
            for target in [*PAGES[1:], PAGES[0]]:  # into every page while the model trains, ending where it began
                switches[target.title].append(page_change_seconds(page, target.title, charts=target.charts, any_heading=True))
        results["page_switch_s"] = {title: statistics.median(times) for title, times in switches.items()}
        results["page_switch_slowest_s"] = {title: max(times) for title, times in switches.items()}
        sidebar_button(page, "Pause").click()
        page.context.close()
    return results


def latency() -> dict | str:
    """The floor's and the app's timings (see the module's docstring), or why they could not be measured here."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as missing:
        return f"skipped: {missing}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return {"floor": floor_latency(browser), "app": app_latency(browser)}
        finally:
            browser.close()


def latency_table(results: dict) -> str:
    floor, app = results["floor"], results["app"]
    switches, worst = app["page_switch_s"], app.get("page_switch_slowest_s", {})
    slowest = max(switches, key=switches.get)
    rows = [
        "| measure | floor | app | target |",
        "|---|---:|---:|---|",
        f"| server start → first page drawn | {floor['cold_start_s']:.2f} s | {app['cold_start_s']:.2f} s | "
        f"within 1 s of the floor: {_mark(app['cold_start_s'] <= floor['cold_start_s'] + 1)} |",
        f"| a later session's first page | {floor['later_session_first_page_s']:.2f} s | {app['later_session_first_page_s']:.2f} s | "
        f"≤ 2× the floor: {_mark(app['later_session_first_page_s'] <= 2 * floor['later_session_first_page_s'])} |",
        f"| sidebar change → page idle | {floor['sidebar_change_s']:.2f} s | {app['sidebar_change_s']:.2f} s | "
        f"≤ 1.5× the floor: {_mark(app['sidebar_change_s'] <= 1.5 * floor['sidebar_change_s'])} |",
        f"| page switch (app: while training), median | {floor['page_switch_s']:.2f} s | {statistics.median(switches.values()):.2f} s | |",
        f"| … slowest page's median ({slowest}) | | {switches[slowest]:.2f} s | ≤ 0.5 s on every page: {_mark(switches[slowest] <= 0.5)} |",
    ]
    rows += [
        f"| … {title} (median; slowest of {VISITS}) | | {seconds:.2f} s" + (f"; {worst[title]:.2f} s |" if title in worst else " |") + " |"
        for title, seconds in switches.items()
    ]
    return "\n".join(rows)


def _mark(ok: bool) -> str:
    return "yes" if ok else "**no**"
