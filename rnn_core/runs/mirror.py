"""One run as the server sees it: a :class:`RunMirror` holds what the run's worker last reported.

A page reads a mirror as it would read a Trainer (``step``, ``history``, ``records``, ``snapshots``, ``probe``,
``model``, ``diverged``), but nothing in it trains: it holds plain rows, snapshots and the weights as one array, so a
server thread never waits for training, and training never waits for the server's interpreter lock.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rnn_core.config import ExperimentConfig
from rnn_core.data.tasks import Task
from rnn_core.inspect.probes import SNAPSHOT_BYTES, ProbeSnapshot, SnapshotStore
from rnn_core.runs.messages import Update, unflat_weights
from rnn_core.train.history import History
from rnn_core.train.models import SequenceModel
from rnn_core.train.trainer import Divergence

if TYPE_CHECKING:
    from rnn_core.runs.service import TrainingService


@dataclass
class RunIds:
    """Where a run lives: its id and its worker (both change when a run moves to a new worker after a crash)."""

    run: int = -1
    worker: int = -1


class RunMirror:
    """One run as its worker last reported it. Read it under no lock: each report replaces whole values."""

    def __init__(self, service: TrainingService, config: ExperimentConfig, task: Task):
        self.service, self.config, self.task = service, config, task
        self.ids = RunIds()
        self.probe = task.probe_batch(config.train.probe_batch)  # the worker draws the same batch
        self.step = 0
        self.records = History()
        self.snapshots = SnapshotStore(SNAPSHOT_BYTES)
        self.weights: tuple | None = None
        self.prediction = None
        self.now: ProbeSnapshot | None = None  # the latest snapshot asked for "now", the report it came with, and when
        self.now_version, self.now_at, self.now_asked = 0, 0.0, 0.0  # ... and when one was last asked for
        self.running, self.stop_at = False, None
        self.diverged: Divergence | None = None
        self.steps_per_second = 0.0
        self.sharing = 1  # runs taking turns on its worker when it last reported
        self.error: str | None = None  # the worker could not build the run, or it stopped: a sentence for the page
        self.lost = False  # its worker died: the next Train starts it again from the last reported weights
        self.key: tuple | None = None  # what makes it the same run as another from scratch (rnn_core.runs.sharing); None: its own
        self.holders: set[int] = set()  # the sessions that show it (rnn_core.runs.sharing keeps these two)
        self.targets: dict[int, int] = {}  # the sessions that train it -> the step each wants to stop at
        self.version = 0  # reports applied so far
        self._changed = threading.Condition()
        self._model: SequenceModel | None = None
        self._model_version = -1

    # ---- reports --------------------------------------------------------------------------------------------------

    def apply(self, update: Update) -> None:
        with self._changed:
            if update.error is not None:
                self.error, self.running = update.error, False
            else:
                self.records.extend(update.rows)
                for snapshot in update.snapshots:
                    self.snapshots.add(snapshot)
                self.step, self.weights, self.prediction = update.step, update.weights, update.prediction
                self.running, self.stop_at, self.diverged = update.running, update.stop_at, update.diverged
                self.steps_per_second, self.sharing = update.steps_per_second, update.sharing
                if update.now is not None:
                    self.now, self.now_version, self.now_at = update.now, self.version + 1, time.monotonic()
            self.version += 1
            self._changed.notify_all()

    def lose(self, reason: str) -> None:
        """Its worker died: keep what was reported, and say so."""
        with self._changed:
            self.lost, self.running, self.error = True, False, reason
            self.version += 1
            self._changed.notify_all()

    @contextlib.contextmanager
    def holding(self):
        """No report is applied while the block runs: its step, history and weights stay one consistent state."""
        with self._changed:
            yield self

    def wait(self, done: Callable[[RunMirror], bool], timeout: float) -> bool:
        """Wait until ``done(self)`` holds after a report (or an error); False if it did not within ``timeout``."""
        if done(self):
            return True
        deadline = time.monotonic() + timeout
        with self.service.while_waiting(), self._changed:
            while not done(self):
                if self.error is not None or self.lost:
                    return False
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.service.pump_while_waiting(self, left, self._changed)
        return True

    # ---- what pages read, as from a Trainer -----------------------------------------------------------------------

    @property
    def history(self):
        return self.records.frame

    @property
    def structure(self) -> SequenceModel:
        """The model's layers, names and shapes, for what a page says about it (its weights may be older than the
        run's): cheaper than :attr:`model` on a refresh."""
        if self._model is None:  # its starting values do not matter (a report's weights replace them): no seeding
            self._model = SequenceModel(self.config.model, self.task)
            self._model.eval()
        return self._model

    @property
    def model(self) -> SequenceModel:
        """The model with the weights last reported (built once, loaded again only when they changed)."""
        self.structure  # noqa: B018  (built on first use)
        if self.weights is not None and self._model_version != self.version:
            self._model.load_state_dict(unflat_weights(self.weights))
            self._model_version = self.version
        return self._model

    @property
    def run_id(self) -> int:
        return self.ids.run

    @property
    def worker(self) -> int:
        return self.ids.worker
