"""Placing rnn_core's figures on a page the same way everywhere."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

# Plotly's own toolbar, with a PNG export large enough to project or print.
CHART_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}


def show_figure(fig: go.Figure, where: DeltaGenerator | None = None) -> None:
    """Draw ``fig`` full-width with its own lecture template (theme=None keeps Streamlit from restyling it)."""
    (where or st).plotly_chart(fig, width="stretch", theme=None, config=CHART_CONFIG)
