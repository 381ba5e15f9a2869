"""The session's experiment, and the server-wide services every session shares (the session-state keys: ui/keys.py).

One :class:`Experiment` per browser session holds its run: a :class:`~rnn_core.runs.mirror.RunMirror` of a run that trains
in a worker process (``SERVICE``), which pages read as they would read a Trainer. Nothing here trains: the session
steers its run (start, pause, a number of steps) and reads what the worker last reported, so a page never waits for
training and a click never waits for a slice to end. ``lock`` guards the session's own lists (kept runs) against a
new script run that starts while the old one still draws.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from dataclasses import dataclass, field

import streamlit as st

from rnn_core.config import ExperimentConfig
from rnn_core.data.tasks import Task, make_task
from rnn_core.inspect.compare import MAX_KEPT_RUNS, RunSummary, summarise, unique_labels
from rnn_core.inspect.probes import ProbeSnapshot
from rnn_core.runs.mirror import RunMirror
from rnn_core.runs.service import TrainingService
from rnn_core.runs.sharing import SharedRuns
from ui import settings
from ui.keys import EXPERIMENT
from ui.pacing import Pacing
from ui.presets import PRESETS_BY_KEY
from ui.settings import SLICE_SECONDS
from ui.turns import Turns

FIRST_REPORT_SECONDS = 0.3  # after Train, how long the click waits for the first report, so that it shows at once
TURNS = Turns()  # script runs draw one at a time, clicks and page changes first (one per server process)
SERVICE = TrainingService(workers=settings.WORKERS, inline=settings.WORKERS == 0, while_waiting=TURNS.step_aside)  # one per server
SHARED = SharedRuns(SERVICE, enabled=settings.SHARE_RUNS)  # who follows which run (one per server process)
PACING = Pacing(settings.REFRESH_SECONDS)  # how often live views refresh, given how many sessions watch (one per server)


@dataclass
class Experiment:
    """What one session is training, and the runs it kept for comparison."""

    config: ExperimentConfig
    trainer: RunMirror  # the run on screen (named as pages read it: like a Trainer); possibly shared with others
    runs: list[RunSummary] = field(default_factory=list)  # finished runs kept for comparison, newest last
    preset: str | None = None  # the key of the preset this model came from, while the user has not changed it
    seen: int = 0  # the step the session's page last showed: where a Pause leaves a shared run
    lock: threading.Lock = field(default_factory=threading.Lock)
    session: int = field(default_factory=lambda: next(_SESSIONS))

    def __post_init__(self) -> None:
        SHARED.hold(self.session, self.trainer)
        self._shown = [self.trainer]  # what the finaliser lets go of: the run shown when the session ends
        weakref.finalize(self, _release, self.session, self._shown)

    @property
    def task(self) -> Task:
        return self.trainer.task

    @property
    def running(self) -> bool:
        """This session trains (its run may train on for others when it does not)."""
        return self.trainer.running and self.session in self.trainer.targets

    @property
    def stop_at(self) -> int | None:
        return SHARED.target(self.session, self.trainer)

    @property
    def steps_per_second(self) -> float:
        return self.trainer.steps_per_second

    @property
    def sharing(self) -> int:
        """How many runs take turns on this run's training core right now (1: it trains alone)."""
        return self.trainer.sharing

    @property
    def followers(self) -> int:
        """How many sessions show this run (1: it is this session's own)."""
        return SHARED.followers(self.trainer)

    def advance(self, seconds: float = SLICE_SECONDS, max_steps: int | None = None, only_while_running: bool = False, every=None) -> int:
        """``max_steps`` more steps now (the Step button), waiting for them, on a run of this session's own; otherwise
        let training go on for about ``seconds``, which only an in-process worker needs (a worker process trains on
        its own). Returns the steps the page will show that it had not shown."""
        before = self.trainer.step
        if max_steps is not None:
            room = settings.LIMITS.steps - self.trainer.step
            if room > 0 and self.trainer.diverged is None:
                self._show(SHARED.step(self.session, self.trainer, min(max_steps, room), self.seen))
        elif self.running or not only_while_running:
            SERVICE.pump(seconds)
        return self.trainer.step - before

    def settle(self) -> None:
        """On each refresh: a shared run that passed this session's own stopping step leaves it there, on its own run."""
        self._show(SHARED.settle(self.session, self.trainer))

    @property
    def at_stop(self) -> bool:
        return self.stop_at is not None and self.trainer.step >= self.stop_at

    @property
    def at_step_limit(self) -> bool:
        """The run has trained as many steps as this server allows in one run."""
        return self.trainer.step >= settings.LIMITS.steps

    def set_running(self, running: bool) -> None:
        """Start, or pause (waiting for the worker to confirm it, so that the page drawn next shows the model as
        training left it; a shared run goes on for the others, and this session on its own from the step it showed)."""
        self.train_to(None, running)

    def train_to(self, step: int | None, running: bool = True) -> None:
        """Start training that pauses by itself at ``step`` (None: until paused, or the server's step limit)."""
        trainer = self.trainer
        limit = settings.LIMITS.steps if step is None else min(step, settings.LIMITS.steps)
        if not running or trainer.diverged is not None or trainer.step >= limit:
            if self.running:
                self._show(SHARED.pause(self.session, trainer, self.seen))
            return
        self._show(SHARED.train(self.session, trainer, limit))
        shown = self.trainer  # this run, or the shared one it joined
        step = shown.step
        shown.wait(lambda m: m.step > step, FIRST_REPORT_SECONDS)  # else the page shows the old step until its next refresh

    def _show(self, trainer: RunMirror) -> None:
        """Go on showing ``trainer``: the same experiment, shared or left at a step (SHARED has moved the session)."""
        self.trainer = self._shown[0] = trainer

    def snapshot_now(self) -> ProbeSnapshot:
        """The model's insides at its current step, taken by its worker (the latest kept one if it did not answer)."""
        return SERVICE.snapshot_now(self.trainer) or self.trainer.snapshots.latest

    def keep_runs(self, runs: list[RunSummary]) -> None:
        """Add runs for comparison (under ``lock``); the oldest go once more than MAX_KEPT_RUNS are kept."""
        self.runs = unique_labels(self.runs + runs)[-MAX_KEPT_RUNS:]

    def summary(self, label: str | None = None) -> RunSummary:
        """The run as it is now, for comparison."""
        final = self.snapshot_now() if self.trainer.structure.recurrent else None
        return summarise(self.trainer, label, final=final)

    def fresh(self, config: ExperimentConfig, task: Task) -> RunMirror:
        """A new run of ``config`` from scratch, for this session (it may follow a shared one once trained)."""
        return SHARED.start(self.session, config, task)

    def rebuild(self, config: ExperimentConfig, task: Task) -> None:
        """Start over with a new configuration (the caller has made sure the user asked for it); a preset's story holds
        while its configuration does."""
        self.replace_trainer(self.fresh(config, task), preset=self.preset if config == self.config else None)

    def replace_trainer(self, trainer: RunMirror, preset: str | None = None) -> None:
        """Go on with another run (a new model, or one loaded from a checkpoint), paused.

        The run it replaces is finished for this session: when it trained at all, it is kept for comparison.
        """
        old = self.trainer
        if self.running:
            old = SHARED.pause(self.session, old, self.seen)
            self._show(old)
        with self.lock:
            if old.step > 0:
                label = f"{PRESETS_BY_KEY[self.preset].title}, {old.step:,} steps" if self.preset else None
                self.keep_runs([self.summary(label)])
            SHARED.hold(self.session, trainer)
            self.config, self.preset, self.seen = trainer.config, preset, trainer.step
            self._show(trainer)
        SHARED.release(self.session, old)


_SESSIONS = itertools.count(1)


def _release(session: int, shown: list[RunMirror]) -> None:
    """A session ended (Streamlit dropped its state): its run goes on only for others."""
    SHARED.release(session, shown[0])


def new_experiment(config: ExperimentConfig) -> Experiment:
    session = next(_SESSIONS)
    return Experiment(config, SHARED.start(session, config, make_task(config.task)), session=session)


def train_apart(config: ExperimentConfig, task: Task, steps: int, timeout: float = 120.0) -> RunMirror:
    """A lesson's own model (not the session's experiment), trained ``steps`` steps in the training processes like every
    model the app trains; returned once it is there (or stopped: a diverged run, a timeout). It lives while the caller
    keeps it."""
    run = SERVICE.start(config, task)
    SERVICE.go(run, running=True, stop_at=steps)
    run.wait(lambda r: r.step >= steps or not r.running, timeout)
    return run


def current_experiment() -> Experiment:
    """The session's experiment, created with the default configuration on first use."""
    if EXPERIMENT not in st.session_state:
        st.session_state[EXPERIMENT] = new_experiment(ExperimentConfig())
    return st.session_state[EXPERIMENT]
