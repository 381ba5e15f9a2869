"""How quickly the app answers, measured on the server (AppTest) and in a real browser (the served app).

Server side: the time of one script run after a sidebar change, and after pressing Train (its run
trains the first slice and shows it). Browser side: the same actions until the page is idle again,
the time to first page, and the server's memory with 1 and with 10 sessions that each hold a
trained default model. The browser part needs Playwright and Debian's Chromium; without them it is
reported as skipped.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.training import timed
from scripts.served_app import CHROMIUM, CHROMIUM_ARGS, serve_app, sidebar_button, step_count, wait_idle
from scripts.sessions import many_sessions_training

ROOT = Path(__file__).resolve().parents[1]
SESSIONS = 10
TRAINED_STEPS = 100  # each session presses Step this many / 10 times: a trained default model


def server_side(repeats: int = 5) -> dict[str, float]:
    """Median seconds of a rerun after a sidebar change, and of the run that follows a press of Train."""
    from streamlit.testing.v1 import AppTest

    from scripts.app_test import navigation_rule

    with navigation_rule():
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        changes = []
        for i in range(repeats):  # untrained, so the new model is built at once
            cell = at.sidebar.selectbox(key="cfg__model__cell")
            changes.append(timed(lambda cell=cell, i=i: cell.set_value(("gru", "lstm")[i % 2]).run()))
        presses = []
        for _ in range(repeats):
            presses.append(timed(lambda: at.button(key="train").click().run()))
            at.button(key="pause").click().run()
        plain = [timed(at.run) for _ in range(repeats)]  # a rerun with nothing changed, for scale
        assert not at.exception, [e.message for e in at.exception]
    return {
        "sidebar_change_rerun_s": statistics.median(changes),
        "train_to_first_update_s": statistics.median(presses),
        "plain_rerun_s": statistics.median(plain),
    }


def import_times() -> dict[str, float]:
    """Seconds to import the core and the whole app's modules in a fresh interpreter, beyond a bare start."""

    def run(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
        return time.perf_counter() - start

    bare = min(run("pass") for _ in range(3))
    core = min(run("import rnn_core.training, rnn_core.probes") for _ in range(2))
    app = min(run("import rnn_core.figures, ui.sidebar, ui.training, ui.live") for _ in range(2))
    return {"python_start_s": bare, "import_rnn_core_s": core - bare, "import_app_modules_s": app - bare}


def browser_side() -> dict[str, float] | str:
    """Browser timings and server memory; a string saying why when they cannot be measured here."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as missing:
        return f"skipped: {missing}"
    if not Path(CHROMIUM).exists():
        return f"skipped: no browser at {CHROMIUM}"

    started = time.perf_counter()
    with serve_app() as server, sync_playwright() as p:
        results = {"server_healthy_s": time.perf_counter() - started}
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        results["server_mb_before_sessions"] = server.rss_mb()
        pages = []
        for i in range(SESSIONS):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            opened = time.perf_counter()
            page.goto(server.url + "/")
            if i == 0:
                results["first_page_idle_s"] = until_idle(page, opened)  # the server imports torch & co. now
                results.update(_browser_actions(page))
            elif i == 1:
                results["later_session_first_page_idle_s"] = until_idle(page, opened)
            for _ in range(TRAINED_STEPS // 10):
                sidebar_button(page, "Step").click()
                wait_idle(page, quiet=0.2)
            pages.append(page)  # kept open: the session and its trained model stay alive
            if i == 0:
                results["server_mb_1_session"] = server.rss_mb()
        results[f"server_mb_{SESSIONS}_sessions"] = server.rss_mb()
        results["mb_per_extra_session"] = (results[f"server_mb_{SESSIONS}_sessions"] - results["server_mb_1_session"]) / (SESSIONS - 1)
        browser.close()
    with serve_app() as server, sync_playwright() as p:  # a fresh server: the whole class presses Train at once
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        results["training_together"] = many_sessions_training(browser, server, sessions=SESSIONS, seconds=10)
        browser.close()
    return results


def _browser_actions(page) -> dict[str, float]:
    """A sidebar change until the page is idle again, and Train until the step count first moves (medians of 3)."""
    changes, presses = [], []
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has=page.locator("label", has_text="Cell"))
    field = box.first.locator("input")
    for cell in ("GRU", "LSTM", "GRU", "LSTM"):  # untrained, so each change builds the new model at once
        field.click()
        field.fill(cell)
        start = time.perf_counter()
        page.get_by_role("option", name=cell, exact=True).click()
        changes.append(until_idle(page, start))
    for _ in range(3):
        before = step_count(page)
        start = time.perf_counter()
        sidebar_button(page, "Train").click()
        deadline = start + 30
        while step_count(page) == before and time.perf_counter() < deadline:
            time.sleep(0.01)
        presses.append(time.perf_counter() - start)
        sidebar_button(page, "Pause").click()
        wait_idle(page, quiet=0.3)
    return {"browser_sidebar_change_idle_s": statistics.median(changes), "browser_train_to_first_update_s": statistics.median(presses)}


def until_idle(page, start: float) -> float:
    """Seconds from ``start`` until the page became idle (wait_idle's quiet period after that is not counted)."""
    waited_from = time.perf_counter()
    return waited_from - start + wait_idle(page, quiet=0.3)
