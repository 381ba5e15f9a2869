"""Many students at once: N browser sessions on one served app, all training, while each in turn changes page.

Used by the many-sessions browser test and by `python -m bench`. Every loop is bounded (a fixed number
of sessions and pages, deadlines on every wait); only the loopback server given is contacted.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

from scripts.served_app import AppServer, nav, sidebar_button, step_count, wait_idle


def page_change_seconds(page, title: str, timeout: float = 60, charts: bool = True, any_heading: bool = False) -> float:
    """Click a page in the sidebar; seconds until its heading shows, its run has ended and (``charts``) every chart on it
    has drawn.

    The heading is the page's title; with ``any_heading`` it is any heading other than the one shown before the click
    (a page whose h1 says more than its name in the sidebar). A chart still marked stale (the page before's) does not
    count. The run must have ended: while it runs, the charts drawn so far may be one of the page's six (a live refresh's
    run, 20–50 ms, that began meanwhile is waited out too). Not wait_idle: a training session's script runs every second,
    so it is never idle for long.
    """
    before = page.evaluate("() => document.querySelector('[data-testid=stMain] h1')?.innerText.trim() ?? ''")
    expected = None if any_heading else title
    clicked = time.perf_counter()
    nav(page, title)
    page.wait_for_function(
        """([expected, before, charts]) => {
            const h1 = document.querySelector('[data-testid=stMain] h1');
            const shown = h1 ? h1.innerText.trim() : '';
            if (expected !== null ? shown !== expected : (!shown || shown === before)) return false;
            if (document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'running') return false;
            if (!charts) return true;
            if (document.querySelector('[data-testid=stSkeleton]')) return false;
            const drawn = [...document.querySelectorAll('[data-testid=stMain] [data-testid=stPlotlyChart]')];
            return drawn.length > 0 && drawn.every(c => c.querySelector('.js-plotly-plot .main-svg') && !c.closest('[data-stale=true]'));
        }""",
        arg=[expected, before, charts],
        timeout=timeout * 1000,
    )
    return time.perf_counter() - clicked


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def many_sessions_training(
    browser,
    server: AppServer,
    sessions: int = 10,
    seconds: float = 10.0,
    page_changes: int | None = None,
    home: str = "Shapes and parameters",
    pages: Sequence = (),
    weigh: bool = True,
) -> dict:
    """Open ``sessions`` pages at ``home``, press Train on each and let them train; pause all to weigh the server; train
    again, and on ``page_changes`` of them (default: all) in turn, open Gradients while the others train; close the pages.

    The default home, Shapes and parameters, draws no live chart: ten browsers redrawing charts every second on the
    server's own two cores would measure Chromium rather than the server (in class every student's browser has a
    machine of its own). The sidebar's training loop runs on every page, so the server trains every session all the same.
    For the same reason a session pauses for its page change and goes back home to train on afterwards: a live Gradients
    page left open in each would slow every later change (the fifth took five times the first) and take seconds to
    answer a click. ``pages`` are sessions the caller has open already (python -m bench times its first ones alone):
    they count among the ``sessions``, train with the rest and are left open and training; the others are opened here
    and closed at the end, which stops them (the browser, not the server, asks for every tick of training).
    Returns per-session steps per second, the server's CPU, its memory with every session paused (each holding a model
    trained for about ``seconds``; None unless ``weigh``) and while they train, page-change seconds (p50, p95), any exception shown, and how
    many presses of Train or Pause had to be repeated (see press).
    """
    tabs, pages, begun, repeats = student_context(browser), list(pages), time.perf_counter(), []
    try:
        if not pages:  # one page at the front door, to read home's address from
            pages.append(_open(tabs, server.url + "/"))
        home_url = pages[0].locator('[data-testid="stSidebarNav"] a', has_text=home).first.get_attribute("href")
        while len(pages) < sessions:  # straight to home, one at a time: on two cores overlapping loads took longer in all
            pages.append(_open(tabs, home_url))
        for page in pages:
            if page.url != home_url:
                nav(page, home)
                wait_idle(page, quiet=0.3, timeout=120)
        _press_all(pages, "Train", repeats)
        opened = time.perf_counter()
        time.sleep(2)  # every session is past its first slice
        start, started_at, cpu_at = [step_count(p) for p in pages], time.perf_counter(), server.cpu_seconds()
        time.sleep(seconds)
        trained = [step_count(p) - s for p, s in zip(pages, start)]
        window = time.perf_counter() - started_at
        steps_per_s, server_cores = [n / window for n in trained], (server.cpu_seconds() - cpu_at) / window
        server_mb_paused = None
        if weigh:
            _press_all(pages, "Pause", repeats)
            time.sleep(2)  # the last slices have ended: a slice is well under a second
            server_mb_paused = server.rss_mb()
            _press_all(pages, "Train", repeats)
            time.sleep(2)
        weighed = time.perf_counter()
        latencies = []
        for page in pages[: sessions if page_changes is None else page_changes]:
            press(page, "Pause", repeats)
            latencies.append(page_change_seconds(page, "Gradients"))  # while all the others train
            page_change_seconds(page, home, charts=False)  # home draws no chart
            press(page, "Train", repeats)
        changes_done = time.perf_counter()
        time.sleep(3)
        progressed = [step_count(p) > s for p, s in zip(pages, start)]  # over the whole run, page changes included
        exceptions = [p.locator('[data-testid="stException"]').all_inner_texts() for p in pages]
        server_mb = server.rss_mb()
        timings = {"opening_s": opened - begun, "training_and_weighing_s": weighed - opened, "page_changes_s": changes_done - weighed}
    finally:
        tabs.close()
    return {
        "sessions": sessions,
        "steps_trained": trained,
        "steps_per_s_per_session": steps_per_s,
        "steps_per_s_median": statistics.median(steps_per_s),
        "progressed": progressed,
        "server_cpu_cores_while_training": server_cores,
        "server_mb_paused": server_mb_paused,
        "page_change_s": latencies,
        "page_change_p50_s": _percentile(latencies, 0.5),
        "page_change_p95_s": _percentile(latencies, 0.95),
        "server_mb": server_mb,
        "exceptions": [e for e in exceptions if e],
        "presses_repeated": len(repeats),
        **timings,
    }


STILL = "*, *::before, *::after { animation: none !important; transition: none !important; }"


def student_context(browser, viewport: dict | None = None):
    """A browser context of its own, as a student's browser, with CSS animations and transitions off.

    Here ten Chromiums share the server's two cores; in class each has a machine of its own. Streamlit's running
    indicator and fades, redrawn on every tick of ten sessions, took more CPU than the server (Chromium's GPU process
    28 %, the server 24 %); without them the server got 59 % and trained each session two to three times as fast.
    """
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 800}, reduced_motion="reduce")
    context.add_init_script(
        "document.addEventListener('DOMContentLoaded', () => {"
        f" const style = document.createElement('style'); style.textContent = {STILL!r}; document.head.appendChild(style); }});"
    )
    return context


def _open(tabs, url: str):
    """A new session, loaded and idle: a new tab of the browser context ``tabs``.

    Streamlit makes a session per tab, so the server sees ten students either way; tabs of one context share the
    browser's cache. Opening ten took 33 s here on a quiet machine, against 51 s in ten contexts of their own.
    """
    page = tabs.new_page()
    page.goto(url)
    wait_idle(page, quiet=0.3, timeout=120)
    return page


def press(page, button: str, repeats: list, attempts: int = 3, timeout: float = 20) -> None:
    """Press Train or Pause and wait until the page shows it took (the button turns disabled), as a student would;
    press again if it did not, at most ``attempts`` times in all. Each extra press is noted in ``repeats``.

    A press means what its label says, so a second one does no harm. On two cores shared with ten Chromiums a click
    can take many seconds to show, and one CI run (2026-11-26) saw a Pause that never did.
    """
    from playwright.sync_api import expect

    for attempt in range(attempts):
        if attempt:
            if sidebar_button(page, button).is_disabled():
                return  # it took, late
            repeats.append(button)
        sidebar_button(page, button).click(timeout=60_000)
        try:
            expect(sidebar_button(page, button)).to_be_disabled(timeout=timeout * 1000)
            return
        except AssertionError:
            continue
    raise AssertionError(f"{button} did not take after {attempts} presses")


def _press_all(pages, button: str, repeats: list) -> None:
    for page in pages:
        press(page, button, repeats)
