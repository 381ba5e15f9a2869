"""Training outside the server: workers, the mirrors a server reads, fair turns, exact forks, a crash, shared runs.

Most of these run the worker in this process (``inline``), which trains exactly when asked; one test starts a real
worker process, kills it, and checks that the run goes on from its last good model.
"""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from rnn_core.config import ExperimentConfig, ModelConfig, TaskConfig, TrainConfig
from rnn_core.data.tasks import make_task
from rnn_core.inspect.probes import Snapshots, snapshots_of
from rnn_core.runs import worker as worker_process
from rnn_core.runs.service import TrainingService
from rnn_core.runs.sharing import SharedRuns, run_key
from rnn_core.runs.worker import NICENESS
from rnn_core.train.trainer import Trainer

CONFIG = ExperimentConfig(
    task=TaskConfig(name="copy", delay=6), model=ModelConfig(cell="gru", hidden_size=8), train=TrainConfig(probe_every=10)
)


def reference(steps: int, config: ExperimentConfig = CONFIG) -> Trainer:
    trainer = Trainer(config, make_task(config.task), observers=[Snapshots()])
    trainer.run(steps)
    return trainer


def train_until(service: TrainingService, mirror, step: int, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while mirror.step < step and time.monotonic() < deadline:
        service.pump(0.05)
        mirror.wait(lambda m: m.step >= step, 0.05)
    assert mirror.step >= step


def same_run(mirror, trainer: Trainer) -> None:
    """Bit for bit: the history the server holds, the weights and the kept snapshots are the local trainer's."""
    np.testing.assert_array_equal(mirror.records.rows()[:, :6], trainer.records.rows()[:, :6])  # all but the wall time
    local = trainer.model.state_dict()
    assert all(torch.equal(t, local[name]) for name, t in mirror.model.state_dict().items())
    assert mirror.snapshots.steps == snapshots_of(trainer).steps


@pytest.fixture
def service():
    return TrainingService(inline=True)


def test_a_run_in_a_worker_is_the_run_a_trainer_makes_here(service):
    mirror = service.start(CONFIG, make_task(CONFIG.task))
    assert mirror.step == 0 and mirror.snapshots.steps == [0] and mirror.prediction is not None
    service.go(mirror, running=False, steps=25)
    assert mirror.step == 25 and not mirror.running
    trainer = reference(25)
    np.testing.assert_array_equal(mirror.records.rows()[:, :6], trainer.records.rows()[:, :6])
    assert all(torch.equal(t, trainer.model.state_dict()[name]) for name, t in mirror.model.state_dict().items())
    assert mirror.snapshots.steps == [0, 10, 20]
    now = service.snapshot_now(mirror)
    assert now.step == 25 and np.allclose(now.hidden, mirror.snapshots.latest.hidden) is False  # a new one, at step 25


def test_runs_take_fair_turns_on_one_worker(service):
    mirrors = [service.start(CONFIG.with_changes(seed=seed), make_task(CONFIG.task)) for seed in range(3)]
    for mirror in mirrors:
        service.go(mirror, running=True, stop_at=10_000)
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        service.pump(0.1)
    steps = [m.step for m in mirrors]
    assert min(steps) > 0 and min(steps) >= 0.5 * max(steps), steps  # each trains in turn, a quantum at a time
    assert all(m.sharing == 3 for m in mirrors)
    for mirror in mirrors:
        service.go(mirror, running=False)
    assert not any(m.running for m in mirrors)


def test_a_fork_goes_on_exactly_as_the_run_it_left(service):
    mirror = service.start(CONFIG, make_task(CONFIG.task))
    service.go(mirror, running=True, stop_at=40, keep=True, marks=[17, 40])
    train_until(service, mirror, 40)
    fork = service.start(CONFIG, make_task(CONFIG.task), fork=(mirror, 17))  # a step it reported at (a mark)
    assert fork.step == 17 and len(fork.records) == 17 and fork.snapshots.steps == [0, 10]
    early = service.start(CONFIG, make_task(CONFIG.task), fork=(mirror, 3))  # older than every copy: replayed
    assert early.step == 3
    service.go(fork, running=False, steps=13)
    service.go(early, running=False, steps=27)
    same_run(fork, reference(30))
    same_run(early, reference(30))


def test_a_fork_of_a_run_that_has_ended_says_why(service):
    mirror = service.start(CONFIG, make_task(CONFIG.task))
    service.go(mirror, running=False, steps=5)
    run = mirror.run_id
    service.drop(mirror)
    mirror.ids.run = run  # the id it had: the worker no longer holds that run
    fork = service.start(CONFIG, make_task(CONFIG.task), fork=(mirror, 5))
    assert fork.error == "the shared run it followed has ended; start again with Reset"


def test_a_worker_that_dies_leaves_the_last_model_and_training_goes_on():
    service = TrainingService(workers=1)
    try:
        mirror = service.start(CONFIG, make_task(CONFIG.task))
        service.go(mirror, running=False, steps=12)
        assert mirror.step == 12
        pid = service._pool[0]["process"].pid
        if hasattr(os, "nice"):  # the worker trains at a lower priority than the server that serves the pages
            assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)
        weights = {name: t.clone() for name, t in mirror.model.state_dict().items()}
        os.kill(pid, signal.SIGKILL)
        assert mirror.wait(lambda m: False, 15) is False and mirror.lost
        assert "stopped unexpectedly" in mirror.error and "step 12" in mirror.error
        assert all(torch.equal(t, weights[name]) for name, t in mirror.model.state_dict().items())  # kept
        service.go(mirror, running=False, steps=5)  # Step: the run goes on on a new worker, from step 12
        assert not mirror.lost and mirror.error is None and mirror.step == 17 and len(mirror.records) == 17
    finally:
        service.close()


# ---- shared runs ---------------------------------------------------------------------------------------------


@pytest.fixture
def shared(service):
    return SharedRuns(service)


def test_sessions_opening_one_experiment_share_its_untrained_run_and_then_its_training(service, shared):
    task = make_task(CONFIG.task)
    a, b, c = (shared.start(s, CONFIG, task) for s in (1, 2, 3))
    assert a is b is c and a.step == 0 and shared.followers(a) == 3  # one untrained run for the arrivals
    run = shared.train(1, a, 500)
    assert run is not a and a.step == 0  # the first to train forks it: the untrained one stays for the others
    train_until(service, run, 12)
    followed = shared.train(2, b, 500)
    assert followed is run and shared.followers(run) == 2  # the second follows the run that trains
    train_until(service, run, 30)
    left = shared.pause(1, run, seen=20)  # session 1 saw step 20: it goes on, alone, from exactly there
    assert left is not run and left.step == 20 and not left.running and run.running
    train_until(service, run, 45)
    service.go(left, running=False, steps=25)
    same_run(left, reference(45))  # a fork at 20, trained to 45, is the shared run's step 45
    assert shared.followers(run) == 1 and 2 in run.targets


def test_a_session_leaves_the_shared_run_at_its_own_stopping_step(service, shared):
    task = make_task(CONFIG.task)
    run = shared.train(1, shared.start(1, CONFIG, task), 10_000)
    train_until(service, run, 3)
    followed = shared.train(2, shared.start(2, CONFIG, task), 300)  # a preset's story: train to step 300
    assert followed is run and run.step < 300
    train_until(service, run, 320)
    settled = shared.settle(2, run)
    assert settled is not run and settled.step == 300 and len(settled.records) == 300 and not settled.running
    assert shared.settle(1, run) is run and run.running  # the other trains on


def test_the_first_report_after_train_comes_after_one_step(service, shared):
    """A press of Train waits for the run's first report (ui.state.FIRST_REPORT_SECONDS) to show it moving: it comes
    after the first step, not after a whole turn of steps; the next ones come every UPDATE_SECONDS."""
    run = shared.train(1, shared.start(1, CONFIG, make_task(CONFIG.task)), 1000)
    train_until(service, run, 5)  # past the first optimiser step, which pays a one-off import
    run = shared.pause(1, run, run.step)
    service.pump(0.05)
    run.wait(lambda m: not m.running, 5)
    paused = run.step
    run = shared.train(1, run, 1000)
    service.pump(0.1)  # two turns of 50 ms, dozens of steps: the first one reported, the others not for 0.5 s
    run.wait(lambda m: m.step > paused, 5)
    assert run.step == paused + 1 and run.running


def test_a_class_that_trains_to_the_same_step_stops_there_together_on_one_run(service, shared):
    task = make_task(CONFIG.task)
    run = shared.train(1, shared.start(1, CONFIG, task), 60)  # the server's step limit, for everyone
    train_until(service, run, 1)  # the first report, after the first step: the run trains on, the others join it
    assert all(shared.train(s, shared.start(s, CONFIG, task), 60) is run for s in (2, 3))
    train_until(service, run, 60)
    assert [shared.settle(s, run) for s in (1, 2, 3)] == [run, run, run]  # no copies: nothing changes it any more
    assert run.step == 60 and not run.running and shared.followers(run) == 3
    on = shared.train(2, run, 80)  # one trains on: on a copy of its own, from exactly there
    assert on is not run and on.step == 60 and run.step == 60 and shared.followers(run) == 2
    train_until(service, on, 80)
    same_run(on, reference(80))


def test_own_models_are_never_shared_and_user_data_keys_the_run(service, shared):
    task = make_task(CONFIG.task)
    mine = shared.train(1, shared.start(1, CONFIG, task), 100)
    theirs = shared.train(2, shared.start(2, CONFIG.with_changes(seed=7), task), 100)
    assert mine is not theirs and shared.followers(mine) == shared.followers(theirs) == 1
    text = ExperimentConfig(task=TaskConfig(name="characters", text_source="custom"))
    one, two = make_task(text.task, user_text="abcabcab"), make_task(text.task, user_text="xyzxyzxy")
    assert run_key(text, one) != run_key(text, two) and run_key(text, one) == run_key(text, make_task(text.task, user_text="abcabcab"))


def test_sharing_can_be_turned_off(service):
    shared = SharedRuns(service, enabled=False)
    task = make_task(CONFIG.task)
    a, b = shared.start(1, CONFIG, task), shared.start(2, CONFIG, task)
    assert a is not b
    assert shared.train(1, a, 100) is a and shared.train(2, b, 100) is b


def test_a_run_dropped_while_another_reports_is_skipped_not_trained():
    """Inline, a run's report can lead the server to drop another run within the same turn (a session leaving a
    shared run): the turn goes on with the runs that are left."""
    from rnn_core.runs.worker import Worker

    trained_in_turn: list[int] = []

    def send(update):
        if working and not trained_in_turn:  # the turn's first report drops every run not trained yet
            trained_in_turn.append(update.run)
            for other in [r for r in worker.runs if r != update.run]:
                worker.handle(("drop", other, None))

    worker, working = Worker(send, quantum=0.01), False
    for run in (1, 2, 3):
        worker.handle(("start", run, {"config": CONFIG.to_dict()}))
        worker.handle(("go", run, {"steps": 5}))
    working = True
    worker.work(2.0)
    assert list(worker.runs) == trained_in_turn and worker.runs[trained_in_turn[0]].trainer.step == 5


def test_a_worker_process_imports_torch_dynamo_once_it_has_answered_its_first_commands(monkeypatch):
    """runs/worker.import_torch_dynamo: begun beside the first commands, the import held the interpreter lock while the
    server's first page waited for its run's report; so a worker answers the commands it has first, then imports, once
    (and a worker that waits a second for its first command imports meanwhile)."""
    happened = []
    monkeypatch.setattr(worker_process, "import_torch_dynamo", lambda: happened.append("import torch._dynamo") or "begun")
    monkeypatch.setattr(worker_process.Worker, "handle", lambda self, command: happened.append(command[0]))
    snapshot_threads = []
    monkeypatch.setattr(worker_process.Worker, "work", lambda self, seconds: None)
    monkeypatch.setattr(worker_process.Worker, "busy", property(lambda self: snapshot_threads.append(self.beside) or False))
    monkeypatch.setattr(worker_process.os, "nice", lambda increment: None, raising=False)  # not this test process's priority

    class Commands:
        """What a server sends, None standing for a poll that finds nothing waiting."""

        def __init__(self, queue):
            self.queue = queue

        def poll(self, timeout):
            if self.queue[0] is None:
                self.queue.pop(0)
                return False
            return True

        def recv(self):
            return self.queue.pop(0)

        def send(self, update):
            pass

    threads = torch.get_num_threads()
    worker_process.serve(Commands([("start",), ("go",), None, ("now",), None, ("quit",)]), threads=threads)
    assert happened == ["start", "go", "import torch._dynamo", "now"]
    assert snapshot_threads and all(isinstance(t, ThreadPoolExecutor) for t in snapshot_threads)  # its runs' snapshots' own
    happened.clear()
    worker_process.serve(Commands([None, ("start",), None, ("quit",)]), threads=threads)
    assert happened == ["import torch._dynamo", "start"]


def test_a_training_process_takes_its_snapshots_beside_training_and_a_run_that_stops_reports_them_all(monkeypatch):
    """serve() gives its Worker a snapshot thread, for snapshots that take long. Held busy, the thread keeps step
    10's snapshot of a run waiting: the run trains and reports on meanwhile, and the snapshot comes in a later report.
    The run that stops waits for its last one, so its reports hold every snapshot, the very ones a trainer here takes
    in training's way."""
    from rnn_core.inspect import probes
    from rnn_core.runs.worker import Worker
    from tests.test_probes_and_generation import held_snapshot_thread

    monkeypatch.setattr(probes, "BESIDE_SECONDS", 0.0)  # every snapshot but the first, as a big model's
    beside, free = held_snapshot_thread()  # busy until the run has trained past its second snapshot
    updates = []
    worker = Worker(updates.append, quantum=0.01, update_seconds=0.0, beside=beside)
    worker.handle(("start", 1, {"config": CONFIG.to_dict()}))  # step 0's snapshot, the first, is taken in training's way
    assert [s.step for s in updates[-1].snapshots] == [0]
    worker.handle(("go", 1, {"steps": 25}))
    for _ in range(200):
        worker.work(0.01)
        if updates[-1].step >= 15:
            break
    assert updates[-1].step >= 15 and updates[-1].running and [s.step for u in updates for s in u.snapshots] == [0]
    free.set()
    in_flight = snapshots_of(worker.runs[1].trainer).in_flight
    if in_flight is not None:  # step 10's, unless the step-20 snapshot's turn already waited for it
        in_flight.result(30)
        worker.work(0.01)
        assert updates[-1].running and [s.step for s in updates[-1].snapshots] == [10]  # reported while the run trains on
    while worker.busy:
        worker.work(0.05)
    assert worker.runs[1].trainer.step == 25 and not updates[-1].running
    reported = [s for u in updates for s in u.snapshots]
    local = snapshots_of(reference(25)).items
    assert [s.step for s in reported] == [s.step for s in local] == [0, 10, 20]
    for theirs, ours in zip(reported, local):
        np.testing.assert_array_equal(theirs.hidden, ours.hidden)
        np.testing.assert_array_equal(theirs.grad_norm_last, ours.grad_norm_last)
    beside.shutdown()
