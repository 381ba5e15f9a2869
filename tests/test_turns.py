"""Script runs take turns (ui/turns.py): one at a time, clicks before timers, nested turns shared, a wait gives the
turn up, and a run that never gives it back stops nobody for longer than the patience."""

from __future__ import annotations

import threading
import time

import pytest

from rnn_core.data.tasks import make_task
from rnn_core.runs.service import TrainingService
from tests.test_workers import CONFIG
from ui.turns import Turns


def until(condition, timeout: float = 5.0) -> None:
    """Wait (bounded) for another thread to get where the test needs it."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the other thread never got there"
        time.sleep(0.001)


def queued_run(turns: Turns, urgent: bool, order: list[str], name: str) -> threading.Thread:
    def run() -> None:
        with turns.turn(urgent):
            order.append(name)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_runs_take_turns_one_at_a_time_and_a_click_goes_before_the_timers():
    turns, order = Turns(), []
    with turns.turn(urgent=False):  # a refresh is drawing
        runs = []
        for name, urgent in (("timer 1", False), ("timer 2", False), ("click 1", True), ("timer 3", False), ("click 2", True)):
            runs.append(queued_run(turns, urgent, order, name))
            until(lambda: turns.waiting == len(runs))  # queued in this order
        assert order == []  # nobody drew while the turn was taken
    for run in runs:
        run.join(5)
    assert order == ["click 1", "click 2", "timer 1", "timer 2", "timer 3"]
    assert turns.idle


def test_a_widget_moved_in_a_timed_fragment_makes_that_run_urgent_once():
    turns, order = Turns(), []

    def fragment_run(name: str, moved: bool) -> None:  # what a live fragment's rerun does: callbacks, then its turn
        if moved:
            turns.asked()  # the widget's on_change, called by Streamlit in the run's thread
        with turns.turn(urgent=False):
            order.append(name)

    def runs_in_one_thread() -> None:
        fragment_run("replay slider moved", moved=True)
        fragment_run("its next timer", moved=False)

    with turns.turn(urgent=False):
        timer = queued_run(turns, False, order, "another session's timer")
        until(lambda: turns.waiting == 1)
        thread = threading.Thread(target=runs_in_one_thread)
        thread.start()
        until(lambda: turns.waiting == 2)
    thread.join(5)
    timer.join(5)
    assert order == ["replay slider moved", "another session's timer", "its next timer"]
    assert turns.idle


def test_a_fragment_drawn_inside_its_pages_run_shares_that_runs_turn():
    turns = Turns()
    with turns.turn(urgent=True), turns.turn(urgent=False), turns.turn(urgent=False):
        assert not turns.idle
    assert turns.idle


def test_a_run_that_fails_gives_its_turn_back():
    turns = Turns()
    with pytest.raises(RuntimeError), turns.turn(urgent=True):
        raise RuntimeError("a script error, or Streamlit stopping the run for a newer one")
    assert turns.idle


def test_a_run_waiting_for_something_else_lets_the_next_one_draw_and_finishes_without_a_turn():
    turns, order, reply = Turns(), [], threading.Event()

    def waiting_for_a_worker() -> None:
        with turns.turn(urgent=True):
            order.append("asked the worker")
            with turns.step_aside():
                reply.wait(5)
            order.append("drew the answer")

    first = threading.Thread(target=waiting_for_a_worker)
    first.start()
    until(lambda: order == ["asked the worker"])
    second = queued_run(turns, False, order, "a refresh meanwhile")
    second.join(5)
    assert order == ["asked the worker", "a refresh meanwhile"]
    reply.set()
    first.join(5)
    assert order[-1] == "drew the answer" and turns.idle  # the slot was given back once, not twice


def test_a_run_that_never_gives_its_turn_back_holds_the_others_up_only_for_the_patience():
    turns, order, hung, released = Turns(patience=0.2), [], threading.Event(), threading.Event()

    def hangs() -> None:
        with turns.turn(urgent=True):
            hung.set()
            released.wait(10)

    stuck = threading.Thread(target=hangs)
    stuck.start()
    hung.wait(5)
    started = time.monotonic()
    queued_run(turns, True, order, "went anyway").join(5)
    assert order == ["went anyway"] and time.monotonic() - started >= 0.2
    assert not turns.idle  # the stuck run still holds its slot; the one that went anyway took none
    released.set()
    stuck.join(5)
    assert turns.idle


def test_a_run_steps_aside_only_when_it_must_wait_for_its_worker():
    asides = []

    class Counted:
        def __enter__(self):
            asides.append(1)

        def __exit__(self, *exc):
            return False

    service = TrainingService(inline=True, while_waiting=Counted)
    mirror = service.start(CONFIG, make_task(CONFIG.task))
    before = len(asides)
    assert mirror.wait(lambda m: True, 1.0) and len(asides) == before  # already there: the turn is kept
    service.go(mirror, running=False, steps=3)  # waits for the worker's three steps
    assert mirror.step == 3 and len(asides) == before + 1
