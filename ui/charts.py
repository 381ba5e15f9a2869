"""Placing rnn_core's figures and tables on a page the same way everywhere, with their downloads."""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from rnn_core.exports import to_csv
from ui.presentation import for_projection, presenting

PNG_SIZE = {"width": 1600, "height": 900, "scale": 2}  # Plotly's camera button: a 3200×1800 PNG, sharp on any projector


def file_stem(title: str) -> str:
    """A readable file name from a chart's title.

    "Loss at each step t (training step 300)" -> "rnn-explorer_loss-at-each-step-t-training-step-300".
    """
    words = re.sub(r"[^0-9a-z]+", "-", title.lower().replace("‖", "").replace("∂", "d")).strip("-")
    return f"rnn-explorer_{words[:80].rstrip('-') or 'chart'}"


def chart_config(fig: go.Figure) -> dict:
    """Plotly's own toolbar, its PNG export sized for slides and named after the chart."""
    title = fig.layout.title.text or ""
    return {"displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": file_stem(title), **PNG_SIZE}}


def show_figure(fig: go.Figure, where: DeltaGenerator | None = None) -> None:
    """Draw ``fig`` as wide as its column with its own lecture template (theme=None keeps Streamlit from restyling it);
    in presentation mode with bigger type and lines, at a fixed height."""
    if presenting():
        fig = for_projection(fig)
    (where or st).plotly_chart(fig, width="stretch", theme=None, config=chart_config(fig))


def csv_download(label: str, table: Callable[[], pd.DataFrame], file_name: str, key: str, where: DeltaGenerator | None = None) -> None:
    """A button that downloads ``table()`` as CSV. The table is built only when the button is pressed; hidden in
    presentation mode."""
    if presenting():
        return
    (where or st).download_button(
        f"⬇ {label} (CSV)",
        data=lambda: to_csv(table()),
        file_name=f"rnn-explorer_{file_name}.csv",
        mime="text/csv",
        key=key,
        on_click="ignore",
    )
