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

    def sequence_in(self, snap) -> int:
        """The chosen probe sequence's index in a snapshot's arrays: the snapshot's last, if it holds fewer."""
        return min(self.sample, snap.hidden.shape[1] - 1)


def sequence_layer_direction(exp: Experiment, prefix: str) -> Selection:
    """Three widgets in a row, keyed ``<prefix>_sample``, ``<prefix>_layer``, ``<prefix>_direction`` (the last only when
    bidirectional). Their choice outlives a run that does not draw them (another tab of the page: ``persist_state``)."""
    config, directions = exp.config, exp.trainer.structure.num_directions
    cols = st.columns(3)
    sample = cols[0].selectbox(
        "Probe sequence", range(config.train.probe_batch), format_func=lambda i: f"#{i + 1}", key=f"{prefix}_sample", persist_state="page"
    )
    layer = cols[1].selectbox(
        "Layer", range(config.model.num_layers), format_func=lambda i: f"layer {i + 1}", key=f"{prefix}_layer", persist_state="page"
    )
    direction = 0
    if directions == 2:
        direction = cols[2].radio(
            "Direction", [0, 1], format_func=["forward", "reverse"].__getitem__, key=f"{prefix}_direction", horizontal=True,
            persist_state="page",
        )  # fmt: skip
    return Selection(sample, layer, direction, directions)


def open_tab(labels: Sequence[str], key: str) -> tuple[str, DeltaGenerator]:
    """A page's tabs, of which only the open one is drawn: its label and its container (a plain container when there
    is only one).

    Charts are most of what a switch to a page costs, all of it in the browser, and a live page draws them all again at
    every refresh: a page of many charts took longer than half a second to appear (README, Performance). With
    ``on_change="rerun"`` choosing a tab runs the page again and only the open tab is drawn, and a tab is one topic on
    a projector. The widgets inside a tab keep their values while another is open (``persist_state="page"``). The
    choice itself is kept under ``key`` while the page is shown; a preset opens its story's tab (``Preset.tab``).
    """
    if len(labels) == 1:
        return labels[0], st.container()
    tabs = st.tabs(list(labels), key=key, on_change="rerun")
    return next(((label, tab) for label, tab in zip(labels, tabs) if tab.open), (labels[0], tabs[0]))
