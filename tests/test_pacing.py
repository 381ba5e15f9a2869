"""How often live views refresh when many sessions watch (ui/pacing.py)."""

from __future__ import annotations

import time

from ui.pacing import Pacing


def clocks(monkeypatch, wall: float = 100.0, cpu: float = 0.0) -> dict:
    now = {"wall": wall, "cpu": cpu}
    monkeypatch.setattr(time, "monotonic", lambda: now["wall"])
    monkeypatch.setattr(time, "process_time", lambda: now["cpu"])
    return now


def test_the_refresh_stretches_with_the_sessions_watching_until_they_fit_the_budget(monkeypatch):
    now = clocks(monkeypatch)
    pacing = Pacing(base_seconds=1.0, target_cores=0.5, floor_cores=0.1, max_seconds=10.0)
    for _ in range(60):  # the running average of what a refresh costs settles at 20 ms
        pacing.refreshed(session=0, cpu_seconds=0.02, every=1.0)
    assert pacing.interval() == 1.0  # one session: the configured refresh
    for session in range(1, 100):
        pacing.refreshed(session, 0.02)
    assert pacing.live_sessions == 100
    assert pacing.interval() == 4.0  # 100 × 20 ms ÷ 0.5 core = 4 s
    assert pacing.should_redraw_at(1.0) and not pacing.should_redraw_at(3.0)
    for session in range(1000, 2000):
        pacing.refreshed(session, 0.02)
    assert pacing.interval() == 10.0  # never past the longest refresh
    now["wall"] += 31.0  # three refreshes missed: the tabs closed
    pacing.refreshed(0, 0.02)
    assert pacing.live_sessions == 1 and pacing.interval() == 1.0 and pacing.should_redraw_at(4.0)


def test_what_the_server_spends_on_everything_else_leaves_less_for_refreshes(monkeypatch):
    now = clocks(monkeypatch)
    pacing = Pacing(base_seconds=1.0, target_cores=0.75, floor_cores=0.15)
    for session in range(50):
        pacing.refreshed(session, 0.01)
    quiet = pacing.interval()
    for _ in range(12):  # windows of 2 s at 0.7 of a core, of which refreshes take 0.25: page switches take 0.45
        now["wall"] += 2.0
        now["cpu"] += 1.4
        for session in range(50):
            pacing.refreshed(session, 0.01)
    assert quiet == 1.0 and pacing.interval() == 2.0  # 50 × 10 ms ÷ (0.75 − 0.45) core = 1.67 s, in half seconds
    now["wall"] += 2.0  # one quiet window does not swing the pages drawn at 2 s back to 1 s
    for session in range(50):
        pacing.refreshed(session, 0.01)
    assert not pacing.should_redraw_at(2.0)
