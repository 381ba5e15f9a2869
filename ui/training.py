"""Train / Pause / Step / Reset, and the loop that trains while a page is open.

The loop is a fragment drawn by ``app.py`` in the sidebar, so it runs on every page:
switching pages never stops training. Each tick trains for a short slice on plain
objects under the experiment's lock, then shows the progress.
"""

from __future__ import annotations

import math

import streamlit as st

from rnn_core.tasks import make_task
from ui import settings
from ui.settings import REFRESH_SECONDS, raise_hint
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
    exp.rebuild(exp.config, make_task(exp.config.task, **exp.task.user_data()))  # on the data the current task was built on


def controls(exp: Experiment) -> None:
    """The buttons, drawn outside any fragment: a click reruns the whole app, so every page's refresh follows.

    Train and Pause are two buttons that are always drawn, one of them disabled, rather than one button that
    swaps: a button a newer run no longer draws loses the click that was on its way to it. Each press also
    means what its label says (start, or stop), so a press that lands late or twice does no harm.
    """
    stopped = exp.trainer.diverged is not None or exp.at_step_limit
    top, bottom = st.columns(2), st.columns(2)
    running = "primary" if exp.running else "secondary"
    paused = "secondary" if exp.running else "primary"
    top[0].button("Train", on_click=start, args=(exp,), key="train", type=paused, width="stretch", disabled=exp.running or stopped)
    top[1].button("Pause", on_click=pause, args=(exp,), key="pause", type=running, width="stretch", disabled=not exp.running)
    bottom[0].button(
        "Step", on_click=step, args=(exp,), key="step", width="stretch", help=f"Train {STEP_SLICE} steps, then pause.", disabled=stopped
    )
    bottom[1].button("Reset", on_click=reset, args=(exp,), key="reset", width="stretch", help="Start again from fresh weights.")


def progress(exp: Experiment) -> None:
    trainer = exp.trainer
    history = trainer.history
    loss = history.loss.iloc[-1] if len(history) else math.nan
    left, right = st.columns([2, 3])  # the loss needs the room: 0.00123
    left.metric("Step", f"{trainer.step:,}")
    right.metric("Loss", "–" if math.isnan(loss) else f"{loss:.3g}")
    if exp.running and exp.waiting:
        st.caption("training · waiting for a turn: the server is busy")
    elif exp.running:
        st.caption(f"training · {exp.steps_per_second:,.0f} steps/s")
    elif trainer.diverged:
        st.caption("stopped: the run diverged")
    elif exp.at_step_limit:
        st.caption(
            f"stopped: {settings.LIMITS.steps:,} steps is this server's limit for one run. Reset to start again. {raise_hint('steps')}"
        )
    else:
        st.caption("paused")


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
