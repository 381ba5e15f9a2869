"""Placing rnn_core's figures and tables on a page the same way everywhere, with their downloads."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from ui.presentation import for_projection, presenting

if TYPE_CHECKING:
    import pandas as pd

PNG_SIZE = {"width": 1600, "height": 900, "scale": 2}  # Plotly's camera button: a 3200×1800 PNG, sharp on any projector


def file_stem(title: str) -> str:
    """A readable file name from a chart's title.

    "Loss at each step t (training step 300)" -> "rnn-explorer_loss-at-each-step-t-training-step-300".
    """
    words = re.sub(r"[^0-9a-z]+", "-", title.lower().replace("‖", "").replace("∂", "d")).strip("-")
    return f"rnn-explorer_{words[:80].rstrip('-') or 'chart'}"


def chart_config(spec: dict) -> dict:
    """Plotly's own toolbar, its PNG export sized for slides and named after the chart."""
    title = spec["layout"].get("title", {}).get("text") or ""
    return {"displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": file_stem(title), **PNG_SIZE}}


def show_figure(spec: dict, where: DeltaGenerator | None = None) -> None:
    """Draw a figure spec as wide as its column with its own lecture template (theme=None keeps Streamlit from
    restyling it); in presentation mode with bigger type and lines, at a fixed height.

    ``st.plotly_chart`` validates a dict it is given through Plotly's object model (5–30 ms a chart), and takes a
    ``Figure`` as already valid: so the spec, which the tests validate builder by builder, is only wrapped here without
    checking its values (``_validate=False``, pinned by tests/test_figures.py), which costs a few tenths of a millisecond. An
    unchanged chart then sends the same message as before, which Streamlit's message cache sends as a reference.
    """
    if presenting():
        spec = for_projection(spec)
    (where or st).plotly_chart(go.Figure(spec, _validate=False), width="stretch", theme=None, config=chart_config(spec))


def csv_download(label: str, table: Callable[[], pd.DataFrame], file_name: str, key: str, where: DeltaGenerator | None = None) -> None:
    """A button that downloads ``table()`` as CSV. The table is built only when the button is pressed; hidden in
    presentation mode."""
    if presenting():
        return
    (where or st).download_button(
        f"⬇ {label} (CSV)",
        data=lambda: _csv(table()),
        file_name=f"rnn-explorer_{file_name}.csv",
        mime="text/csv",
        key=key,
        on_click="ignore",
    )


def _csv(frame: pd.DataFrame) -> bytes:
    """The CSV bytes of a table, when its button is pressed: exports (and pandas) are imported then, not by a server's
    first page."""
    from rnn_core.inspect.exports import to_csv

    return to_csv(frame)
