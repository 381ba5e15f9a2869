"""A whole class on one served app: a hundred students, on one link and on own models.

98 are simulated (scripts/load.py: Streamlit's own websocket protocol, so that they cost little) and 2 are headless
Chromium tabs, which time page switches in the page, as a student sees them: click → the new page's title and every
chart drawn. Students arrive within a minute (a lecturer shares a link; everyone presses Train), then each changes
page every 15 s for a minute. Measured: how many sessions' step counts rose, steps/s per session, page switches (in the
page, and from request to the end of its run as the simulated clients see it), the server process's CPU, and memory per
extra session (the server's own, and its training processes', beyond what one first student costs).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from scripts.load import percentile, run_class
from scripts.served_app import serve_app, step_count, wait_idle
from scripts.sessions import page_change_seconds, press, student_context

LINK = "task=copy&delay=30&cell=rnn_tanh&lr=0.003"  # the README's example link
BROWSERS = 2
TOUR = (("gradients", "Gradients"), ("hidden_states", "Hidden states"), ("", "Train"))  # every student's pages: url path, title


def class_load(students: int = 100, arrive_within: float = 60.0, seconds: float = 60.0) -> dict[str, dict]:
    """Both ways, each on a fresh server: every student on the lecturer's link, and every student a seed of their own."""
    results = {}
    for name, own in (("one shared link", False), ("own models", True)):
        with serve_app() as server:
            # One student opens the page first, so that what is weighed per session is an extra session's: the server
            # imports torch and the app, and starts its training process, for its first session only. That student
            # does not train, so the class's runs have the training process to themselves.
            run_class(server.url, 1, 10.0, LINK, pages=[], arrive_within=0.0, train=False)
            mb_before, cpu_before = server.rss_mb(), server.cpu_seconds()
            workers_before = server.children_rss_mb()
            with ThreadPoolExecutor(1) as browsers:  # beside the simulated class, through its busiest minute
                timed = browsers.submit(browser_switches, server.url, arrive_within / 2, arrive_within + seconds - 5, own)
                pages = [path for path, _ in TOUR]
                report = run_class(server.url, students - BROWSERS, seconds, LINK, own, pages=pages, arrive_within=arrive_within)
                in_page = timed.result()
            report["students"] = students
            report["progressed"] += in_page["progressed"]
            report["in_page"] = in_page
            report["server_cores"] = round((server.cpu_seconds() - cpu_before) / report["seconds"], 2)
            report["server_mb_per_session"] = round((server.rss_mb() - mb_before) / students, 2)
            report["workers_mb_per_session"] = round((server.children_rss_mb() - workers_before) / students, 2)
        results[name] = report
        print(f"  measured a class: {name}", flush=True)
    return results


def browser_switches(url: str, arrive_at: float, leave_at: float, own: bool) -> dict:
    """Two Chromium students: they open the link ``arrive_at`` s from now, press Train, and change page in turn (one
    switch every 7.5 s between them) until ``leave_at`` s from now. Returns the switch times measured in the page."""
    from playwright.sync_api import sync_playwright

    start = time.monotonic()
    time.sleep(arrive_at)
    switches, errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            tabs = []
            for i in range(BROWSERS):
                tab = student_context(browser).new_page()
                tab.on("console", lambda m: errors.append(m.text[:200]) if m.type == "error" else None)
                tab.on("pageerror", lambda e: errors.append(str(e)[:200]))
                tab.goto(f"{url}/?{LINK}" + (f"&seed={1000 + i}" if own else ""))
                wait_idle(tab, quiet=0.3, timeout=120)
                press(tab, "Train", [])
                tabs.append(tab)
            steps = [step_count(tab) for tab in tabs]
            turn = 0
            while time.monotonic() - start < leave_at - 7.5:
                time.sleep(7.5)
                tab, title = tabs[turn % BROWSERS], TOUR[(turn // BROWSERS) % len(TOUR)][1]
                switches.append((title, round(page_change_seconds(tab, title), 3)))
                turn += 1
            progressed = sum(step_count(tab) > before for tab, before in zip(tabs, steps, strict=True))
        finally:
            browser.close()
    seconds = [s for _, s in switches]
    return {
        "switches": len(switches),
        "switch_p50_s": round(percentile(seconds, 0.5), 3),
        "switch_p95_s": round(percentile(seconds, 0.95), 3),
        "switch_max_s": round(max(seconds, default=float("nan")), 3),
        "each_switch": switches,  # (the page opened, seconds), in order
        "console_errors": errors,  # what the two pages logged as errors, or threw
        "progressed": progressed,
    }


def class_table(results: dict[str, dict]) -> str:
    rows = [
        "| 100 students | progressed | steps/s per session, median (min) | switch in the page, p50 / p95 (max) "
        "| switch by the protocol, p50 / p95 | server cores | MB per extra session (server + training) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        page = r["in_page"]
        rows.append(
            f"| {name} | {r['progressed']} of {r['students']} | {r['steps_per_second_median']:,.1f} ({r['steps_per_second_min']:,.1f}) | "
            f"{page['switch_p50_s']:.2f} s / {page['switch_p95_s']:.2f} s ({page['switch_max_s']:.2f} s, {page['switches']} switches) | "
            f"{r['switch_p50_s']:.2f} s / {r['switch_p95_s']:.2f} s | {r['server_cores']:.2f} | "
            f"{r['server_mb_per_session']:.1f} + {r['workers_mb_per_session']:.1f} |"
        )
    errors = [e for r in results.values() for e in r["in_page"]["console_errors"]]
    if errors:
        rows.append(f"\nConsole errors in the browsers ({len(errors)}): " + "; ".join(sorted(set(errors))[:5]))
    return "\n".join(rows)
