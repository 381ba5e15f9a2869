"""How the sessions of one server share its cores for training: few at a time, each a fair slice.

Every training session asks for a slice once per refresh. Without a rule, ten sessions each
training 0.4 s per second want four cores, pages queue behind them, and the sessions whose timers
happen to line up with a free core win every time. The rule here: at most ``slots`` sessions train
at the same moment (one torch thread each; the other cores draw pages), and a slice lasts the
running sessions' fair share of the slots' time, so everyone trains a little on every refresh.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class TrainingShare:
    """Server-wide training slots, and the length of a fair slice."""

    def __init__(self, slots: int, refresh_seconds: float, slice_seconds: float, utilisation: float = 0.8):
        self.slots, self.refresh_seconds, self.max_slice = slots, refresh_seconds, slice_seconds
        self.utilisation = utilisation  # the share of the slots' time given to training; the rest keeps them free to react
        self._semaphore = threading.BoundedSemaphore(slots)
        self._last_seen: dict[int, float] = {}
        self._lock = threading.Lock()

    def slice_seconds(self, session: int, every: float | None = None) -> float:
        """Note that ``session`` is training now; the length of its next slice given everyone training lately, when
        sessions refresh every ``every`` seconds (default: the configured refresh; more on a crowded server)."""
        every = every or self.refresh_seconds
        now = time.monotonic()
        with self._lock:
            self._last_seen[session] = now
            for key, seen in list(self._last_seen.items()):
                if now - seen > 3 * every:  # paused, or the browser tab is gone
                    del self._last_seen[key]
            active = len(self._last_seen)
        longest = self.max_slice * every / self.refresh_seconds
        return min(longest, self.slots * every * self.utilisation / active)

    def stopped(self, session: int) -> None:
        with self._lock:
            self._last_seen.pop(session, None)

    @property
    def active(self) -> int:
        with self._lock:
            return len(self._last_seen)

    @contextmanager
    def slot(self, timeout: float | None) -> Iterator[bool]:
        """Hold a training slot while the block runs; yields False (holding nothing) if none came free in time."""
        acquired = self._semaphore.acquire(timeout=timeout)
        try:
            yield acquired
        finally:
            if acquired:
                self._semaphore.release()
