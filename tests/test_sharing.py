"""How sessions share a server's cores for training: few at a time, each a fair slice (ui/sharing.py)."""

from __future__ import annotations

import threading
import time

import pytest

from ui.pacing import Pacing
from ui.sharing import TrainingShare


def test_a_lone_session_gets_a_full_slice_and_a_crowd_shares_the_slots_time():
    share = TrainingShare(slots=1, refresh_seconds=1.0, slice_seconds=0.4)
    assert share.slice_seconds(session=1) == 0.4
    for session in range(2, 11):
        share.slice_seconds(session)
    assert share.active == 10
    assert share.slice_seconds(session=1) == pytest.approx(0.08)  # 1 slot × 1 s × 80 % ÷ 10 sessions
    share.stopped(1)
    assert share.active == 9


def test_sessions_that_stopped_asking_age_out(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    share = TrainingShare(slots=2, refresh_seconds=1.0, slice_seconds=0.4)
    for session in range(8):
        share.slice_seconds(session)
    now[0] += 3.5  # past three refreshes: their tabs are gone or paused
    assert share.slice_seconds(session=99) == 0.4 and share.active == 1


def test_no_more_sessions_train_at_once_than_there_are_slots():
    share, inside, most = TrainingShare(slots=2, refresh_seconds=1.0, slice_seconds=0.4), [0], [0]
    lock = threading.Lock()

    def train() -> None:
        with share.slot(timeout=5) as acquired:
            assert acquired
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.02)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=train) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert most[0] == 2


def test_a_refresh_that_finds_no_free_slot_goes_on_without_training():
    share = TrainingShare(slots=1, refresh_seconds=1.0, slice_seconds=0.4)
    with share.slot(timeout=None) as first, share.slot(timeout=0.01) as second:
        assert first and not second
    with share.slot(timeout=0.01) as again:
        assert again  # released: the next refresh trains


# ---- pacing: how often live views refresh (ui/pacing.py) --------------------------------------------------------


def test_the_refresh_stretches_with_the_sessions_watching_until_they_fit_the_budget(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    pacing = Pacing(base_seconds=1.0, budget_cores=0.5, max_seconds=10.0)
    for _ in range(50):  # the running average of what a refresh costs settles at 20 ms
        pacing.refreshed(session=0, seconds=0.02)
    assert pacing.interval() == 1.0  # one session: the configured refresh
    for session in range(1, 100):
        pacing.refreshed(session, 0.02)
    assert pacing.live_sessions == 100
    assert pacing.interval() == 4.0  # 100 × 20 ms ÷ 0.5 core = 4 s
    assert pacing.should_redraw_at(1.0) and not pacing.should_redraw_at(3.0)
    for session in range(1000, 2000):
        pacing.refreshed(session, 0.02)
    assert pacing.interval() == 10.0  # never past the longest refresh
    now[0] += 31.0  # three refreshes missed: the tabs closed
    pacing.refreshed(0, 0.02)
    assert pacing.live_sessions == 1 and pacing.interval() == 1.0 and pacing.should_redraw_at(4.0)


def test_a_fair_slice_is_a_share_of_the_stretched_refresh():
    share = TrainingShare(slots=1, refresh_seconds=1.0, slice_seconds=0.4)
    for session in range(100):
        share.slice_seconds(session, every=4.0)
    assert share.slice_seconds(0, every=4.0) == pytest.approx(0.032)  # 1 slot × 4 s × 80 % ÷ 100 sessions
    assert TrainingShare(slots=1, refresh_seconds=1.0, slice_seconds=0.4).slice_seconds(0, every=4.0) == pytest.approx(1.6)
