"""Train: the loss falling, the model's answers on the probe sequences, and the model at a glance."""

import math

import numpy as np
import streamlit as st
import torch

from rnn_core.inspect.reports import model_heading, parameter_table, prediction_table
from rnn_core.train.models import count_parameters
from rnn_core.viz import answers_chart, loss_curve, sequence_prediction_chart
from ui.charts import csv_download, show_figure
from ui.keys import MODEL_DETAILS
from ui.live import live_view
from ui.state import Experiment, current_experiment

st.title("Train")
exp = current_experiment()
st.markdown(f"**{exp.task.title}.** {exp.task.description}")
sample = st.radio(
    "Probe sequence", list(range(exp.config.train.probe_batch)), format_func=lambda i: f"#{i + 1}", horizontal=True, key="train_sample"
)


def draw(exp: Experiment) -> None:
    trainer = exp.trainer
    records = trainer.records  # columns of numbers; a DataFrame only for the download
    cols = st.columns(4)
    cols[0].metric("Step", f"{trainer.step:,}")
    cols[1].metric("Loss", f"{records.column('loss')[-1]:.4g}" if len(records) else "–")
    if exp.task.kind == "classification":
        cols[2].metric("Accuracy", f"{records.column('accuracy')[-1]:.0%}" if len(records) else "–")
    cols[3].metric("Parameters", f"{count_parameters(trainer.structure):,}")

    if len(records):
        snaps = trainer.snapshots.items
        fig = loss_curve(
            records.column("step").astype(int), records.column("loss"), np.array([s.step for s in snaps]), np.array([s.loss for s in snaps])
        )
        show_figure(fig)
        csv_download("Training history", lambda: trainer.history, f"training_history_step-{trainer.step}", key="history_csv")
    else:
        st.info("Press **Train** (or **Step**) in the sidebar: the loss curve appears here as the model learns.")

    probe = trainer.probe
    prediction = torch.from_numpy(trainer.prediction)  # the model's answers on the fixed probe batch, as last reported
    task, i = exp.task, min(sample, len(probe.x) - 1)
    st.subheader("Answers on the probe sequences")
    if task.kind == "classification":
        st.dataframe(prediction_table(task, probe, prediction, i), width="stretch")
    elif not task.many_to_one:
        title = f"Probe sequence #{i + 1}: target and prediction"
        show_figure(
            sequence_prediction_chart(
                task.input_labels(probe.x[i]), probe.x[i, :, 0].numpy(), probe.y[i, :, 0].numpy(), prediction[i, :, 0].numpy(), title
            )
        )
    else:
        show_figure(answers_chart(probe.y[:, 0].numpy(), prediction[:, 0].numpy(), "The sum of the two marked numbers", "sum"))


live_view(draw)

# drawn when opened: its table is the first page's only st.dataframe, whose first use costs a new server half a second
details = st.expander(
    model_heading(exp.config.model.cell, exp.trainer.structure),
    key=MODEL_DETAILS,
    on_change="rerun",
)
if details.open:
    with details:
        st.dataframe(parameter_table(exp.trainer.structure), width="stretch", hide_index=True)
        loss_name = "cross-entropy" if exp.task.kind == "classification" else "mean squared error"
        st.caption(f"Loss: {loss_name}, averaged over the steps that count. Probe batch: {exp.config.train.probe_batch} fixed sequences.")
        if math.isfinite(exp.steps_per_second) and exp.steps_per_second:
            st.caption(f"Last training speed: {exp.steps_per_second:,.0f} steps per second.")
