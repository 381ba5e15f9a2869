"""A page's live area: redrawn on a timer while the session trains, drawn once otherwise."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ui.settings import REFRESH_SECONDS
from ui.state import Experiment, current_experiment


def live_view(draw: Callable[[Experiment], None]) -> None:
    """Run ``draw(experiment)`` in a fragment that refreshes while training runs."""
    every = REFRESH_SECONDS if current_experiment().running else None

    @st.fragment(run_every=every)
    def view() -> None:
        draw(current_experiment())

    view()
