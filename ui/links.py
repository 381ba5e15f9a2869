"""The experiment in the page's link: read when a session starts, written again on every run.

Streamlit clears the query parameters when the user changes page, so ``app.py`` calls
:func:`write_link` on every run, whatever the page. A link that asks for something this
server cannot build falls back to defaults, setting by setting, and says so on the page.
"""

from __future__ import annotations

import streamlit as st

from ui import settings
from ui.keys import EXPERIMENT, LINK, PRESENTING
from ui.link_params import buildable, config_from_params, config_to_params
from ui.presentation import presenting
from ui.presets import PRESETS
from ui.state import Experiment, new_experiment


def open_link() -> None:
    """On a session's first run, build its experiment from the link's query parameters (defaults where they fail)."""
    if EXPERIMENT in st.session_state:
        return
    config, steps, present, problems = config_from_params(st.query_params.to_dict())
    config = buildable(config, problems, check=settings.LIMITS.check)
    exp = new_experiment(config)
    exp.preset = next((p.key for p in PRESETS if p.config == config), None)  # a preset's link tells its story too
    st.session_state[EXPERIMENT] = exp
    st.session_state[PRESENTING] = present
    if problems or steps:
        st.session_state[LINK] = {"problems": problems, "steps": min(steps, settings.LIMITS.steps), "config": config}


def link_notice(exp: Experiment) -> None:
    """Above the page: what the link asked for that could not be used, and the step count its author had reached.

    Shown until the session trains or changes the experiment, when it no longer describes what is on the page.
    """
    link = st.session_state.get(LINK)
    if link is None:
        return
    if exp.config != link["config"] or (exp.trainer.step and not exp.running and exp.stop_at is None and exp.trainer.step >= link["steps"]):
        del st.session_state[LINK]
        return
    if link["problems"]:
        st.warning("Part of this link could not be used, so defaults stand in:\n" + "\n".join(f"- {p}" for p in link["problems"]))
    if link["steps"] > exp.trainer.step and not exp.running:
        left, right = st.columns([3, 1])
        left.info(
            f"This link was made after **{link['steps']:,} training steps**. With the same settings and seed, training to "
            "that step draws the same curves. If you were training in this tab a moment ago, the server that held your "
            "model has stopped: your settings came back from the link; train to that step to replay your training "
            "exactly, or load a model you saved under **Save or load the model**."
        )
        right.button(f"Train to step {link['steps']:,}", on_click=exp.train_to, args=(link["steps"],), key="link_train_to", type="primary")


def write_link(exp: Experiment) -> None:
    """Put the current experiment in the address bar (only when it changed: each write is a message to the browser).

    The step count is the one at this run: while training, the address bar catches up at the next full run (a click,
    a page change, a pause). A link that was opened keeps its own step count until the session gets there.
    """
    link = st.session_state.get(LINK)
    steps = max(exp.trainer.step, link["steps"] if link else 0)
    params = config_to_params(exp.config, steps, presenting())
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
