"""Train / Pause / Step / Reset, and the loop that trains while a page is open.

The loop is a fragment drawn by ``app.py`` in the sidebar, so it runs on every page:
switching pages never stops training. Each tick trains for a short slice on plain
objects under the experiment's lock, then shows the progress.
"""

from __future__ import annotations

import math

import streamlit as st

from rnn_core.tasks import make_task
from ui.settings import REFRESH_SECONDS
from ui.state import Experiment, current_experiment

STEP_SLICE = 10  # steps per press of "Step"


def start(exp: Experiment) -> None:
    exp.set_running(True)


def pause(exp: Experiment) -> None:
    exp.set_running(False)


def step(exp: Experiment) -> None:
    exp.set_running(False)
    exp.advance(max_steps=STEP_SLICE)


def reset(exp: Experiment) -> None:
    """The same configuration from scratch: a fresh model, history and snapshots."""
    exp.rebuild(exp.config, make_task(exp.config.task, **_user_data(exp)))


def _user_data(exp: Experiment) -> dict:
    task = exp.task  # reuse the data the current task was built from
    if exp.config.task.name == "characters" and exp.config.task.text_source == "custom":
        return {"user_text": task.text}
    if exp.config.task.name == "series":
        return {"user_series": task.raw, "column": task.column}
    return {}


def controls(exp: Experiment) -> None:
    """The buttons, drawn outside any fragment: a click reruns the whole app, so every page's refresh follows."""
    cols = st.columns(3)
    if exp.running:
        cols[0].button("Pause", on_click=pause, args=(exp,), key="pause", type="primary", width="stretch")
    else:
        cols[0].button(
            "Train", on_click=start, args=(exp,), key="train", type="primary", width="stretch", disabled=exp.trainer.diverged is not None
        )
    cols[1].button("Step", on_click=step, args=(exp,), key="step", width="stretch", help=f"Train {STEP_SLICE} steps, then pause.")
    cols[2].button("Reset", on_click=reset, args=(exp,), key="reset", width="stretch", help="Start again from fresh weights.")


def progress(exp: Experiment) -> None:
    trainer = exp.trainer
    history = trainer.history
    loss = history.loss.iloc[-1] if len(history) else math.nan
    left, right = st.columns([2, 3])  # the loss needs the room: 0.00123
    left.metric("Step", f"{trainer.step:,}")
    right.metric("Loss", "–" if math.isnan(loss) else f"{loss:.3g}")
    if exp.running:
        st.caption(f"training · {exp.steps_per_second:,.0f} steps/s")
    else:
        st.caption("stopped: the run diverged" if trainer.diverged else "paused")


def training_panel() -> None:
    """Controls, then a fragment that trains one slice per tick while running and shows the progress."""
    exp = current_experiment()
    controls(exp)
    every = REFRESH_SECONDS if exp.running else None

    @st.fragment(run_every=every)
    def ticker() -> None:
        live = current_experiment()  # a plain reference first; the slice runs on plain objects under its lock
        if live.running:
            live.advance(only_while_running=True)
        progress(live)
        if every and not live.running:
            st.rerun()  # the run diverged during this slice: redraw everything, without the timers

    ticker()
