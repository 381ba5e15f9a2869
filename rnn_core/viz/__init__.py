"""Figures as plain Plotly specs: built from arrays, drawn by the app, validated in the tests (tests/test_figures.py).

``theme`` holds what every figure shares; the builders are grouped by what they show: ``states`` (a model's insides),
``training`` (losses, gradients, predictions), ``lessons``. Import them from here.
"""

from rnn_core.viz.lessons import gradient_reach_chart, io_mode_diagram, unrolled_diagram, vanishing_by_hand_chart
from rnn_core.viz.states import (
    eigenvalue_plot,
    gate_histograms,
    heatmap_grid,
    over_training_heatmap,
    state_heatmap,
    text_activation,
    trajectory_2d,
    unit_lines,
)
from rnn_core.viz.theme import COLOURS, LECTURE_TEMPLATE, figure, typed
from rnn_core.viz.training import (
    answers_chart,
    clipping_chart,
    gradient_norm_chart,
    gradient_profiles,
    loss_curve,
    overlay_lines,
    per_step_bars,
    sequence_prediction_chart,
)

BUILDER_MODULES = ("rnn_core.viz.states", "rnn_core.viz.training", "rnn_core.viz.lessons")

__all__ = [
    "COLOURS", "LECTURE_TEMPLATE", "answers_chart", "clipping_chart", "eigenvalue_plot", "figure", "gate_histograms",
    "gradient_norm_chart", "gradient_profiles", "gradient_reach_chart", "heatmap_grid", "io_mode_diagram", "loss_curve",
    "over_training_heatmap", "overlay_lines", "per_step_bars", "sequence_prediction_chart", "state_heatmap",
    "text_activation", "trajectory_2d", "typed", "unit_lines", "unrolled_diagram", "vanishing_by_hand_chart",
]  # fmt: skip
