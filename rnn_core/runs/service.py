"""The server's side of training in workers: the :class:`TrainingService` that starts runs on workers, steers them
and keeps each run's :class:`~rnn_core.runs.mirror.RunMirror` up to date from the workers' reports.

The weights come with every report, so a run whose worker dies keeps its last good model: the service restarts the
worker, and the run goes on from that model when the student presses Train.

Workers are processes (``TrainingService(workers=n)``, the app), or one :class:`~rnn_core.runs.worker.Worker` in this
process (``inline=True``: tests and notebooks), which trains only when :meth:`TrainingService.pump` is called.
"""

from __future__ import annotations

import contextlib
import itertools
import subprocess
import threading
import time
import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager as ContextManager

import torch

from rnn_core.config import ExperimentConfig
from rnn_core.data.tasks import Task
from rnn_core.inspect.probes import ProbeSnapshot
from rnn_core.runs import processes
from rnn_core.runs.messages import Update, flat_weights, unflat_weights
from rnn_core.runs.mirror import RunIds, RunMirror
from rnn_core.runs.worker import Worker

START_SECONDS = 60.0  # a first run may wait for its worker process to start (importing torch takes seconds)
ANSWER_SECONDS = 10.0  # a pause, a step or a snapshot asked of a running worker
NOW_FRESH_SECONDS = 0.5  # a "now" snapshot younger than this serves a page of a run that trains on


class TrainingService:
    """Starts runs on workers and steers them. One per server process."""

    def __init__(self, workers: int = 1, inline: bool = False, while_waiting: Callable[[], ContextManager] = contextlib.nullcontext):
        """``while_waiting()`` is entered while a server thread waits for a worker (a web server gives the thread's
        turn to others meanwhile: ui/turns.py)."""
        self.inline = inline
        self.while_waiting = while_waiting
        self._ids = itertools.count(1)
        self._mirrors: weakref.WeakValueDictionary[int, RunMirror] = weakref.WeakValueDictionary()  # a run ends with its mirror
        self._lock = threading.RLock()
        if inline:
            self._worker = Worker(self._deliver)
            self._pool = []
        else:
            self._pool = [self._spawn(i) for i in range(workers)]

    # ---- workers --------------------------------------------------------------------------------------------------

    def _spawn(self, index: int) -> dict:
        """A worker process (one started early, if any: runs/processes.py) and a thread that reads its reports."""
        process, connection = processes.take()
        worker = {"index": index, "process": process, "connection": connection, "send": threading.Lock(), "alive": True}
        threading.Thread(target=self._listen, args=(worker,), daemon=True, name=f"rnn-explorer-reports-{index}").start()
        return worker

    def _listen(self, worker: dict) -> None:
        while True:
            try:
                update = worker["connection"].recv()
            except (EOFError, OSError):
                break
            self._deliver(update)
        self._died(worker)

    def _died(self, worker: dict) -> None:
        """A worker process ended: its runs keep their last report and say what happened; a new process replaces it."""
        with self._lock:
            if not worker["alive"]:
                return
            worker["alive"] = False
            code = worker["process"].wait()
            for mirror in [m for m in list(self._mirrors.values()) if m.worker == worker["index"]]:
                mirror.lose(
                    f"The training process stopped unexpectedly (exit code {code}). Your model is kept as it was at step "
                    f"{mirror.step:,}: press Train to go on from there."
                )
            self._pool[worker["index"]] = self._spawn(worker["index"])

    def _deliver(self, update: Update) -> None:
        mirror = self._mirrors.get(update.run)
        if mirror is not None:
            mirror.apply(update)

    def _send(self, mirror: RunMirror, command: tuple) -> None:
        if not self._send_to(mirror.worker, command):
            mirror.lose("The training process stopped unexpectedly. Your model is kept: press Train to go on.")

    def _send_to(self, index: int, command: tuple) -> bool:
        """Give a worker a command; False if its pipe broke (the listener sees the death and says so)."""
        if self.inline:
            with self._lock:
                self._worker.handle(command)
            return True
        worker = self._pool[index]
        try:
            with worker["send"]:
                worker["connection"].send(command)
        except (OSError, ValueError):
            return False
        return True

    def _forget(self, ids: RunIds) -> None:
        """A mirror nobody holds any more: its worker drops the run."""
        if ids.run >= 0 and (self.inline or self._pool):
            self._send_to(ids.worker, ("drop", ids.run, None))

    def pump(self, seconds: float) -> None:
        """Inline only: let the worker train its runs for about ``seconds`` (a process trains on its own)."""
        if self.inline:
            with self._lock:
                self._worker.work(seconds)

    def pump_while_waiting(self, mirror: RunMirror, seconds: float, changed: threading.Condition) -> None:
        """Wait for ``mirror``'s next report: inline, by training; with processes, by waiting for one to arrive."""
        if not self.inline:
            changed.wait(seconds)
            return
        changed.release()  # the worker reports into the mirror, which takes this lock
        try:
            self.pump(min(seconds, 0.05))
        finally:
            changed.acquire()

    # ---- runs -----------------------------------------------------------------------------------------------------

    def start(
        self, config: ExperimentConfig, task: Task, restore: dict | None = None, fork: tuple[RunMirror, int] | None = None
    ) -> RunMirror:
        """A new run, paused: fresh, from ``restore`` (``{"state_dict", "step", "rows"}``), or an exact copy of ``fork``
        = (mirror, step). Returns once the worker has reported it (or said why it could not)."""
        mirror = RunMirror(self, config, task)
        payload: dict = {"config": config.to_dict(), "user": task.user_data()}
        if restore is not None:
            payload["restore"] = {"weights": flat_weights(restore["state_dict"]), "step": restore["step"], "rows": restore["rows"]}
        if fork is not None:
            source, step = fork
            payload["fork"] = (source.run_id, step)
            mirror.records, mirror.snapshots = source.records.truncated(step), source.snapshots.copy(up_to=step)
        with self._lock:
            mirror.ids.run = next(self._ids)
            mirror.ids.worker = fork[0].worker if fork is not None else self._least_busy()
            self._mirrors[mirror.run_id] = mirror
        weakref.finalize(mirror, self._forget, mirror.ids)  # nobody shows it any more: the worker lets it go
        self._send(mirror, ("start", mirror.run_id, payload))
        mirror.wait(lambda m: m.version > 0, START_SECONDS)
        return mirror

    def _least_busy(self) -> int:
        if self.inline:
            return 0
        counts = {w["index"]: 0 for w in self._pool}
        for mirror in self._mirrors.values():
            counts[mirror.worker] = counts.get(mirror.worker, 0) + 1
        return min(counts, key=counts.get)

    def resume(self, mirror: RunMirror) -> None:
        """A run whose worker died, started again on a live worker from the weights it last reported."""
        restore = {"state_dict": unflat_weights(mirror.weights), "step": mirror.step, "rows": mirror.records.rows()}
        again = self.start(mirror.config, mirror.task, restore=restore)
        with self._lock:
            self._mirrors.pop(again.run_id, None)
            self._mirrors.pop(mirror.run_id, None)
            mirror.ids.run, mirror.ids.worker = again.run_id, again.worker
            again.ids.run = -1  # the new mirror lets go of nothing when it ends: its run is this one's now
            mirror.lost, mirror.error = False, None
            self._mirrors[mirror.run_id] = mirror

    def go(
        self,
        mirror: RunMirror,
        running: bool,
        stop_at: int | None = None,
        steps: int | None = None,
        keep: bool = False,
        marks: list[int] = (),
        wait: bool = True,
    ) -> None:
        """Train until paused (or ``stop_at``), or ``steps`` more, or pause; waits for the worker's answer to a pause or a
        number of steps, so that the page drawn next shows the model as training left it. ``keep`` and ``marks``: see
        rnn_core.runs.worker (a shared run's copies, and the steps it reports at). ``wait=False``: a pause nobody waits to see."""
        if mirror.lost and (running or steps):
            self.resume(mirror)
        version = mirror.version
        payload = {"running": running, "stop_at": stop_at, "steps": steps, "keep": keep, "marks": list(marks)}
        self._send(mirror, ("go", mirror.run_id, payload))
        if steps:
            target = mirror.step + steps
            mirror.wait(lambda m: m.version > version and (m.step >= target or not m.running), ANSWER_SECONDS)
        elif not running and wait:
            mirror.wait(lambda m: m.version > version and not m.running, ANSWER_SECONDS)
        else:
            with mirror._changed:  # shown as training at once; the worker's reports follow
                mirror.running = True

    def snapshot_now(self, mirror: RunMirror, timeout: float = ANSWER_SECONDS) -> ProbeSnapshot | None:
        """A probe snapshot of the run at its current step.

        A paused run's is exact: asked of the worker, once per step, and waited for (None if it did not answer within
        ``timeout``). A training run's page never waits: it gets the latest snapshot asked for (or, before the first,
        None), and a fresh one is asked for when that one is older than ``NOW_FRESH_SECONDS`` and none is on its way,
        so that a class following one run costs its worker one snapshot per refresh, not one per student.
        """
        now = mirror.now
        if now is not None and now.step == mirror.step:
            return now
        if mirror.running:
            if time.monotonic() - max(mirror.now_at, mirror.now_asked) >= NOW_FRESH_SECONDS:
                mirror.now_asked = time.monotonic()
                self._send(mirror, ("now", mirror.run_id, None))
            return now
        version = mirror.version
        mirror.now_asked = time.monotonic()
        self._send(mirror, ("now", mirror.run_id, None))
        mirror.wait(lambda m: m.now_version > version, timeout)
        return mirror.now

    def drop(self, mirror: RunMirror) -> None:
        """Let a run go now (it would go anyway once nobody holds its mirror)."""
        with self._lock:
            self._mirrors.pop(mirror.run_id, None)
        self._forget(mirror.ids)
        mirror.ids.run = -1

    def close(self) -> None:
        for worker in self._pool:
            worker["alive"] = False
            with contextlib.suppress(OSError):  # already gone
                worker["connection"].send(("quit", 0, None))
            try:
                worker["process"].wait(timeout=5)
            except subprocess.TimeoutExpired:
                worker["process"].kill()


def state_dict_of(mirror: RunMirror) -> dict[str, torch.Tensor]:
    """The weights the worker last reported, as a state_dict (for a checkpoint)."""
    return unflat_weights(mirror.weights)
