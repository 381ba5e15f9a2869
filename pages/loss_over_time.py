"""Loss over time: the loss at every step of the sequence, now and over training."""

import numpy as np
import streamlit as st

from rnn_core.inspect.exports import step_loss_table
from rnn_core.viz import over_training_heatmap, per_step_bars
from ui.charts import csv_download, show_figure
from ui.live import live_view
from ui.replay import replay_snapshot
from ui.state import Experiment, current_experiment

st.title("Loss over time")
exp = current_experiment()
if exp.task.many_to_one:
    st.markdown(
        "This task is answered once, after the last step. Here L_t is the loss the model would have if the sequence ended "
        "at step t: watch where in the sequence the answer becomes possible."
    )
else:
    st.markdown(
        "The loss L_t at each step t of the fixed probe sequences, averaged over them. Early steps have little context to "
        "go on; watch which steps the model learns first, and whether late steps catch up."
    )
if not exp.trainer.structure.recurrent:
    st.caption("The windowing MLP is shown from its training history only: it has no probe snapshots.")


def draw(exp: Experiment) -> None:
    if not exp.trainer.structure.recurrent:
        st.info("Choose a recurrent cell in the sidebar to see the loss at every step.")
        return
    snap = replay_snapshot(exp, "loss_replay")
    labels = exp.task.input_labels(exp.trainer.probe.x[0]) if exp.task.tokens else None
    show_figure(per_step_bars(snap.step_loss, f"Loss at each step t (training step {snap.step:,})", "L_t", labels))
    csv_download("Loss at each step", lambda: step_loss_table(snap), f"loss_per_step_step-{snap.step}", key="step_loss_csv")
    if np.isnan(snap.step_loss).sum() == len(snap.step_loss) - 1:
        st.caption("Only the last step's prediction counts on this task: the other steps have no loss.")
    snaps = exp.trainer.snapshots.items
    if len(snaps) < 2:
        st.info("Train for a while: each kept snapshot adds a row to the picture of L_t over training.")
        return
    losses = np.stack([s.step_loss for s in snaps])
    show_figure(over_training_heatmap([s.step for s in snaps], losses, "Where in the sequence the model learns first", "L_t"))
    st.caption(f"One row per kept snapshot (every {exp.config.train.probe_every} steps, thinned as training goes on).")


live_view(draw)
