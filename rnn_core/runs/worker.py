"""The training side of a served app: runs that train in a process of their own and report as plain data.

A web server process has one interpreter lock. Training there, in threads beside the page-serving ones, both slowed
every page and got a few per cent of the lock for itself. So a :class:`Worker` owns trainers (model, optimiser, data
stream) and trains them, and tells the server what happened in Update messages (messages.py): new history rows, new probe
snapshots, the weights (as one flat array), the predictions on the probe batch. Nothing crosses as a model object.

A worker shares its time evenly: it trains its running runs in turn, a short quantum each, so no run starves however
many there are. The same class runs inside a spawned process (:func:`serve`, for the app) or in the calling process
(tests, and a notebook), where whoever calls :meth:`Worker.work` decides when it trains.

Commands, each ``(name, run, payload)``:
  ``start``   build a run paused at step 0 from ``{"config", "user"}``; or from ``"restore": {"weights", "step",
              "rows"}`` (a checkpoint, or the server's copy of a run whose worker died); or ``"fork": (run, step)``, an
              exact copy of another run of this worker at a step it reported (a student leaving a shared run)
  ``go``      ``{"running", "stop_at", "steps", "keep", "marks"}``: train until paused or ``stop_at``, or ``steps`` more
              now; ``keep`` keeps exact copies at reported steps (a shared run: a student who leaves it forks from
              one), and the run reports at each step in ``marks`` (where a student's own target ends their share)
  ``now``     send a probe snapshot of the run as it is now
  ``drop``    forget the run
"""

from __future__ import annotations

import collections
import importlib
import math
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field

import torch

from rnn_core.config import ExperimentConfig
from rnn_core.data.tasks import make_task
from rnn_core.inspect.probes import Snapshots, snapshots_of, take_snapshot
from rnn_core.runs.messages import Update, flat_weights, unflat_weights
from rnn_core.train.denormals import flushing_denormals
from rnn_core.train.trainer import Trainer

QUANTUM_SECONDS = 0.05  # one run's turn: short, so that forty runs each train within two seconds
UPDATE_SECONDS = 0.5  # how often a running run reports (the pages refresh every second or slower)
KEPT_COPIES = 16  # exact copies a shared run keeps, one per report: about 8 s of history a student can leave at
KEPT_BYTES = 64 * 2**20  # ... and at most this much memory for them (a big model keeps fewer)
NICENESS = 10  # a worker process yields the CPU to the page-serving server whenever both want it: see serve


@dataclass
class _Run:
    trainer: Trainer
    running: bool = False
    stop_at: int | None = None
    steps_left: int | None = None  # "steps" asked for: train these, then pause
    keep: bool = False
    kept: collections.deque = field(default_factory=collections.deque)
    marks: list[int] = field(default_factory=list)
    sent_rows: int = 0
    sent_snapshot_step: int = -1  # the latest snapshot the server has
    reported: float = 0.0
    want_now: bool = False
    trained_steps: int = 0  # since the last update, for the speed
    trained_seconds: float = 0.0
    speed: float = 0.0

    @property
    def wants_training(self) -> bool:
        trainer = self.trainer
        if trainer.diverged is not None:
            return False
        return (self.steps_left or 0) > 0 or (self.running and (self.stop_at is None or trainer.step < self.stop_at))


class Worker:
    """Trains many runs fairly and reports them through ``send``."""

    def __init__(
        self,
        send: Callable[[Update], None],
        quantum: float = QUANTUM_SECONDS,
        update_seconds: float = UPDATE_SECONDS,
        beside: Executor | None = None,
    ):
        """``beside``: the thread that takes the runs' probe snapshots beside training (inspect.probes.Snapshots), in a
        training process of its own (:func:`serve`). Without it, as inline in a server's process (tests, a notebook),
        they are taken in training's way: there the caller's threads share the process, and a session's finalizer,
        run by the garbage collector in whichever thread allocates, called back into the worker from the snapshot
        thread and waited for the very snapshot that thread was taking."""
        self.send, self.quantum, self.update_seconds, self.beside = send, quantum, update_seconds, beside
        self.runs: dict[int, _Run] = {}
        self._turn = 0

    # ---- commands ---------------------------------------------------------------------------------------------------

    def handle(self, command: tuple) -> None:
        name, run, payload = command
        if name == "start":
            self._start(run, payload)
        elif name == "drop":
            self.runs.pop(run, None)
        elif run in self.runs:
            state = self.runs[run]
            if name == "go":
                state.running, state.stop_at = payload.get("running", False), payload.get("stop_at")
                state.steps_left, state.keep = payload.get("steps"), payload.get("keep", state.keep)
                state.marks = sorted(payload.get("marks", ()))
                state.reported = 0.0  # report after the first step: the page's first live update comes at once
                if not state.wants_training:
                    self._report(run, state)  # a pause (or nothing to do) is confirmed at once
            elif name == "now":
                state.want_now = True
                self._report(run, state)

    def _start(self, run: int, payload: dict) -> None:
        try:
            if payload.get("fork") is not None:
                trainer, sent = self._fork(*payload["fork"])
            else:
                trainer, sent = self._build(payload), 0
        except ValueError as e:
            self.send(Update(run, error=str(e)))
            return
        state = _Run(trainer)
        if sent:  # a fork: the server already has everything up to the step it forked at
            state.sent_rows, state.sent_snapshot_step = len(trainer.records), trainer.step
        self.runs[run] = state
        self._report(run, state)

    def _build(self, payload: dict) -> Trainer:
        config = ExperimentConfig.from_dict(payload["config"])
        task = make_task(config.task, **payload.get("user", {}))
        restore = payload.get("restore")
        trainer = Trainer(config, task, observers=[Snapshots(beside=self.beside)])
        if restore is not None:
            trainer.restore(unflat_weights(restore["weights"]), restore["step"], restore["rows"])
        return trainer

    def _fork(self, source: int, step: int) -> tuple[Trainer, bool]:
        """An exact copy of run ``source`` at ``step``: from the copy kept at that step, or replayed from the latest
        earlier one, or from the start (training is deterministic however it is sliced: every way gives the same run)."""
        state = self.runs.get(source)
        if state is None:
            raise ValueError("the shared run it followed has ended; start again with Reset")
        copies = [(s, t) for s, t in state.kept if s <= step]
        if state.trainer.step == step:
            copies.append((step, state.trainer))
        if copies:
            at, kept = copies[-1]
            twin = kept.clone()
        else:  # older than every copy: the same run again from its first step
            at, twin = 0, Trainer(state.trainer.config, state.trainer.task, observers=[Snapshots(beside=self.beside)])
        twin.run(step - at)
        return twin, True

    # ---- training ---------------------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return any(state.wants_training or state.want_now for state in self.runs.values())

    def work(self, seconds: float) -> None:
        """Train the runs that want it, in turn, for about ``seconds`` in all; report each one when due."""
        deadline = time.perf_counter() + seconds
        while True:
            ready = [run for run, state in self.runs.items() if state.wants_training]
            if not ready:
                return
            self._turn = (self._turn + 1) % len(ready)
            for run in ready[self._turn :] + ready[: self._turn]:
                state = self.runs.get(run)
                if state is None:  # dropped during this turn: inline, another run's report can drop it (a session leaving)
                    continue
                self._train(run, state, min(self.quantum, max(0.0, deadline - time.perf_counter())))
                if time.perf_counter() >= deadline:
                    return

    def _train(self, run: int, state: _Run, seconds: float) -> None:
        trainer, start = state.trainer, time.perf_counter()
        while state.wants_training:
            room = math.inf if state.stop_at is None else state.stop_at - trainer.step
            if state.steps_left is not None:
                room = min(room, state.steps_left)
            done = trainer.run(1) if room > 0 else 0
            state.trained_steps += done
            if done and trainer.step in state.marks:  # a follower's own target: report (and keep a copy) exactly here
                self._report(run, state)
            if state.steps_left is not None:
                state.steps_left -= 1
                if state.steps_left <= 0:
                    state.steps_left, state.running = None, False
            if not done or time.perf_counter() - start >= seconds or state.reported == 0.0:  # a start: report its first step
                break
        state.trained_seconds += time.perf_counter() - start
        if not state.wants_training:
            state.running = False
        if not state.wants_training or time.perf_counter() - state.reported >= self.update_seconds:
            self._report(run, state)

    def _report(self, run: int, state: _Run) -> None:
        trainer = state.trainer
        if state.keep and (not state.kept or state.kept[-1][0] != trainer.step):
            state.kept.append((trainer.step, trainer.clone()))
            while len(state.kept) > _copies_allowed(trainer):
                state.kept.popleft()
        snapshots = snapshots_of(trainer)
        if state.wants_training and not state.keep and trainer.step not in state.marks:
            snapshots.collect()  # one still being taken comes in a later report
        else:  # every snapshot up to the step reported: a run that stops, or one a student may fork from at this step
            snapshots.settle()
        new_snapshots = [s for s in snapshots.items if s.step > state.sent_snapshot_step]
        now = None
        if state.want_now and trainer.model.recurrent:
            with flushing_denormals():  # as the kept ones are taken
                now = take_snapshot(trainer.model, trainer.task, trainer.probe, trainer.step)
        if state.trained_seconds > 0 and state.trained_steps:
            state.speed = state.trained_steps / state.trained_seconds
        with torch.no_grad():
            prediction, _ = trainer.model(trainer.probe.x)
        self.send(
            Update(
                run,
                step=trainer.step,
                rows=trainer.records.rows(state.sent_rows),
                snapshots=new_snapshots,
                weights=flat_weights(trainer.model.state_dict()),
                prediction=prediction.numpy(),
                running=state.wants_training,
                stop_at=state.stop_at,
                diverged=trainer.diverged,
                steps_per_second=state.speed,
                sharing=max(1, sum(s.wants_training for s in self.runs.values())),
                now=now,
            )
        )
        state.sent_rows, state.want_now, state.reported = len(trainer.records), False, time.perf_counter()
        state.trained_steps, state.trained_seconds = 0, 0.0
        if new_snapshots:
            state.sent_snapshot_step = new_snapshots[-1].step
            snapshots.items = snapshots.items[-1:]  # the server keeps them all; a worker only the latest


def _copies_allowed(trainer: Trainer) -> int:
    """How many exact copies of a shared run to keep: KEPT_COPIES, fewer for a big model (weights and two optimiser
    moments each), at least two."""
    size = 3 * sum(p.numel() * p.element_size() for p in trainer.model.parameters())
    return max(2, min(KEPT_COPIES, KEPT_BYTES // max(size, 1)))


def import_torch_dynamo() -> threading.Thread:
    """Import ``torch._dynamo`` in a thread: every optimiser step imports it (about 2 s, once per process:
    rnn_core/train/eager.py), so it should be there before the first press of Train.

    A worker starts it once it has answered its first commands (or waited a second for them). Started beside them,
    it held the interpreter lock while the first run was built: the server's first page, which waits for that run's
    report, got it 0.05–1.0 s after the server's own imports had ended (seven starts); now 0.03–0.16 s (five).
    """
    thread = threading.Thread(target=importlib.import_module, args=("torch._dynamo",), daemon=True, name="import-torch-dynamo")
    thread.start()
    return thread


def serve(connection, threads: int = 1) -> None:
    """A worker process's whole life: commands in, updates out, until the connection closes or says ``quit``.

    Training is the work that can wait; a page a student is looking at cannot. A worker trains flat out, so on a
    small server the page-serving process, the students' own browsers on a laptop, or a second worker compete with it
    for the cores; at a lower priority it still gets every idle cycle, and loses only the ones a page needs.
    """
    if hasattr(os, "nice"):  # POSIX; Windows has no niceness and runs the worker at normal priority
        os.nice(NICENESS)
    torch.set_num_threads(threads)
    # one thread takes every run's snapshots: one more core's work at most, and the runs' turns stay the worker's to share
    snapshot_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="probe-snapshots")
    worker, dynamo_import = Worker(connection.send, beside=snapshot_thread), None
    try:
        while True:
            timeout = 0.0 if worker.busy else 1.0
            while connection.poll(timeout):
                command = connection.recv()
                if command[0] == "quit":
                    return
                worker.handle(command)
                timeout = 0.0
            if dynamo_import is None:
                dynamo_import = import_torch_dynamo()
            if worker.busy:
                worker.work(worker.quantum)
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return  # the server has gone: so has every run this worker held
    finally:
        snapshot_thread.shutdown(wait=False, cancel_futures=True)  # nobody will read a snapshot still queued


if __name__ == "__main__":  # python -m rnn_core.runs.worker FD: the server's end of a socket pair is FD's other end
    import sys
    from multiprocessing.connection import Connection

    serve(Connection(int(sys.argv[1])))  # what crosses the pipe is defined in runs/messages.py, not in this __main__
