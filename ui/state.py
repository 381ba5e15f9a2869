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

from rnn_core.compare import MAX_KEPT_RUNS, RunSummary, summarise, unique_labels
from rnn_core.config import ExperimentConfig
from rnn_core.presets import PRESETS_BY_KEY
from rnn_core.probes import ProbeSnapshot, take_snapshot
from rnn_core.tasks import Task, make_task
from rnn_core.training import Trainer
from ui import settings
from ui.pacing import Pacing
from ui.settings import SLICE_SECONDS
from ui.sharing import TrainingShare

EXPERIMENT = "experiment"  # the Experiment object
PROGRESS_BOX = "progress_box"  # the sidebar container the session's timer redraws the progress in (this run's)
LIVE_THIS_RUN = "live_this_run"  # whether this run's page drew a live view (its timer then refreshes the sidebar too)
CONFIG_WIDGET_PREFIX = "cfg__"  # sidebar widgets: cfg__<section>__<field>
FIRST_SLICE_SECONDS = 0.1  # the slice right after Train is short, so the first live update comes at once
SHARE = TrainingShare(settings.TRAINING_SLOTS, settings.REFRESH_SECONDS, SLICE_SECONDS)  # one per server process
PACING = Pacing(settings.REFRESH_SECONDS)  # how often live views refresh, given how many sessions watch (one per server)


@dataclass
class Experiment:
    """What one session is training. Everything here is plain Python: safe to use under ``lock`` only."""

    config: ExperimentConfig
    trainer: Trainer
    running: bool = False
    steps_per_second: float = 0.0
    live_snapshot: ProbeSnapshot | None = None  # the current model's insides, taken when a page asks for "now"
    runs: list[RunSummary] = field(default_factory=list)  # finished runs kept for comparison, newest last
    just_started: bool = False  # Train was pressed and no slice has run since
    waiting: bool = False  # the last refresh found every training slot busy (a crowded server) and did not train
    stop_at: int | None = None  # training pauses by itself at this step (a preset's story, a shared link's step count)
    preset: str | None = None  # the key of the preset this model came from, while the user has not changed it
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def task(self) -> Task:
        return self.trainer.task

    def advance(
        self, seconds: float = SLICE_SECONDS, max_steps: int | None = None, only_while_running: bool = False, every: float | None = None
    ) -> int:
        """Train for about ``seconds`` (or ``max_steps``) under the lock; returns the steps done.

        ``only_while_running`` is for the timer: a Pause that arrived while this call waited for the lock wins.
        ``every`` is how often the timer comes (the fair slice is a share of that time).
        """
        timed, every = max_steps is None, every or settings.REFRESH_SECONDS
        if timed:
            seconds = min(seconds * every / settings.REFRESH_SECONDS, SHARE.slice_seconds(id(self), every))
        with SHARE.slot(timeout=every if timed else None) as acquired:
            self.waiting = not acquired
            return self._advance(seconds, max_steps, only_while_running) if acquired else 0

    def _advance(self, seconds: float, max_steps: int | None, only_while_running: bool) -> int:
        with self.lock:
            if only_while_running and not self.running:
                return 0
            if self.just_started:
                seconds, self.just_started = min(seconds, FIRST_SLICE_SECONDS), False
            trainer, done, start, timed = self.trainer, 0, time.perf_counter(), max_steps is None
            room = min(settings.LIMITS.steps, self.stop_at or settings.LIMITS.steps) - trainer.step
            max_steps = room if timed else min(max_steps, room)
            while trainer.diverged is None and done < max_steps:
                done += trainer.run(1)
                if timed and time.perf_counter() - start >= seconds:
                    break
            elapsed = time.perf_counter() - start
            if done and elapsed > 0:
                self.steps_per_second = done / elapsed
            if trainer.diverged is not None or self.at_step_limit or self.at_stop:
                self.running, self.stop_at = False, None
            return done

    @property
    def at_stop(self) -> bool:
        return self.stop_at is not None and self.trainer.step >= self.stop_at

    @property
    def at_step_limit(self) -> bool:
        """The run has trained as many steps as this server allows in one run."""
        return self.trainer.step >= settings.LIMITS.steps

    def set_running(self, running: bool) -> None:
        """Start or pause. Waits for a slice in progress (a rerun can start while the old one still trains),
        so that what the page shows next is the model as training left it."""
        self.train_to(None, running)

    def train_to(self, step: int | None, running: bool = True) -> None:
        """Start training that pauses by itself at ``step`` (None: until paused)."""
        with self.lock:
            self.stop_at = step if step is not None and step > self.trainer.step else None
            self.running = running and self.trainer.diverged is None and not self.at_step_limit
            if step is not None and self.stop_at is None:
                self.running = False  # already there
            self.just_started = self.running
        if not self.running:
            SHARE.stopped(id(self))

    def snapshot_now(self) -> ProbeSnapshot:
        """A snapshot of the model as it is at this step (taken once per step, under the lock)."""
        with self.lock:
            trainer = self.trainer
            if self.live_snapshot is None or self.live_snapshot.step != trainer.step:
                self.live_snapshot = take_snapshot(trainer.model, trainer.task, trainer.probe, trainer.step)
            return self.live_snapshot

    def keep_runs(self, runs: list[RunSummary]) -> None:
        """Add runs for comparison (under ``lock``); the oldest go once more than MAX_KEPT_RUNS are kept."""
        self.runs = unique_labels(self.runs + runs)[-MAX_KEPT_RUNS:]

    def rebuild(self, config: ExperimentConfig, task: Task) -> None:
        """Start over with a new configuration (the caller has made sure the user asked for it); a preset's story holds
        while its configuration does."""
        self.replace_trainer(Trainer(config, task), preset=self.preset if config == self.config else None)

    def replace_trainer(self, trainer: Trainer, preset: str | None = None) -> None:
        """Go on with another trainer (a new model, or one loaded from a checkpoint), paused.

        The run it replaces is finished: when it trained at all, it is kept for comparison.
        """
        with self.lock:
            if self.trainer.step > 0:
                label = f"{PRESETS_BY_KEY[self.preset].title}, {self.trainer.step:,} steps" if self.preset else None
                self.keep_runs([summarise(self.trainer, label)])
            self.config, self.trainer, self.running, self.steps_per_second = trainer.config, trainer, False, 0.0
            self.live_snapshot, self.stop_at, self.preset = None, None, preset


def new_experiment(config: ExperimentConfig) -> Experiment:
    return Experiment(config, Trainer(config, make_task(config.task)))


def current_experiment() -> Experiment:
    """The session's experiment, created with the default configuration on first use."""
    if EXPERIMENT not in st.session_state:
        st.session_state[EXPERIMENT] = new_experiment(ExperimentConfig())
    return st.session_state[EXPERIMENT]
