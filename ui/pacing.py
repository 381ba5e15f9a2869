"""How often live views redraw: the configured refresh while the server has time, stretched when many sessions watch.

Every live session reruns one fragment per refresh, and those reruns share the server's one interpreter lock with
page switches and clicks. A class that opens the app at once would, at a fixed refresh, queue so many timed reruns
that a click waits many seconds. So the server measures what a refresh costs (the script's own time, not the training
slice, which runs beside it) and stretches the interval until all live sessions' refreshes take about ``budget`` of one
core: 100 sessions at 20 ms a refresh and a budget of 0.5 refresh every 4 s, not every second. A session's interval is
fixed when its page is drawn (Streamlit's ``run_every``); :meth:`Pacing.should_redraw_at` says when the load has moved
far enough that the page should draw itself again at the new pace.
"""

from __future__ import annotations

import math
import threading
import time


class Pacing:
    """Server-wide: who refreshes, what a refresh costs, and the interval that keeps their total within budget."""

    def __init__(self, base_seconds: float, budget_cores: float = 0.5, max_seconds: float = 10.0):
        self.base, self.budget, self.max = base_seconds, budget_cores, max_seconds
        self._cost = 0.02  # seconds of script time per refresh, a running average; a first guess until measured
        self._seen: dict[int, float] = {}  # session -> when it last refreshed
        self._lock = threading.Lock()

    def refreshed(self, session: int, seconds: float) -> None:
        """A refresh of ``session`` took ``seconds`` of script time."""
        now = time.monotonic()
        with self._lock:
            self._seen[session] = now
            self._cost += 0.1 * (seconds - self._cost)
            stale = now - 3 * self._interval()  # three refreshes missed: the tab is closed, or training paused
            for key in [k for k, seen in self._seen.items() if seen < stale]:
                del self._seen[key]

    def stopped(self, session: int) -> None:
        with self._lock:
            self._seen.pop(session, None)

    @property
    def live_sessions(self) -> int:
        with self._lock:
            return len(self._seen)

    def interval(self) -> float:
        """Seconds between refreshes for a session drawn now: the base, or more when the live sessions would exceed the
        budget; in half-second steps, so that small changes in load do not redraw every page."""
        with self._lock:
            return self._interval()

    def _interval(self) -> float:
        needed = len(self._seen) * self._cost / self.budget
        return min(self.max, max(self.base, math.ceil(needed * 2) / 2))

    def should_redraw_at(self, current: float) -> bool:
        """Whether a page refreshing every ``current`` seconds is far enough from today's pace (half or double) to
        draw itself again with the new interval."""
        wanted = self.interval()
        return wanted >= 2 * current or (wanted <= current / 2 and current > self.base)
