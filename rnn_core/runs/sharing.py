"""A class that runs the same experiment trains it once: who follows which run, and when a student leaves it.

Training is deterministic for a configuration, seed and data, however it is sliced (tests/test_training.py). So the
run of a configuration at step k is one and the same for every session that trains it from scratch, and sessions can
share one computation: when a student presses Train on a fresh model and the same experiment already trains for
someone else, the student follows that run (their page jumps to its step) instead of starting a second one. A
hundred students who open the lecturer's link and press Train then cost the server one run, and each sees it move at
the speed one run gets.

A student who then does anything of their own goes on from exactly where they were, on a run of their own, with
nothing on their page changing: Pause, Step, or reaching their own stopping step (a preset's, a link's) while others
train on, each forks the shared run at the step their page last showed (the worker keeps exact copies of a shared
run at the steps it reports). A run that others hold is never trained on by one of them alone: pressing Train on it
forks it first.

Sessions are plain integers (the app uses its Experiment's id). Each mirror's ``holders`` are the sessions that show
it, and its ``targets`` the sessions that train it, each with the step they want to stop at.
"""

from __future__ import annotations

import collections
import hashlib
import threading

import numpy as np

from rnn_core.config import ExperimentConfig
from rnn_core.data.tasks import Task
from rnn_core.runs.mirror import RunMirror
from rnn_core.runs.service import TrainingService

FRESH_KEPT = 8  # experiments whose untrained run is kept for the sessions that open them next


def run_key(config: ExperimentConfig, task: Task) -> tuple:
    """What makes two runs from scratch the same run: the configuration and the data (the user's own, by digest)."""
    data = task.user_data()
    digest = hashlib.sha256()
    if "user_text" in data:
        digest.update(data["user_text"].encode("utf-8", "surrogatepass"))
    if "user_series" in data:
        digest.update(np.ascontiguousarray(data["user_series"], dtype=np.float64).tobytes())
        digest.update(str(data["column"]).encode())
    return config, digest.hexdigest()


class SharedRuns:
    """The server's shared runs, on top of a :class:`TrainingService`. ``enabled=False`` gives every session its own."""

    def __init__(self, service: TrainingService, enabled: bool = True):
        self.service, self.enabled = service, enabled
        self._joinable: dict[tuple, RunMirror] = {}  # run key -> the run that trains for others now
        self._fresh: collections.OrderedDict[tuple, RunMirror] = collections.OrderedDict()  # key -> its untrained run
        self._starting: dict[tuple, threading.Lock] = {}  # key -> held while its first fresh run is being built
        self._lock = threading.RLock()

    # ---- who shows what -------------------------------------------------------------------------------------------

    def start(self, session: int, config: ExperimentConfig, task: Task) -> RunMirror:
        """A fresh run for ``session``, paused at step 0 (it may join a shared run when trained).

        Every fresh run of one experiment is the same, so a class that opens one link shares one untrained run too,
        kept for the next arrival (the last FRESH_KEPT experiments' are): nobody trains it, a session that trains
        forks it, so a hundred arrivals cost the training process one model, not a hundred. Arrivals with other
        experiments never wait for it: only the sessions of one experiment wait for its first run to be built.
        """
        key = run_key(config, task)
        with self._lock:
            starting = self._starting.setdefault(key, threading.Lock())
        with starting:
            with self._lock:
                fresh = self._fresh.get(key) if self.enabled else None
                if fresh is not None and not (fresh.step != 0 or fresh.targets or fresh.error is not None or fresh.lost):
                    fresh.holders.add(session)
                    return fresh
            fresh = self.service.start(config, task)
            fresh.key = key
            with self._lock:
                if self.enabled:
                    self._fresh[key] = fresh
                    while len(self._fresh) > FRESH_KEPT:
                        self._fresh.popitem(last=False)
                fresh.holders.add(session)
            return fresh

    def hold(self, session: int, mirror: RunMirror) -> None:
        with self._lock:
            mirror.holders.add(session)

    def release(self, session: int, mirror: RunMirror) -> None:
        """``session`` no longer shows ``mirror`` (a new model, or the session ended): the run goes on for the others,
        and stops when nobody trains it any more."""
        with self._lock:
            mirror.holders.discard(session)
            trained = mirror.targets.pop(session, None) is not None
        if trained:
            self._steer(mirror, wait=False)  # nobody waits to see this pause (a session may be ending)

    def followers(self, mirror: RunMirror) -> int:
        """How many sessions show this run (1: it is the session's own)."""
        return max(1, len(mirror.holders))

    def target(self, session: int, mirror: RunMirror) -> int | None:
        """The step at which ``session``'s training of this run stops (None if it does not train it)."""
        return mirror.targets.get(session)

    # ---- what a session does ------------------------------------------------------------------------------------
    # Decisions are taken under the lock; waiting for a worker (a fork to be built, a pause to be confirmed) is not.

    def train(self, session: int, mirror: RunMirror, stop_at: int) -> RunMirror:
        """Train until ``stop_at``. A fresh model follows the run of the same experiment that trains for others, if
        there is one; a model others show is forked first. Returns the run the session now shows."""
        with self._lock:
            joinable = self._joinable.get(mirror.key) if self.enabled and mirror.key is not None else None
            if joinable is not None and not (joinable.running and joinable.error is None and not joinable.lost):
                joinable = None
            fork = False
            if joinable is not None and joinable is not mirror and mirror.step == 0 and joinable.step < stop_at:
                self._move(session, mirror, joinable)
                mirror = joinable
            else:  # a run others show, or the untrained run kept for arrivals: the session goes on on a copy
                fork = (len(mirror.holders - {session}) > 0 and session not in mirror.targets) or self._fresh.get(mirror.key) is mirror
            if not fork:
                self._train(session, mirror, stop_at)
        if fork:
            mirror = self._fork(session, mirror, mirror.step)
            with self._lock:
                self._train(session, mirror, stop_at)
        self._steer(mirror)
        return mirror

    def pause(self, session: int, mirror: RunMirror, seen: int) -> RunMirror:
        """Stop training: a run others train on goes on for them, and the session forks it at ``seen``, the step its
        page last showed. Returns the run the session now shows (paused)."""
        with self._lock:
            mirror.targets.pop(session, None)
            others = bool(mirror.targets)
        if others:
            return self._fork(session, mirror, min(seen, mirror.step))
        self._steer(mirror)
        return mirror

    def step(self, session: int, mirror: RunMirror, steps: int, seen: int) -> RunMirror:
        """``steps`` more steps now, on a run of the session's own (forked at ``seen`` if others show this one)."""
        with self._lock:
            mirror.targets.pop(session, None)
            others = len(mirror.holders - {session}) > 0 or self._fresh.get(mirror.key) is mirror
        if others:
            mirror = self._fork(session, mirror, min(seen, mirror.step))
        else:
            self._steer(mirror)
        self.service.go(mirror, running=False, steps=steps)
        return mirror

    def settle(self, session: int, mirror: RunMirror) -> RunMirror:
        """On each refresh: a session whose own stopping step the shared run has passed leaves it there, on a fork at
        exactly that step (the run reported there for it). Returns the run the session now shows."""
        with self._lock:
            target = mirror.targets.get(session)
            if target is None or mirror.step < target:
                return mirror
            del mirror.targets[session]
            trains_on = mirror.step > target or any(t > target for t in mirror.targets.values())
        if trains_on:  # others train on: this session goes on from its own step, paused
            return self._fork(session, mirror, target)
        # Nobody trains past this step (a class that trained to the same limit): they all stop here, on the same run,
        # which nothing changes any more; whoever trains on first forks it then (train). A hundred forks at once
        # were a hundred copies of the run for nothing, and page switches waited seconds for them.
        self._steer(mirror)
        return mirror

    # ---- machinery ----------------------------------------------------------------------------------------------

    def _train(self, session: int, mirror: RunMirror, stop_at: int) -> None:
        """(Under the lock.) ``session`` trains ``mirror`` to ``stop_at``, and others may join it."""
        mirror.targets[session] = stop_at
        if self.enabled and mirror.key is not None:
            self._joinable[mirror.key] = mirror

    def _move(self, session: int, old: RunMirror, new: RunMirror) -> None:
        """(Under the lock.)"""
        old.holders.discard(session)
        old.targets.pop(session, None)
        new.holders.add(session)

    def _fork(self, session: int, mirror: RunMirror, step: int) -> RunMirror:
        """The session leaves ``mirror`` for an exact copy of it at ``step``, paused."""
        twin = self.service.start(mirror.config, mirror.task, fork=(mirror, step))
        twin.key = mirror.key  # the same run, so far: others may still follow it from here
        with self._lock:
            self._move(session, mirror, twin)
        self._steer(mirror)
        return twin

    def _steer(self, mirror: RunMirror, wait: bool = True) -> None:
        """Tell the worker what this run's sessions want: train to the furthest target, report at each one, keep
        copies to fork from while more than one session shows it."""
        with self._lock:
            targets = sorted(set(mirror.targets.values()))
            keep = len(mirror.holders) > 1 or len(mirror.targets) > 1
            if not targets and self._joinable.get(mirror.key) is mirror:
                del self._joinable[mirror.key]
        if targets:
            self.service.go(mirror, running=True, stop_at=targets[-1], marks=targets, keep=keep)
        elif mirror.running:
            self.service.go(mirror, running=False, wait=wait)
