"""The sidebar's menu of ready-made experiments: one click builds the model, opens the page that tells its
story, and trains live to the step where the story is told."""

from __future__ import annotations

import streamlit as st

from rnn_core.config import CELL_TITLES
from rnn_core.data.tasks import make_task
from ui.compare_view import train_side_by_side
from ui.keys import GO_TO_PAGE, PAGE_TABS, PRESET_COMPARISON
from ui.presets import PRESETS, PRESETS_BY_KEY, Preset
from ui.sidebar import revert_widgets
from ui.state import Experiment


def start_preset(exp: Experiment, preset: Preset) -> None:
    """A button's callback: runs before any widget is drawn, so the sidebar shows the preset's settings at once."""
    exp.replace_trainer(exp.fresh(preset.config, make_task(preset.config.task)), preset=preset.key)
    revert_widgets(preset.config)
    exp.train_to(preset.steps)
    st.session_state[GO_TO_PAGE] = preset.page
    if preset.tab:
        st.session_state[PAGE_TABS[preset.page]] = preset.tab
    if preset.compared:
        st.session_state[PRESET_COMPARISON] = preset.key


def preset_comparison(exp: Experiment) -> None:
    """On Compare runs, once after a comparing preset: its cell and the ones it is compared with, trained side by side
    on its settings and seed to its step, kept as runs (the session's own model trains on meanwhile)."""
    key = st.session_state.pop(PRESET_COMPARISON, None)  # first: a rerun must not train the same comparison again
    if key is None:
        return
    preset = PRESETS_BY_KEY[key]
    cells = (preset.config.model.cell, *preset.compared)
    names = ", ".join(CELL_TITLES[c] for c in cells[:-1]) + f" and {CELL_TITLES[cells[-1]]}"
    with st.spinner(f"Training {names} side by side, {preset.steps} steps each, for the preset…"):
        runs = train_side_by_side(exp, preset.steps, cells)
        with exp.lock:  # kept before anything else is drawn: a rerun may stop this script at its next element
            exp.keep_runs(runs)


def presets_menu(exp: Experiment) -> None:
    with st.expander("Presets: one story each", expanded=exp.trainer.step == 0 and exp.preset is None):
        for preset in PRESETS:
            st.button(
                preset.title,
                key=f"preset_{preset.key}",
                on_click=start_preset,
                args=(exp, preset),
                width="stretch",
                type="primary" if exp.preset == preset.key else "secondary",
                help=f"Trains {preset.steps} steps live. {preset.story}",
            )


def preset_story(exp: Experiment) -> None:
    """Above every page while a preset's model is loaded: what it shows and where to look."""
    if exp.preset is not None:
        preset = PRESETS_BY_KEY[exp.preset]
        st.info(f"**Preset: {preset.title}.** {preset.story}", icon=":material/school:")


def follow_preset_page() -> None:
    """Open the page a preset's button asked for (a callback cannot switch pages itself)."""
    page = st.session_state.pop(GO_TO_PAGE, None)
    if page is not None:
        st.switch_page(page)
