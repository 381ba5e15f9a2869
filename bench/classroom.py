"""A whole class on one served app: a hundred simulated students (scripts/load.py), on one link and on own models.

Students arrive within a minute (a lecturer shares a link; everyone presses Train), then each changes page every
15 s for a minute. Measured: how many sessions' step counts rose, steps/s per session, page switches (request to the
end of the page's run, as the client sees it), the server process's CPU, and memory per session (the server's own,
and its training processes').
"""

from __future__ import annotations

from scripts.load import run_class
from scripts.served_app import serve_app

LINK = "task=copy&delay=30&cell=rnn_tanh&lr=0.003"  # the README's example link


def class_load(students: int = 100, arrive_within: float = 60.0, seconds: float = 60.0) -> dict[str, dict]:
    """Both ways, each on a fresh server: every student on the lecturer's link, and every student a seed of their own."""
    results = {}
    for name, own in (("one shared link", False), ("own models", True)):
        with serve_app() as server:
            mb_before, cpu_before = server.rss_mb(), server.cpu_seconds()
            workers_before = server.children_rss_mb()
            report = run_class(server.url, students, seconds, LINK, own_models=own, arrive_within=arrive_within)
            report["server_cores"] = round((server.cpu_seconds() - cpu_before) / report["seconds"], 2)
            report["server_mb_per_session"] = round((server.rss_mb() - mb_before) / students, 2)
            report["workers_mb_per_session"] = round((server.children_rss_mb() - workers_before) / students, 2)
        results[name] = report
        print(f"  measured a class: {name}", flush=True)
    return results


def class_table(results: dict[str, dict]) -> str:
    rows = [
        "| 100 students | progressed | steps/s per session, median (min) | switch p50 / p95 | server cores "
        "| MB per session (server + training) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        rows.append(
            f"| {name} | {r['progressed']} of {r['students']} | {r['steps_per_second_median']:,.1f} ({r['steps_per_second_min']:,.1f}) | "
            f"{r['switch_p50_s']:.2f} s / {r['switch_p95_s']:.2f} s | {r['server_cores']:.2f} | "
            f"{r['server_mb_per_session']:.1f} + {r['workers_mb_per_session']:.1f} |"
        )
    return "\n".join(rows)
