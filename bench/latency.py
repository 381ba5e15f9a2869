"""How long one user waits, in a real browser, against a floor measured the same way in the same run.

The floor (bench/floor/app.py) is the least a Streamlit page with torch and a Plotly chart can cost: two pages, a
sidebar slider, one heatmap each, ``import torch`` at the top. Each measure is taken on a fresh server of the floor and
of the app, one after the other, by the same browser:

- cold start: from launching the server to the first page drawn and idle (the server's first session);
- a later session's first page, on the same server;
- a sidebar change until the page is idle again, timed in the page (below): the floor's slider against the app's
  slider of the same kind (its layers), and the app's cell, a select box;
- a page switch until the new page's title and every chart have drawn: the floor between its two pages, the app into
  every page while its model trains, each page VISITS times (its median and its slowest).

A sidebar change is timed by the page's own clock, to the frame: from the key's keydown, through a run of the script,
to the first frame at which the page shows the change and is idle (scripts.served_app.PAGE_STATE). Polled from here
instead, every 0.1 s, it was quantised to that step: 0.15 s for the floor and 0.30 s for the app, where the page's
clock said 0.12 s and 0.16–0.19 s.

Needs Playwright and Debian's Chromium.
"""

from __future__ import annotations

import re
import statistics
import time

from rnn_core.config import CELL_TITLES, ExperimentConfig
from rnn_core.data.tasks import make_task
from rnn_core.inspect import reports
from rnn_core.train.models import SequenceModel
from scripts.served_app import CHROMIUM, CHROMIUM_ARGS, PAGE_STATE, serve_app, sidebar_button, wait_idle
from scripts.sessions import page_change_seconds, student_context
from ui.pages import PAGES

FLOOR = "bench/floor/app.py"
VIEWPORT = {"width": 1400, "height": 900}
CHANGES = 10  # sidebar changes timed, half each way (six gave medians 1.24–1.59× the floor over three runs of an hour)
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


ARM_CHANGE = """() => {
    const change = window.__change = {keyAt: null};
    document.addEventListener('keydown', () => { change.keyAt ??= performance.now(); }, {capture: true, once: true});
}"""  # before a key press: note its keydown's time

CHANGE_SHOWN = f"""(text) => new Promise((resolve, reject) => {{
    const state = {PAGE_STATE}, change = window.__change;
    const late = setTimeout(() => reject(new Error('no idle page showing ' + text + ' within 60 s')), 60000);
    const look = () => {{
        if (change.keyAt !== null && state() === 'idle' && document.body.textContent.includes(text)) {{
            clearTimeout(late);
            resolve(performance.now() - change.keyAt);
        }} else requestAnimationFrame(look);
    }};
    look();
}})"""  # after it: milliseconds from the keydown to the first frame that shows ``text`` and is idle


def key_to_idle(page, key: str, text: str) -> float:
    """Press ``key`` in the focused widget; seconds by the page's clock until the page shows ``text`` and is idle.

    ``text`` must be new with the change: only a run of the script can put it there. (Whether a run began cannot be
    read off the page: the floor's runs were so short that the script's state never showed "running".) Both texts timed
    here come at the end of their runs (the app's Train page names its model last), and an idle page is one whose run,
    if it still shows, has ended."""
    page.evaluate(ARM_CHANGE)
    page.keyboard.press(key)
    seconds = page.evaluate(CHANGE_SHOWN, text) / 1e3
    wait_idle(page, quiet=0.3)  # the next change starts from a calm page
    return seconds


def model_heading(**model) -> str:
    """How the Train page names the default model with these ``model`` settings (e.g. ``num_layers=2``): the text a
    change of them in the sidebar brings, its parameter count included."""
    config = ExperimentConfig().with_changes(model=model)
    return reports.model_heading(config.model.cell, SequenceModel(config.model, make_task(config.task)))


def slider_changes(page, label: str, shown) -> list[float]:
    """A sidebar slider moved a step right, then back, CHANGES times by the keyboard; ``shown(i)``: a text the page
    shows only once the i-th move has taken effect."""
    named = page.locator("label", has_text=re.compile(f"^{label}$"))
    slider = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"]').filter(has=named)
    thumb, times = slider.first.locator('input[type="range"]'), []
    for i in range(CHANGES):
        thumb.focus()
        times.append(key_to_idle(page, "ArrowRight" if i % 2 == 0 else "ArrowLeft", shown(i)))
    return times


def cell_changes(page) -> list[float]:
    """The app's cell changed in the sidebar (untrained, so the new model is built at once), until the Train page
    names the new model and is idle. The choice is made by the keyboard, as the slider is moved: the cell typed
    into the box, then timed from the Enter that picks it (a mouse click through Playwright first waits for the option
    to hold still, 0.1–0.2 s the floor's key press does not pay)."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has=page.locator("label", has_text="Cell"))
    field, times = box.first.locator("input"), []
    for cell in ("gru", "lstm") * (CHANGES // 2):
        field.click()
        field.fill(CELL_TITLES[cell])
        page.get_by_role("option", name=CELL_TITLES[cell], exact=True).wait_for()
        times.append(key_to_idle(page, "Enter", model_heading(cell=cell)))
    return times


def floor_latency(browser) -> dict:
    started = time.perf_counter()
    with serve_app(script=FLOOR, timeout=120) as server:
        results, page = _starts(browser, server, started)
        results["slider_change_s"] = statistics.median(slider_changes(page, "Rows", lambda i: f"{33 if i % 2 == 0 else 32} rows of 40"))
        switches = [page_change_seconds(page, ("Second", "First")[i % 2]) for i in range(SWITCHES)]
        results["page_switch_s"] = statistics.median(switches)
        page.context.close()
    return results


def app_latency(browser) -> dict:
    started = time.perf_counter()
    with serve_app(timeout=120) as server:
        results, page = _starts(browser, server, started)
        headings = [model_heading(num_layers=layers) for layers in (2, 1)]
        results["slider_change_s"] = statistics.median(slider_changes(page, "Layers", lambda i: headings[i % 2]))
        results["cell_change_s"] = statistics.median(cell_changes(page))
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
        f"| sidebar slider moved → page idle (app: layers) | {floor['slider_change_s']:.3f} s | {app['slider_change_s']:.3f} s | "
        f"≤ 1.5× the floor: {_mark(app['slider_change_s'] <= 1.5 * floor['slider_change_s'])} "
        f"({app['slider_change_s'] / floor['slider_change_s']:.2f}×) |",
        f"| … the app's cell chosen in its select box | | {app['cell_change_s']:.3f} s | "
        f"≤ 1.5× the floor's slider: {_mark(app['cell_change_s'] <= 1.5 * floor['slider_change_s'])} "
        f"({app['cell_change_s'] / floor['slider_change_s']:.2f}×) |",
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
