"""Stacked and bidirectional: which h feeds which, at each layer and direction, with the shapes of the live model."""

import streamlit as st

from rnn_core.config import CELL_TITLES
from rnn_core.lessons.notes import parameter_shapes
from rnn_core.train.models import input_features
from rnn_core.viz import unrolled_diagram
from ui.charts import show_figure
from ui.state import current_experiment

st.title("Stacked and bidirectional")
st.markdown(
    "Layer 1 reads the inputs x_t; every layer above reads the layer below at the same step. A forward state h→ carries "
    "information from the past (left to right), a reverse state h← from the future (right to left); a bidirectional "
    "layer passes both, side by side (D·H numbers), to the next layer and to the output."
)
exp = current_experiment()
model, task = exp.config.model, exp.task
cell = model.cell if model.cell != "mlp" else "rnn_tanh"
c = st.columns(3)
layers = int(c[0].number_input("Layers", 1, 4, model.num_layers, key="st_layers"))
bidirectional = c[1].checkbox("Bidirectional", model.bidirectional, key="st_bidir")
steps = int(c[2].number_input("Steps shown", 2, 6, min(4, max(2, task.seq_len)), key="st_steps"))
features = input_features(model, task)
st.caption(
    f"Starts from the live model: {CELL_TITLES[model.cell]}, H = {model.hidden_size}, input size {features}, "
    f"{task.output_size} output(s) on '{task.title}'."
)
show_figure(unrolled_diagram(layers, bidirectional, steps, features, model.hidden_size, task.output_size))
st.subheader("The weights that draw those arrows")
st.dataframe(parameter_shapes(cell, features, model.hidden_size, layers, bidirectional, task.output_size), hide_index=True, width="stretch")
st.caption(
    "weight_ih_l0 maps the input (H_in columns); weight_ih_l1 and above map the layer below, D·H columns. "
    "weight_hh maps a state to the next state of its own layer and direction. Names ending in _reverse belong to h←."
)
