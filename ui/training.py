"""Train / Pause / Step / Reset, and the refresh that trains a slice and shows the progress while a page is open.

Each session has one timer (a fragment's ``run_every``): the page's live view (ui/live.py), or on a page without one
the sidebar's ticker. Every tick of it calls :func:`refresh`, which trains a short slice on plain objects under the
experiment's lock and redraws the sidebar's progress, so switching pages never stops training. One timer, not two:
each timed rerun costs the server's one interpreter, and a class of sessions ticking twice a second queued the
clicks behind them.
"""

from __future__ import annotations

import math
import time

import streamlit as st

from rnn_core.data.tasks import make_task
from rnn_core.runs.worker import QUANTUM_SECONDS
from ui import settings
from ui.keys import LIVE_THIS_RUN, PROGRESS_BOX
from ui.settings import raise_hint
from ui.state import PACING, TURNS, Experiment, current_experiment

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
    """The sidebar's step, loss and what training is doing; the step shown is where a Pause leaves a shared run."""
    trainer = exp.trainer
    exp.seen = trainer.step
    records = trainer.records  # the numeric table, not a DataFrame: this runs on every refresh
    loss = float(records.column("loss")[-1]) if len(records) else math.nan
    left, right = st.columns([2, 3])  # the loss needs the room: 0.00123
    left.metric("Step", f"{trainer.step:,}")
    right.metric("Loss", "–" if math.isnan(loss) else f"{loss:.3g}")
    if exp.running and exp.followers > 1:
        others = exp.followers - 1
        st.caption(
            f"training · {exp.steps_per_second / exp.sharing:,.0f} steps/s · a shared run: {others} other "
            f"{'student follows' if others == 1 else 'students follow'} it. Pause, Step or a change goes on from here "
            "on a run of your own."
        )
    elif exp.running and exp.sharing > 1:
        turn = exp.sharing * QUANTUM_SECONDS  # each run trains one quantum in turn: this is how long one waits
        st.caption(
            f"training · {exp.steps_per_second / exp.sharing:,.0f} steps/s · {exp.sharing} models take turns "
            f"on the training core, each about every {turn:.1f} s"
        )
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
    """The controls, then the box the session's timer redraws the progress in (the page's live view, or the ticker)."""
    controls(current_experiment())
    st.session_state[PROGRESS_BOX] = st.container()
    st.session_state[LIVE_THIS_RUN] = False


def refresh_interval(exp: Experiment) -> float | None:
    """Seconds between this session's refreshes while it trains (stretched on a crowded server); None when paused."""
    return PACING.interval() if exp.running else None


def refresh(exp: Experiment, every: float | None) -> None:
    """The start of a tick of the session's timer: train a slice (only when training runs in this process), then show
    the progress in the sidebar. The caller draws its page and then calls :func:`refreshed`."""
    exp.settle()
    if exp.running:
        exp.advance(only_while_running=True, every=every)
    with st.session_state[PROGRESS_BOX]:
        progress(exp)


def refreshed(exp: Experiment, every: float | None, cpu_seconds: float) -> None:
    """The end of a tick: count its cost for the pacing; a run that stopped meanwhile, or a load that moved the pace
    by half or double, draws the whole page again (with the timer off, or at the new pace)."""
    if every is None:
        return
    PACING.refreshed(id(exp), cpu_seconds, every)
    if not exp.running:
        PACING.stopped(id(exp))
        st.rerun()  # the run diverged or reached its step: redraw everything, without the timer
    elif PACING.should_redraw_at(every):
        st.rerun()


def sidebar_ticker() -> None:
    """The session's timer on a page that drew no live view of its own (the lessons, Compare runs, a page with nothing
    to show): it trains and shows the progress only."""
    if st.session_state.get(LIVE_THIS_RUN):
        return
    every = refresh_interval(current_experiment())

    @st.fragment(run_every=every)
    def ticker() -> None:
        with TURNS.turn(urgent=False):
            start, exp = time.thread_time(), current_experiment()
            refresh(exp, every)
            refreshed(exp, every, time.thread_time() - start)

    ticker()
