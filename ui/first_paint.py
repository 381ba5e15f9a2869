"""The browser's part of a first page, begun while the server is still importing torch and the app.

Streamlit's page loads Plotly's JavaScript (about 4 MB, most of a second to parse and start on a busy machine) only
when a first chart arrives, and a server's first session meets its first chart only after about 2 s of imports: the
browser waited idle, then loaded Plotly. An empty chart, hidden, sent before those imports has it load Plotly during
them: see the README's Performance section for what it gains.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from ui.keys import PLOTLY_EARLY

EARLY_SPEC = {"data": [{"type": "scatter"}], "layout": {"template": {}}}  # the least Plotly draws (no trace: no figure)


def load_plotly_early() -> None:
    """On a session's first run: a hidden, empty chart, so that its browser loads Plotly now. Hidden by its
    container's own class, which Streamlit names after the container's key. The rule comes with an element of its own:
    a style alone would go to Streamlit's page-wide event container, where the next run's first style replaces it."""
    if st.session_state.get(PLOTLY_EARLY):
        return
    with st.container(key=PLOTLY_EARLY):
        st.html(f"<style>.st-key-{PLOTLY_EARLY} {{display: none}}</style><span></span>")
        st.plotly_chart(go.Figure(EARLY_SPEC, _validate=False), theme=None)
    st.session_state[PLOTLY_EARLY] = True  # sent: a run stopped before this sends it again
