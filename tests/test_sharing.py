"""How sessions share a server's cores for training: few at a time, each a fair slice (ui/sharing.py)."""

from __future__ import annotations

import threading
import time

import pytest

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
