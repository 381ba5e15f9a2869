"""A whole class on one server, simulated: clients that speak Streamlit's websocket protocol open the app, press Train
and change page, as in a lecture (scripts/load.py). The short version; ``python -m bench`` runs a hundred.

What must hold whatever the machine: every session's step count rises, no page shows an exception, every Train press
takes, each session runs one timer; students who open one link follow one shared run and are told so. How fast pages
switch is measured by the bench, not asserted here.
"""

from __future__ import annotations

import json

from scripts.load import run_class
from tests.e2e.test_browser import TIMINGS

LINK = "task=copy&delay=30&cell=rnn_tanh&lr=0.003"  # the README's example


def check(report: dict, students: int) -> None:
    assert report["exceptions"] == [], report["exceptions"]
    assert report["never_pressed"] == 0 and report["timeouts"] == 0, report
    assert report["progressed"] == students, report  # every session's step count rose
    assert report["most_timers_per_session"] == 1, report  # one timed rerun per session per refresh


def test_a_class_on_one_link_follows_one_shared_run(app_server):
    report = run_class(app_server.url, students=30, seconds=20, link=LINK, switch_every=5, arrive_within=5)
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    (TIMINGS.parent / "class_shared.json").write_text(json.dumps(report, indent=2))
    check(report, 30)
    assert report["saw_a_shared_run"] >= 29, report  # all but perhaps the first, who trained alone for a moment


def test_a_class_of_own_models_trains_every_one(app_server):
    report = run_class(app_server.url, students=12, seconds=12, link=LINK, own_models=True, switch_every=5, arrive_within=5)
    (TIMINGS.parent / "class_own.json").write_text(json.dumps(report, indent=2))
    check(report, 12)
    assert report["saw_a_shared_run"] == 0, report
