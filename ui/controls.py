"""Choosing what a view looks at: which probe sequence, which layer, which direction, which of a page's tabs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from ui.state import Experiment


@dataclass(frozen=True)
class Selection:
    sample: int
    layer: int
    direction: int
    num_directions: int

    @property
    def row(self) -> int:
        """The row of a Recording or snapshot array: layer-major, as torch orders h_n."""
        return self.layer * self.num_directions + self.direction


def sequence_layer_direction(exp: Experiment, prefix: str) -> Selection:
    """Three widgets in a row, keyed ``<prefix>_sample``, ``<prefix>_layer``, ``<prefix>_direction`` (the last only when bidirectional)."""
    config, directions = exp.config, exp.trainer.structure.num_directions
    cols = st.columns(3)
    sample = cols[0].selectbox("Probe sequence", range(config.train.probe_batch), format_func=lambda i: f"#{i + 1}", key=f"{prefix}_sample")
    layer = cols[1].selectbox("Layer", range(config.model.num_layers), format_func=lambda i: f"layer {i + 1}", key=f"{prefix}_layer")
    direction = 0
    if directions == 2:
        direction = cols[2].radio(
            "Direction", [0, 1], format_func=["forward", "reverse"].__getitem__, key=f"{prefix}_direction", horizontal=True
        )
    return Selection(sample, layer, direction, directions)


def open_tab(labels: Sequence[str], key: str) -> tuple[str, DeltaGenerator]:
    """A page's tabs, of which only the open one is drawn: its label and its container (a plain container when there
    is only one).

    Charts are most of what a page switch costs, in the browser: 12–90 ms a chart, drawn twice by Streamlit's Plotly
    element, and all again at every refresh while training. Gates and Gradients drew five to seven at once and took
    0.5–0.8 s to appear. With ``on_change="rerun"`` choosing a tab runs the page again and only the open tab is drawn
    (Gates 0.62 → 0.48 s, Gradients 0.46 → 0.32 s, medians of four switches while training); a tab is also one topic
    on a projector.
    The choice is kept under ``key`` while the page is shown; a preset opens its story's tab (ui/presets_menu.py).
    """
    if len(labels) == 1:
        return labels[0], st.container()
    tabs = st.tabs(list(labels), key=key, on_change="rerun")
    return next(((label, tab) for label, tab in zip(labels, tabs) if tab.open), (labels[0], tabs[0]))
