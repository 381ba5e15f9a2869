"""How often live views redraw: the configured refresh while the server has time, stretched when many sessions watch.

Every live session reruns one fragment per refresh, and those reruns share the server's one interpreter lock with
page switches, clicks and the websockets. A class that opens the app at once would, at a fixed refresh, queue so
many timed reruns that a click waits seconds. So the server measures two things: what one refresh costs (CPU time of
the fragment's run), and how busy the server process is with everything else. Refreshes get what remains of a
``target`` share of one core (at least ``floor``), and the interval stretches until all live sessions' refreshes fit
in it: e.g. 100 sessions at 10 ms a refresh, with page switches taking 0.3 of a core, refresh every 2 s, not every
second. A session's interval is fixed when its page is drawn (Streamlit's ``run_every``);
:meth:`Pacing.should_redraw_at` says when the load has moved far enough that a page should draw itself again.
"""

from __future__ import annotations

import math
import threading
import time

WINDOW_SECONDS = 2.0  # how often the server's own load is measured


class Pacing:
    """Server-wide: who refreshes, what a refresh costs, and the interval that keeps the server within ``target``."""

    def __init__(self, base_seconds: float, target_cores: float = 0.75, floor_cores: float = 0.15, max_seconds: float = 10.0):
        self.base, self.target, self.floor, self.max = base_seconds, target_cores, floor_cores, max_seconds
        self._cost = 0.01  # CPU seconds per refresh, a running average; a first guess until measured
        self._seen: dict[int, float] = {}  # session -> when it last refreshed
        self._others = 0.0  # cores the server spent on everything but refreshes, in the last window
        self._window = (time.monotonic(), time.process_time(), 0.0)  # start, process CPU then, refresh CPU since
        self._lock = threading.Lock()

    def refreshed(self, session: int, cpu_seconds: float, every: float | None = None) -> None:
        """A refresh of ``session``, which refreshes every ``every`` seconds, took ``cpu_seconds`` of the server's CPU."""
        now = time.monotonic()
        with self._lock:
            self._seen[session] = (now, every or self.base)
            self._cost += 0.1 * (cpu_seconds - self._cost)
            started, cpu_then, refreshing = self._window
            refreshing += cpu_seconds
            if now - started >= WINDOW_SECONDS:
                busy = (time.process_time() - cpu_then) / (now - started)
                others = max(0.0, busy - refreshing / (now - started))
                self._others += 0.3 * (others - self._others)  # smoothed: one busy window must not swing every page
                self._window = (now, time.process_time(), 0.0)
            else:
                self._window = (started, cpu_then, refreshing)
            for key in [k for k, (seen, interval) in self._seen.items() if now - seen > 3 * interval + 1]:
                del self._seen[key]  # three of its refreshes missed: the tab is closed, or training paused

    def stopped(self, session: int) -> None:
        with self._lock:
            self._seen.pop(session, None)

    @property
    def live_sessions(self) -> int:
        with self._lock:
            return len(self._seen)

    def interval(self) -> float:
        """Seconds between refreshes for a session drawn now: the base, or more when the live sessions would exceed
        what the server has left for them; in half-second steps, so that small changes in load redraw no page."""
        with self._lock:
            return self._interval()

    def _interval(self) -> float:
        budget = max(self.floor, self.target - self._others)
        needed = len(self._seen) * self._cost / budget
        return min(self.max, max(self.base, math.ceil(needed * 2) / 2))

    def should_redraw_at(self, current: float) -> bool:
        """Whether a page refreshing every ``current`` seconds is far enough from today's pace (half or double) to
        draw itself again with the new interval."""
        wanted = self.interval()
        return wanted >= 2 * current or (wanted <= current / 2 and current > self.base)
