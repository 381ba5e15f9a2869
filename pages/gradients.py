"""Gradients: how far back the gradient reaches through time, why (the step Jacobian, the recurrent weights), clipping,
and three cells side by side."""

import numpy as np
import streamlit as st

from rnn_core.inspect.exports import gradients_table
from rnn_core.nn.cell_facts import CELLS
from rnn_core.viz import clipping_chart, eigenvalue_plot, gradient_profiles, over_training_heatmap, per_step_bars
from ui.charts import csv_download, show_figure
from ui.compare_view import compare_section
from ui.controls import open_tab
from ui.keys import GRADIENTS_VIEW
from ui.live import live_view, stop_page
from ui.replay import replay_snapshot
from ui.state import Experiment, current_experiment

st.title("Gradients")
st.markdown(
    "Backpropagation through time multiplies the gradient by the step Jacobian ∂h_t/∂h_{t−1} once per step back. "
    "When those factors are below 1 the gradient **vanishes** and early steps stop learning; above 1 it **explodes**. "
    "The loss at one step τ shows it best: the whole loss gives every h_t a direct term of its own."
)
exp = current_experiment()
if not exp.trainer.structure.recurrent:
    st.info("The windowing MLP has no recurrence, so no gradient through time. Choose a recurrent cell in the sidebar.")
    stop_page()
facts = CELLS[exp.config.model.cell]


def draw_through_time(exp: Experiment) -> None:
    """How far back the gradient reaches now, and how that changed over training."""
    snap = replay_snapshot(exp, "grad_replay")
    row = layer * exp.trainer.structure.num_directions  # the forward direction
    title = f"Gradient reaching each h_t (layer {layer + 1}, training step {snap.step:,})"
    show_figure(gradient_profiles(snap.grad_norm[row], snap.grad_norm_last[row], snap.loss_step, title))
    directions = exp.trainer.structure.num_directions
    csv_download(
        "Gradient norms at every step", lambda: gradients_table(snap, directions), f"gradient_norms_step-{snap.step}", key="grad_csv"
    )
    first, last = snap.grad_norm_last[row][0], snap.grad_norm_last[row][snap.loss_step]
    if last > 0:
        st.metric("‖∂L_τ/∂h₁‖ ÷ ‖∂L_τ/∂h_τ‖", f"{first / last:.2e}", help="Below about 1e-3 the first steps barely learn.")
    snaps = exp.trainer.snapshots.items
    if len(snaps) >= 2:
        values = np.stack([s.grad_norm_last[row] for s in snaps])
        show_figure(over_training_heatmap([s.step for s in snaps], values, "‖∂L_τ/∂h_t‖ over training", "‖∂L_τ/∂h_t‖"))


def draw_why(exp: Experiment) -> None:
    """Why: the step Jacobian's spectral radius along the sequence beside the eigenvalues of W_hh (the two answers to
    "does it vanish or explode here?"), then what the answer depends on, step by step, across the page's width."""
    snap = replay_snapshot(exp, "grad_replay")
    row = layer * exp.trainer.structure.num_directions
    left, right = st.columns(2)
    show_figure(per_step_bars(snap.jacobian_radius[row], "Spectral radius of ∂s_t/∂s_{t−1} along the sequence", "ρ"), left)
    left.caption("ρ above 1 at a step can grow the gradient there, below 1 shrinks it. For an LSTM, s = (h, c).")
    if not facts.reads_state:
        left.caption(
            f"The {facts.title} is linear in its state, h_t = a_t ⊙ h_{{t−1}} + b_t, with a_t = {facts.step_coefficient}, "
            "which never reads h_{t−1}. So ∂h_t/∂h_{t−1} = diag(a_t) is diagonal: ρ is its largest |a_t|, always below 1, "
            "and the gradient never explodes."
        )
    if facts.own_state:
        left.caption(
            f"The {facts.title}'s h_t here is its state ({'complex, the paper’s x_t' if facts.mode == 'LRU' else 'H × N numbers'}), "
            "the quantity carried through time; its output y_t is read from it."
        )
    measured = int(np.isfinite(snap.jacobian_radius[row]).sum())
    if measured < snap.jacobian_radius.shape[1]:
        left.caption(
            f"ρ is measured at {measured} evenly spread steps here: for a model this large, every step would cost too much, "
            "above all in the snapshots kept as the model trains. The live view (“now”) measures every step it can."
        )
    eig = {block.label: v for block, v in snap.eigenvalues.items() if block.layer == layer and not block.reverse}
    if eig:
        radius = max(float(np.abs(v).max()) for v in eig.values())
        title = "Eigenvalues of W_hh" if facts.reads_state else "λ, the eigenvalues of the step"  # the LRU's: diag(λ)
        show_figure(eigenvalue_plot(eig, f"{title} (largest |λ| = {radius:.2f})"), right)
    else:
        right.info(f"A {facts.title} has no W_hh: nothing feeds h_{{t−1}} back through a matrix, so there are no eigenvalues to plot.")
    labels = exp.task.input_labels(exp.trainer.probe.x[0]) if exp.task.tokens else None
    show_figure(per_step_bars(snap.input_sensitivity, f"What the answer at τ = {snap.loss_step + 1} depends on", "‖∂ŷ_τ/∂x_t‖", labels))


def draw_clipping(exp: Experiment) -> None:
    """The global gradient norm at every training step, before and after clipping."""
    records = exp.trainer.records
    if len(records):
        steps, norms, clipped = records.column("step").astype(int), records.column("grad_norm"), records.column("grad_norm_clipped")
        show_figure(clipping_chart(steps, norms, clipped, exp.config.train.clip_norm))
    else:
        st.info("Train for a few steps to see the gradient norm at every step, before and after clipping.")


THROUGH_TIME, WHY, CLIPPING, SIDE_BY_SIDE = "Through time", "Why: the step Jacobian", "Clipping", "RNN, LSTM and GRU side by side"
view, tab = open_tab([THROUGH_TIME, WHY, CLIPPING, SIDE_BY_SIDE], GRADIENTS_VIEW)
with tab:
    if view == SIDE_BY_SIDE:
        compare_section(exp)
    elif view == CLIPPING:
        live_view(draw_clipping)  # the whole model's gradient norm: no layer to choose
    else:
        layer = st.selectbox(  # read by the draw functions
            "Layer", range(exp.config.model.num_layers), format_func=lambda i: f"layer {i + 1}", key="grad_layer", persist_state="page"
        )
        live_view(draw_through_time if view == THROUGH_TIME else draw_why)
