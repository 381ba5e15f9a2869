"""A page's live area: redrawn on the session's one timer while it trains, drawn once otherwise.

The same timer trains the session's next slice and redraws the sidebar's progress (ui/training.py), so a live page
costs the server one timed rerun per refresh. A page that has nothing live to show ends with :func:`stop_page`, which
keeps the sidebar's progress ticking, rather than with ``st.stop()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st

from ui.keys import LIVE_THIS_RUN
from ui.state import TURNS, Experiment, current_experiment
from ui.training import refresh, refresh_interval, refreshed, sidebar_ticker


def live_view(draw: Callable[[Experiment], None]) -> None:
    """Run ``draw(experiment)`` in the fragment that is this session's timer while it trains."""
    every = refresh_interval(current_experiment())
    st.session_state[LIVE_THIS_RUN] = True

    @st.fragment(run_every=every)
    def view() -> None:
        with TURNS.turn(urgent=False):  # drawn inside its page's run, this is that run's turn
            start, live = time.thread_time(), current_experiment()
            refresh(live, every)
            draw(live)
            refreshed(live, every, time.thread_time() - start)

    view()


def stop_page() -> None:
    """End the page here (as ``st.stop()``), with the sidebar's timer still running."""
    sidebar_ticker()
    st.stop()
