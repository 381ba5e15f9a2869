"""Many students at once: N browser sessions on one served app, all training, while each in turn changes page.

Used by the many-sessions browser test and by `python -m bench`. Every loop is bounded (a fixed number
of sessions and pages, deadlines on every wait); only the loopback server given is contacted.
"""

from __future__ import annotations

import statistics
import time

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
) -> dict:
    """Open ``sessions`` pages at ``home``, press Train on each, let them train, change page on ``page_changes`` of them
    (default: all) while the others go on, then pause all.

    The default home, Shapes and parameters, draws no live chart: ten browsers redrawing charts every second on the
    server's own two cores would measure Chromium rather than the server (in class every student's browser has a
    machine of its own). The sidebar's training loop runs on every page, so the server trains every session all the same.
    Returns per-session steps per second, page-change seconds (p50, p95), the server's memory and any exception shown.
    """
    contexts, pages, begun = [], [], time.perf_counter()
    try:
        for _ in range(sessions):  # start every page loading, then wait for each: the loads overlap
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.goto(server.url + "/", wait_until="commit")
            contexts.append(context)
            pages.append(page)
        for page in pages:
            wait_idle(page, quiet=0.3, timeout=120)
            if home != "Train":
                nav(page, home)
        for page in pages:
            wait_idle(page, quiet=0.3, timeout=120)
        for page in pages:
            sidebar_button(page, "Train").click()
        opened = time.perf_counter()
        time.sleep(2)  # every session is past its first slice
        start, started_at, cpu_at = [step_count(p) for p in pages], time.perf_counter(), server.cpu_seconds()
        time.sleep(seconds)
        trained = [step_count(p) - s for p, s in zip(pages, start)]
        window = time.perf_counter() - started_at
        steps_per_s, server_cores = [n / window for n in trained], (server.cpu_seconds() - cpu_at) / window
        changed = pages[: sessions if page_changes is None else page_changes]
        latencies = [page_change_seconds(page, "Gradients") for page in changed]  # each while all the others keep training
        time.sleep(3)
        progressed = [step_count(p) > s for p, s in zip(pages, start)]  # over the whole run, page changes included
        exceptions = [p.locator('[data-testid="stException"]').all_inner_texts() for p in pages]
        server_mb = server.rss_mb()
        timings = {"opening_s": opened - begun, "measuring_s": time.perf_counter() - opened}
        for page in pages:
            sidebar_button(page, "Pause").click(timeout=60_000)
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
        "page_change_s": latencies,
        "page_change_p50_s": _percentile(latencies, 0.5),
        "page_change_p95_s": _percentile(latencies, 0.95),
        "server_mb": server_mb,
        "exceptions": [e for e in exceptions if e],
        **timings,
    }
