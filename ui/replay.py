"""Choosing which moment of training a view shows: now, or any kept snapshot."""

from __future__ import annotations

import streamlit as st

from rnn_core.inspect.probes import ProbeSnapshot
from ui.state import TURNS, Experiment

NOW = "now"


def replay_snapshot(exp: Experiment, key: str) -> ProbeSnapshot:
    """A slider over the kept snapshots' steps and "now"; returns the chosen snapshot."""
    steps = [s for s in exp.trainer.snapshots.steps if s != exp.trainer.step]
    if steps:
        choice = st.select_slider(
            "Training step shown",
            steps + [NOW],
            value=NOW,
            key=key,
            persist_state="page",
            on_change=TURNS.asked,  # drawn in the live fragment: moving it is a person's run, not the timer's
            format_func=lambda s: f"now (step {exp.trainer.step:,})" if s == NOW else f"step {s:,}",
            help="Replay how the insides changed: snapshots are kept every few steps, thinned as training goes on.",
        )
        if choice != NOW:
            return exp.trainer.snapshots.nearest(choice)
    return exp.snapshot_now()
