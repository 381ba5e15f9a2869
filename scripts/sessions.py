"""Many students at once: N browser sessions on one served app, all training, while each in turn changes page.

Used by the many-sessions browser test and by `python -m bench`. Every loop is bounded (a fixed number
of sessions and pages, deadlines on every wait); only the loopback server given is contacted.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

from scripts.served_app import AppServer, nav, sidebar_button, step_count, wait_idle


def page_change_seconds(page, title: str, timeout: float = 60) -> float:
    """Click a page in the sidebar; seconds until its title shows and every chart on it has drawn.

    Not wait_idle: a training session's script runs every second, so it is never idle for long.
    """
    clicked = time.perf_counter()
    nav(page, title)
    page.wait_for_function(
        """(title) => {
            const h1 = document.querySelector('[data-testid=stMain] h1');
            if (!h1 || h1.innerText.trim() !== title) return false;
            if (document.querySelector('[data-testid=stSkeleton]')) return false;
            const charts = [...document.querySelectorAll('[data-testid=stMain] [data-testid=stPlotlyChart]')];
            return charts.length > 0 && charts.every(c => c.querySelector('.js-plotly-plot .main-svg'));
        }""",
        arg=title,
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
    trained for about ``seconds``) and while they train, page-change seconds (p50, p95), and any exception shown.
    """
    contexts, pages, begun = [], list(pages), time.perf_counter()
    try:
        if not pages:  # one page at the front door, to read home's address from
            pages.append(_open(browser, contexts, server.url + "/"))
        home_url = pages[0].locator('[data-testid="stSidebarNav"] a', has_text=home).first.get_attribute("href")
        while len(pages) < sessions:  # straight to home, one at a time: on two cores overlapping loads took longer in all
            pages.append(_open(browser, contexts, home_url))
        for page in pages:
            if page.url != home_url:
                nav(page, home)
                wait_idle(page, quiet=0.3, timeout=120)
        _press_all(pages, "Train")
        opened = time.perf_counter()
        time.sleep(2)  # every session is past its first slice
        start, started_at, cpu_at = [step_count(p) for p in pages], time.perf_counter(), server.cpu_seconds()
        time.sleep(seconds)
        trained = [step_count(p) - s for p, s in zip(pages, start)]
        window = time.perf_counter() - started_at
        steps_per_s, server_cores = [n / window for n in trained], (server.cpu_seconds() - cpu_at) / window
        _press_all(pages, "Pause")
        time.sleep(2)  # the last slices have ended: a slice is well under a second
        server_mb_paused = server.rss_mb()
        _press_all(pages, "Train")
        weighed = time.perf_counter()
        time.sleep(2)
        latencies = []
        for page in pages[: sessions if page_changes is None else page_changes]:
            sidebar_button(page, "Pause").click(timeout=60_000)
            latencies.append(page_change_seconds(page, "Gradients"))  # while all the others train
            _show(page, home)
            sidebar_button(page, "Train").click(timeout=60_000)
        changes_done = time.perf_counter()
        time.sleep(3)
        progressed = [step_count(p) > s for p, s in zip(pages, start)]  # over the whole run, page changes included
        exceptions = [p.locator('[data-testid="stException"]').all_inner_texts() for p in pages]
        server_mb = server.rss_mb()
        timings = {"opening_s": opened - begun, "training_and_weighing_s": weighed - opened, "page_changes_s": changes_done - weighed}
    finally:
        for context in contexts:
            context.close()
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
        **timings,
    }


def _show(page, title: str, timeout: float = 60) -> None:
    """Open a page from the sidebar and wait until its title shows."""
    nav(page, title)
    page.wait_for_function(
        "(title) => document.querySelector('[data-testid=stMain] h1')?.innerText.trim() === title", arg=title, timeout=timeout * 1000
    )


def _open(browser, contexts: list, url: str):
    """A new session in a browser context of its own (as a student's browser), loaded and idle."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    contexts.append(context)
    page = context.new_page()
    page.goto(url)
    wait_idle(page, quiet=0.3, timeout=120)
    return page


def _press_all(pages, button: str) -> None:
    for page in pages:
        sidebar_button(page, button).click(timeout=60_000)
