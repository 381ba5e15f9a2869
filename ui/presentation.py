"""Presentation mode: bigger type and lines, fixed figure sizes, fewer controls, for a projector and for screenshots."""

from __future__ import annotations

import streamlit as st

from ui.keys import PRESENTING

# the type grows by a quarter, the margins that hold it a little more; below, the x axis's two rows and a legend's
PROJECTED_MARGIN = {"l": 1.3, "r": 1.3, "t": 1.3, "b": 1.55}
PROJECTED_MARKER = 11 / 6  # Plotly's default marker (6 px) is drawn at 11 px
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


def for_projection(spec: dict) -> dict:
    """A copy of a figure spec with type and lines big enough to read from the back of a lecture hall, at a fixed
    height. A chart whose height follows its content (rows of text, the unrolled network) keeps that height, grown with
    its type. The spec itself is left as it is (it may be cached or shown again)."""
    layout = dict(spec["layout"])
    layout["font"] = {**layout.get("font", {}), "size": 20}
    layout["title"] = {**layout.get("title", {}), "font": {**layout.get("title", {}).get("font", {}), "size": 24}}
    layout["legend"] = {**layout.get("legend", {}), "font": {**layout.get("legend", {}).get("font", {}), "size": 20}}
    layout["height"] = FIGURE_HEIGHT if layout.get("height") is None else layout["height"] * 1.3
    if "margin" in layout:  # room for the bigger labels, so that Plotly need not widen it after a first drawing
        layout["margin"] = {side: round(px * PROJECTED_MARGIN.get(side, 1)) for side, px in layout["margin"].items()}
    data = []
    for trace in spec["data"]:
        if trace.get("type") == "scatter":
            marker = {**trace.get("marker", {})}
            marker["size"] = _projected_size(marker.get("size"))
            trace = {**trace, "line": {**trace.get("line", {}), "width": 5}, "marker": marker}
        data.append(trace)
    return {**spec, "data": data, "layout": layout}


def _projected_size(size):
    """A marker's size on a projector: Plotly's default (6) becomes 11; a size the figure chose (a diagram's nodes, an
    arrow's head and its hidden tail, one size per point) grows by the same share."""
    if size is None:
        return 11
    if isinstance(size, list):
        return [s * PROJECTED_MARKER for s in size]
    return size * PROJECTED_MARKER
