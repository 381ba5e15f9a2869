"""Script runs take turns: one session's run draws at a time, and a click or a page change goes before the timers.

Every Streamlit session runs its script in a thread of its own, and all of them share the server's one interpreter
lock with the event loop that carries every websocket. With a class of 100 training at once, dozens of those threads
wanted the lock together; the event loop, which gives the lock up at every socket write and poll, then waited for it
again behind them, hundreds of times a second. Measured under 100 sessions (scripts/load.py), a 0.1 s timer on the
event loop ran up to 4 s late, and a page change took 1.7 s at the median and 6.6 s at p95 although each run needed
only 45 ms of CPU: the runs were done, their messages waited for the loop.

So runs queue here instead of at the interpreter lock: ``slots`` at a time (one: the GIL runs one thread anyway), the
others asleep, off the lock. The event loop then competes with one thread, not with a hundred. Runs a person asked for
(the first run, a click, a page change: ``urgent``) go before the timed refreshes waiting, each queue first come first
served, so a page change waits at most for the run that draws now and other people's clicks, never for the class's
timers.

A widget drawn inside a timed fragment (the replay slider, the units shown) reruns only that fragment when a person
moves it, and Streamlit does not tell such a run from the timer's. Its ``on_change`` callback, which Streamlit calls
in the run's thread before the fragment draws, is :meth:`Turns.asked`: the run's turn is then an urgent one.

A run that waits for a worker (a Pause, a Step, a snapshot) gives its turn up while it waits (:meth:`Turns.step_aside`)
and finishes without one, so that no run ever queues here while it holds a lock another run may need. A run waits for
its turn at most ``patience`` seconds, and then goes anyway: a run that hangs slows the others down, it never stops the
server.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

PATIENCE_SECONDS = 10.0


class Turns:
    """Server-wide: how many script runs may draw at once, and who waits for a turn, clicks first."""

    def __init__(self, slots: int = 1, patience: float = PATIENCE_SECONDS):
        self.slots, self.patience = slots, patience
        self._free = slots
        self._lock = threading.Lock()
        self._urgent: deque[threading.Event] = deque()
        self._timed: deque[threading.Event] = deque()
        self._mine = threading.local()  # this thread: turns entered (nested), and whether it holds a slot

    @contextmanager
    def turn(self, urgent: bool) -> Iterator[None]:
        """Run the block in this thread's turn; nested turns (a fragment drawn inside its page's run) share the outer."""
        depth = getattr(self._mine, "depth", 0)
        if depth == 0:
            urgent, self._mine.asked = urgent or getattr(self._mine, "asked", False), False
            self._mine.holding = self._take(urgent)
        self._mine.depth = depth + 1
        try:
            yield
        finally:
            self._mine.depth = depth
            if depth == 0 and self._mine.holding:
                self._mine.holding = False
                self._give_back()

    def asked(self) -> None:
        """A person acted in this thread's run (a widget's ``on_change``): its next turn is urgent, as a click's."""
        self._mine.asked = True

    @contextmanager
    def step_aside(self) -> Iterator[None]:
        """While this thread waits for something else, another run may draw; the rest of this run needs no turn."""
        if getattr(self._mine, "holding", False):
            self._mine.holding = False
            self._give_back()
        yield

    def _take(self, urgent: bool) -> bool:
        """Wait for a slot; False if ``patience`` ran out first (the run goes on without one)."""
        with self._lock:
            if self._free > 0 and not self._urgent and (urgent or not self._timed):
                self._free -= 1
                return True
            handed = threading.Event()
            (self._urgent if urgent else self._timed).append(handed)
        if handed.wait(self.patience):
            return True
        with self._lock:
            queue = self._urgent if urgent else self._timed
            if handed in queue:
                queue.remove(handed)
                return False
        return True  # handed a slot just as the patience ran out

    def _give_back(self) -> None:
        """The next waiter gets the slot (a click before a timer); with nobody waiting, it is free."""
        with self._lock:
            for queue in (self._urgent, self._timed):
                if queue:
                    queue.popleft().set()
                    return
            self._free += 1

    @property
    def waiting(self) -> int:
        """Runs waiting for a turn now."""
        with self._lock:
            return len(self._urgent) + len(self._timed)

    @property
    def idle(self) -> bool:
        """No run holds a turn or waits for one (between runs, every turn has been given back)."""
        with self._lock:
            return self._free == self.slots and not self._urgent and not self._timed
