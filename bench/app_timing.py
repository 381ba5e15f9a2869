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

from bench.latency import open_session, until_idle
from bench.training import timed
from scripts.served_app import CHROMIUM, CHROMIUM_ARGS, nav, serve_app, sidebar_button, step_count, wait_idle
from scripts.sessions import many_sessions_training

ROOT = Path(__file__).resolve().parents[1]
SESSIONS = 10
TRAINED_STEPS = 100  # a trained default model: at least this many steps
PAGE_CHANGES = 3  # of the SESSIONS, timed one after the other while the rest train: p50 and p95 (the slowest)
HOME = "Shapes and parameters"  # where the class's sessions train: a page without live charts (see many_sessions_training)


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


def import_times(runs: int = 2) -> dict[str, float]:
    """Seconds to import the core, and the whole app's modules, in a fresh interpreter: the least of ``runs``.

    Both are timed inside one interpreter from before its first import, which leaves Python's own start out.
    """

    def run(code: str) -> str:
        return subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True).stdout

    code = (
        "import time; start = time.perf_counter()\n"
        "import rnn_core.train.trainer, rnn_core.inspect.probes; core = time.perf_counter() - start\n"
        "import rnn_core.viz, ui.sidebar, ui.training, ui.live; print(core, time.perf_counter() - start)"
    )
    core, app = (min(values) for values in zip(*(map(float, run(code).split()) for _ in range(runs))))
    return {"python_start_s": min(timed(lambda: run("pass")) for _ in range(3)), "import_rnn_core_s": core, "import_app_modules_s": app}


def browser_side() -> dict[str, float] | str:
    """Browser timings and server memory; a string saying why when they cannot be measured here.

    One server for all of it. Its first session is timed alone (first page, Train to the first update), trained to
    TRAINED_STEPS and paused at HOME: the server's memory then is that of 1 session with a trained model. A second
    session times a later first page. Both then join the class run (many_sessions_training): SESSIONS sessions train
    at once, are paused and weighed, each now holding a trained model, then train on while each in turn changes page.
    Earlier, ten sessions pressing Step ten times each and a second server for the class took most of the bench's 13
    minutes.
    """
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
        first, opened = open_session(browser, server.url + "/")
        results["first_page_idle_s"] = until_idle(first, opened)  # the server imports torch & co. now
        results.update(_browser_actions(first))
        _train_to(first, TRAINED_STEPS)
        nav(first, HOME)  # where the class below trains and is weighed
        wait_idle(first, quiet=0.3)
        results["server_mb_1_session"] = server.rss_mb()
        second, opened = open_session(browser, server.url + "/")
        results["later_session_first_page_idle_s"] = until_idle(second, opened)
        together = many_sessions_training(
            browser, server, sessions=SESSIONS, seconds=10, page_changes=PAGE_CHANGES, home=HOME, pages=[first, second]
        )
        results["training_together"] = together
        results[f"server_mb_{SESSIONS}_sessions"] = together["server_mb_paused"]
        results["mb_per_extra_session"] = (results[f"server_mb_{SESSIONS}_sessions"] - results["server_mb_1_session"]) / (SESSIONS - 1)
        browser.close()
    return results


def _train_to(page, steps: int, timeout: float = 60) -> None:
    """Train until the sidebar shows at least ``steps``, then pause and wait until the page is idle."""
    sidebar_button(page, "Train").click()
    deadline = time.perf_counter() + timeout
    while step_count(page) < steps and time.perf_counter() < deadline:
        time.sleep(0.1)
    sidebar_button(page, "Pause").click()
    wait_idle(page, quiet=0.3)


STEP_MOVED = """() => {
    const step = () => [...document.querySelectorAll('[data-testid=stSidebar] [data-testid=stMetric]')]
        .find(m => m.innerText.includes('Step'))?.querySelector('[data-testid=stMetricValue]')?.innerText;
    const before = step();
    window.__pressed = undefined; window.__moved = undefined;
    document.addEventListener('mousedown', () => { window.__pressed = performance.now(); }, {capture: true, once: true});
    const watch = new MutationObserver(() => {
        if (window.__pressed === undefined || step() === before) return;
        window.__moved = performance.now() - window.__pressed;
        watch.disconnect();
    });
    watch.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def _browser_actions(page) -> dict[str, float]:
    """Train until the step count first moves (median of 3), timed in the page from the press to the new count: polling
    it from here would add a round trip to the browser per look. A sidebar change is timed against the floor (latency.py)."""
    presses = []
    for _ in range(3):
        page.evaluate(STEP_MOVED)
        sidebar_button(page, "Train").click()
        page.wait_for_function("() => window.__moved !== undefined", timeout=30_000)
        presses.append(page.evaluate("window.__moved") / 1000)
        sidebar_button(page, "Pause").click()
        wait_idle(page, quiet=0.3)
    return {"browser_train_to_first_update_s": statistics.median(presses)}
