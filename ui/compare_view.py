"""Kept runs side by side: train RNN, LSTM and GRU on the same task and seed, keep runs, choose some, overlay them.

Runs are kept by the session when a trained model is replaced (a rebuild, a reset, a preset, a loaded
checkpoint), by "Keep the current run", and by the three-cell comparison.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from rnn_core.inspect.compare import CELLS_COMPARED, RunSummary, compared_configs, summarise
from rnn_core.viz import overlay_lines
from ui.charts import show_figure
from ui.state import SERVICE, Experiment

COMPARE_SECONDS = 600.0  # the longest the three-cell comparison waits for its runs


def run_controls(exp: Experiment) -> None:
    """Compare the three cells, keep the current run, clear the kept ones."""
    cols = st.columns([2, 2, 2, 1])
    steps = cols[0].number_input("Steps per run", 10, 2000, 300, step=50, key="compare_steps", persist_state="page")
    if cols[1].button("Compare RNN, LSTM and GRU", key="compare_cells", type="primary"):
        with st.spinner(f"Training three models for {steps} steps each…"):
            runs = train_side_by_side(exp, int(steps))
        with exp.lock:  # runs also change when a trained model is replaced, under the lock
            exp.keep_runs(runs)
    if cols[2].button("Keep the current run", key="compare_keep", disabled=exp.trainer.step == 0):
        with exp.lock:
            exp.keep_runs([exp.summary()])
    if exp.runs and cols[3].button("Clear", key="compare_clear"):
        with exp.lock:
            exp.runs = []


def train_side_by_side(exp: Experiment, steps: int, cells=CELLS_COMPARED) -> list[RunSummary]:
    """``cells`` (a plain RNN, an LSTM and a GRU unless told) on the session's task, settings and seed, trained
    ``steps`` steps side by side in the training processes (not in the server), summarised and let go."""
    mirrors = [(label, SERVICE.start(config, exp.task)) for label, config in compared_configs(exp.config, steps, cells)]
    for _, mirror in mirrors:
        SERVICE.go(mirror, running=True, stop_at=steps)
    runs = []
    for label, mirror in mirrors:
        mirror.wait(lambda m: m.step >= steps or not m.running, COMPARE_SECONDS)
        final = SERVICE.snapshot_now(mirror) if mirror.model.recurrent else None
        runs.append(summarise(mirror, label, final=final))
        SERVICE.drop(mirror)
    return runs


def chosen_runs(exp: Experiment, key: str) -> list[RunSummary]:
    """The kept runs the user picks to overlay: all at first; later, the user's choice plus every run kept since."""
    labels = [run.label for run in exp.runs]
    previous = st.session_state.get(key, st.session_state.get(f"{key}_chosen"))  # the widget's, or before a page change
    seen = st.session_state.get(f"{key}_seen", [])
    st.session_state[key] = [label for label in labels if previous is None or label in previous or label not in seen]
    chosen = st.multiselect("Runs to overlay", labels, key=key)
    st.session_state[f"{key}_chosen"], st.session_state[f"{key}_seen"] = chosen, labels
    if len({run.config.task for run in exp.runs if run.label in chosen}) > 1:
        st.caption("The chosen runs are on different task settings: compare their shapes, not their values.")
    return [run for run in exp.runs if run.label in chosen]


def loss_overlay(runs: list[RunSummary], where=None) -> None:
    losses = {run.label: (run.history.step.to_numpy(), run.history.loss.to_numpy()) for run in runs}
    show_figure(overlay_lines(losses, "Training loss", "training step", "loss (log scale)"), where)


def grad_norm_overlay(runs: list[RunSummary], where=None) -> None:
    norms = {run.label: (run.history.step.to_numpy(), run.history.grad_norm.to_numpy()) for run in runs}
    show_figure(overlay_lines(norms, "Gradient norm over training (before clipping)", "training step", "‖∇θ L‖ (log scale)"), where)


def reach_overlay(runs: list[RunSummary], where=None) -> None:
    gradients = {
        run.label: (np.arange(1, run.final.grad_norm_last.shape[1] + 1), run.final.grad_norm_last[0])
        for run in runs
        if run.final is not None
    }
    show_figure(overlay_lines(gradients, "‖∂L_τ/∂h_t‖ at the end of each run (layer 1)", "time step t", "‖∂L_τ/∂h_t‖"), where)


def step_loss_overlay(runs: list[RunSummary], where=None) -> None:
    losses = {run.label: (np.arange(1, len(run.final.step_loss) + 1), run.final.step_loss) for run in runs if run.final is not None}
    show_figure(overlay_lines(losses, "Loss at each step t at the end of each run", "time step t", "L_t (log scale)"), where)


def compare_section(exp: Experiment) -> None:
    """The Gradients page's side by side (its tab's label is the heading): where does each cell's gradient still reach,
    and which one learns?"""
    st.markdown(
        "The same task, seed and training settings with a plain RNN, an LSTM and a GRU: where does each one's gradient "
        "still reach, and which one learns? Runs are kept in this session; the **Compare runs** page shows more of them."
    )
    run_controls(exp)
    if not exp.runs:
        st.info("No runs kept yet: compare the three cells, or keep the current run after training it.")
        return
    runs = chosen_runs(exp, "gradients_overlay")
    left, right = st.columns(2)
    loss_overlay(runs, left)
    reach_overlay(runs, right)
