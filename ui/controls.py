"""Choosing what a view looks at: which probe sequence, which layer, which direction."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

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
