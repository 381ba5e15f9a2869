"""The side-by-side section: train RNN, LSTM and GRU on the same task and seed, keep runs, overlay them."""

from __future__ import annotations

import numpy as np
import streamlit as st

from rnn_core.compare import summarise, train_cells
from rnn_core.figures import overlay_lines
from ui.charts import show_figure
from ui.state import Experiment


def compare_section(exp: Experiment) -> None:
    st.subheader("Side by side")
    st.markdown(
        "The same task, seed and training settings with a plain RNN, an LSTM and a GRU: where does each one's gradient "
        "still reach, and which one learns? Runs are kept in this session until you clear them."
    )
    cols = st.columns([2, 2, 2, 1])
    steps = cols[0].number_input("Steps per run", 10, 2000, 300, step=50, key="compare_steps")
    if cols[1].button("Compare RNN, LSTM and GRU", key="compare_cells", type="primary"):
        with st.spinner(f"Training three models for {steps} steps each…"):
            exp.keep_runs(train_cells(exp.config, exp.task, int(steps)))
    if cols[2].button("Keep the current run", key="compare_keep", disabled=exp.trainer.step == 0):
        with exp.lock:
            exp.keep_runs([summarise(exp.trainer)])
    if exp.runs and cols[3].button("Clear", key="compare_clear"):
        exp.runs = []
    if not exp.runs:
        st.info("No runs kept yet: compare the three cells, or keep the current run after training it.")
        return
    task_names = {run.config.task for run in exp.runs}
    if len(task_names) > 1:
        st.caption("The kept runs are on different task settings: compare their shapes, not their values.")
    losses = {run.label: (run.history.step.to_numpy(), run.history.loss.to_numpy()) for run in exp.runs}
    left, right = st.columns(2)
    show_figure(overlay_lines(losses, "Training loss", "training step", "loss (log scale)"), left)
    gradients = {
        run.label: (np.arange(1, run.final.grad_norm_last.shape[1] + 1), run.final.grad_norm_last[0])
        for run in exp.runs
        if run.final is not None
    }
    show_figure(overlay_lines(gradients, "‖∂L_τ/∂h_t‖ at the end of each run (layer 1)", "time step t", "‖∂L_τ/∂h_t‖"), right)
