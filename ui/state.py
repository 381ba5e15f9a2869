"""The session's experiment, and every session-state key the app uses, in one place.

One :class:`Experiment` per browser session holds the trainer (model, optimiser,
history, snapshots) and a lock. Training code takes a plain reference to it first and
then works on plain objects under the lock: a read of ``st.session_state`` can stop the
script mid-step, and a new run can start while the old one still trains.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import streamlit as st

from rnn_core.compare import MAX_KEPT_RUNS, RunSummary
from rnn_core.config import ExperimentConfig
from rnn_core.probes import ProbeSnapshot, take_snapshot
from rnn_core.tasks import Task, make_task
from rnn_core.training import Trainer
from ui.settings import SLICE_SECONDS

EXPERIMENT = "experiment"  # the Experiment object
CONFIG_WIDGET_PREFIX = "cfg__"  # sidebar widgets: cfg__<section>__<field>


@dataclass
class Experiment:
    """What one session is training. Everything here is plain Python: safe to use under ``lock`` only."""

    config: ExperimentConfig
    trainer: Trainer
    running: bool = False
    steps_per_second: float = 0.0
    live_snapshot: ProbeSnapshot | None = None  # the current model's insides, taken when a page asks for "now"
    runs: list[RunSummary] = field(default_factory=list)  # finished runs kept for comparison, newest last
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def task(self) -> Task:
        return self.trainer.task

    def advance(self, seconds: float = SLICE_SECONDS, max_steps: int | None = None, only_while_running: bool = False) -> int:
        """Train for about ``seconds`` (or ``max_steps``) under the lock; returns the steps done.

        ``only_while_running`` is for the timer: a Pause that arrived while this call waited for the lock wins.
        """
        with self.lock:
            if only_while_running and not self.running:
                return 0
            trainer, done, start = self.trainer, 0, time.perf_counter()
            while trainer.diverged is None and (max_steps is None or done < max_steps):
                done += trainer.run(1)
                if max_steps is None and time.perf_counter() - start >= seconds:
                    break
            elapsed = time.perf_counter() - start
            if done and elapsed > 0:
                self.steps_per_second = done / elapsed
            if trainer.diverged is not None:
                self.running = False
            return done

    def set_running(self, running: bool) -> None:
        """Start or pause. Waits for a slice in progress (a rerun can start while the old one still trains),
        so that what the page shows next is the model as training left it."""
        with self.lock:
            self.running = running and self.trainer.diverged is None

    def snapshot_now(self) -> ProbeSnapshot:
        """A snapshot of the model as it is at this step (taken once per step, under the lock)."""
        with self.lock:
            trainer = self.trainer
            if self.live_snapshot is None or self.live_snapshot.step != trainer.step:
                self.live_snapshot = take_snapshot(trainer.model, trainer.task, trainer.probe, trainer.step)
            return self.live_snapshot

    def keep_runs(self, runs: list[RunSummary]) -> None:
        """Add runs for comparison; the oldest go once more than MAX_KEPT_RUNS are kept."""
        self.runs = (self.runs + runs)[-MAX_KEPT_RUNS:]

    def rebuild(self, config: ExperimentConfig, task: Task) -> None:
        """Start over with a new configuration (the caller has made sure the user asked for it)."""
        trainer = Trainer(config, task)
        with self.lock:
            self.config, self.trainer, self.running, self.steps_per_second = config, trainer, False, 0.0
            self.live_snapshot = None


def new_experiment(config: ExperimentConfig) -> Experiment:
    return Experiment(config, Trainer(config, make_task(config.task)))


def current_experiment() -> Experiment:
    """The session's experiment, created with the default configuration on first use."""
    if EXPERIMENT not in st.session_state:
        st.session_state[EXPERIMENT] = new_experiment(ExperimentConfig())
    return st.session_state[EXPERIMENT]
