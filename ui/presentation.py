"""Presentation mode: bigger type and lines, fixed figure sizes, fewer controls, for a projector and for screenshots."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

PRESENTING = "presenting"  # session-state key of the sidebar toggle (also set by a link's `present=1`)
FIGURE_HEIGHT = 600  # charts the same height (as wide as their column), so screenshots of two runs line up
PAGE_STYLE = """
<style>
  /* larger text and numbers for the back row; the toolbar's menu and deploy button out of the picture (the toolbar
     itself stays: it holds the button that opens a collapsed sidebar) */
  .stMainBlockContainer { padding-top: 2.5rem; }
  .stMainBlockContainer [data-testid="stMarkdownContainer"] p, .stMainBlockContainer li { font-size: 1.2rem; }
  .stMainBlockContainer h1 { font-size: 2.6rem; }
  [data-testid="stMetricValue"], .stMainBlockContainer [data-testid="stMetricValue"] p { font-size: 2.6rem; }
  [data-testid="stToolbarActions"], [data-testid="stMainMenu"], [data-testid="stAppDeployButton"] { display: none; }
</style>
"""


def presenting() -> bool:
    return bool(st.session_state.get(PRESENTING, False))


def presentation_toggle() -> None:
    st.toggle(
        "Presentation mode",
        key=PRESENTING,
        help="Larger type and lines, charts of one fixed size, and only the controls a demo needs: for a projector and screenshots.",
    )


def page_style() -> None:
    """The page's own styling in presentation mode (an invisible element otherwise)."""
    if presenting():
        st.html(PAGE_STYLE)


def for_projection(fig: go.Figure) -> go.Figure:
    """A copy of ``fig`` with type and lines big enough to read from the back of a lecture hall, at a fixed height.

    A chart whose height follows its content (rows of text, the unrolled network) keeps that height, grown with its type.
    """
    fig = go.Figure(fig)
    fig.update_layout(font_size=20, title_font_size=24, legend_font_size=20)
    fig.update_layout(height=FIGURE_HEIGHT if fig.layout.height is None else fig.layout.height * 1.3)
    fig.update_traces(line_width=5, selector={"type": "scatter"})
    fig.update_traces(marker_size=11, selector={"type": "scatter"})
    return fig
