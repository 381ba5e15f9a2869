"""RNN Explorer: the entry point. `streamlit run app.py`.

Sets the page up, draws the sidebar every page shares (presets, training controls, the model
builder, presentation mode, save and load), keeps the experiment in the page's link and hands
navigation to st.navigation; every view lives in pages/. The whole run is one turn (ui/turns.py): on a
crowded server it goes before the sessions' timed refreshes.
"""

from rnn_core.runs.processes import start_early
from ui import settings

start_early(settings.WORKERS)  # first: the training processes import torch while this process imports it too

import streamlit as st

from ui.first_paint import load_plotly_early

load_plotly_early()  # before the imports below: the browser loads Plotly while this process imports torch

from ui.checkpoint import checkpoint_panel
from ui.links import link_notice, open_link, write_link
from ui.pages import PAGES
from ui.presentation import page_style, presentation_toggle, presenting
from ui.presets_menu import follow_preset_page, preset_story, presets_menu
from ui.process import set_up_once
from ui.sidebar import model_builder
from ui.state import TURNS, current_experiment
from ui.training import sidebar_ticker, training_panel

set_up_once()  # one torch thread; the imports' objects frozen out of Python's collections

with TURNS.turn(urgent=True):  # a whole run (a first visit, a click, a page change) goes before timed refreshes
    st.set_page_config(page_title="RNN Explorer", page_icon="🔁", layout="wide")

    groups: dict[str, list] = {}
    for page in PAGES:
        groups.setdefault(page.group, []).append(st.Page(page.path, title=page.title, default=page is PAGES[0]))
    navigation = st.navigation(groups, expanded=True)  # every lesson listed: past ten pages Streamlit folds the rest away
    open_link()  # a session's first run builds the experiment its link describes

    with st.sidebar:
        st.markdown("## RNN Explorer")
        training_panel()
        presets_menu(current_experiment())
        model_builder(current_experiment())
        presentation_toggle()
        if not presenting():
            checkpoint_panel(current_experiment())
    follow_preset_page()

    exp = current_experiment()
    write_link(exp)  # on every run: Streamlit clears the query parameters when the page changes
    page_style()
    if exp.trainer.diverged is not None:  # on every page, above its title: the run stopped, and why
        st.error(exp.trainer.diverged.message())
    link_notice(exp)
    if navigation.title in {page.title for page in PAGES if page.group == "Explore"}:  # the lessons have models of their own
        preset_story(exp)

    navigation.run()
    sidebar_ticker()  # the session's timer, unless the page's live view is it (pages end with ui.live.stop_page, not st.stop)
