"""Five real browsers on one server all train; page changes go through while the others train (the crowd: test_class.py)."""

from __future__ import annotations

import json

from scripts.sessions import many_sessions_training
from tests.e2e.test_browser import TIMINGS

SESSIONS = 5  # the simulated class (test_class.py) carries the crowd; these measure real browsers
HANG = 60.0  # seconds: a page change slower than this is a hang, not a slow page (speeds are measured by python -m bench)


def test_browser_sessions_train_at_once_and_pages_stay_responsive(browser, app_server):
    report = many_sessions_training(browser, app_server, sessions=SESSIONS, seconds=5, page_changes=2, weigh=False)
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    (TIMINGS.parent / "many_sessions.json").write_text(json.dumps(report, indent=2))
    assert report["exceptions"] == []
    assert all(report["progressed"]), f"a session did not train: {report['progressed']}"
    assert len(report["page_change_s"]) == 2 and max(report["page_change_s"]) < HANG, report["page_change_s"]
