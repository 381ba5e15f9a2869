"""Inside one recurrent layer: an untrained layer reads a sine wave; every h_t, every gate, and how far back a gradient reaches."""

import streamlit as st
import torch

from rnn_core.inspect.layer_snapshot import sine_wave, snapshot_layer
from rnn_core.nn.by_cell import stepwise_layer
from rnn_core.nn.cell_facts import CELLS, GATES
from rnn_core.train.trainer import seeded
from rnn_core.viz import gradient_norm_chart, state_heatmap
from ui.charts import show_figure

CELLS_BY_TITLE = {cell.title: name for name, cell in CELLS.items() if cell.reads_state}  # the cells with a W_hh to scale


@st.cache_data(max_entries=64, show_spinner=False)
def layer_snapshot(cell: str, hidden_size: int, seq_len: int, scale: float, seed: int):
    """Pure data keyed by the choices: safe to share between sessions."""
    with seeded(seed):  # torch's default initialisation draws from its global generator: under the lock that guards it
        layer = stepwise_layer(CELLS_BY_TITLE[cell], 1, hidden_size)
    with torch.no_grad():
        layer.weight_hh_l0.mul_(scale)
    return snapshot_layer(layer, sine_wave(seq_len))


st.title("Inside one recurrent layer")
st.markdown(
    "An **untrained** layer with PyTorch's default random weights reads a sine wave "
    "x_t = sin(2πt/20), one step at a time. Below: every hidden state h_t, every gate, and "
    "how strongly a loss at the **last** step reaches back to each earlier h_t. "
    "Scale the recurrent weights W_hh to watch that gradient vanish or explode."
)

left, mid, right, far = st.columns(4)
cell = left.selectbox("Cell", list(CELLS_BY_TITLE), key="inside_cell")
hidden_size = mid.slider("Hidden units H", 1, 32, 8, key="inside_hidden")
seq_len = right.slider("Sequence length T", 5, 100, 40, key="inside_seq_len")
scale = far.slider(
    "Scale of W_hh",
    0.1,
    4.0,
    1.0,
    0.1,
    key="inside_scale",
    help="Multiplies the recurrent weight matrix W_hh after PyTorch's default initialisation.",
)
seed = left.number_input("Seed", 0, 10_000, 0, key="inside_seed")

snap = layer_snapshot(cell, hidden_size, seq_len, scale, int(seed))
norms = snap.grad_norm
first, last = norms[0], norms[-1]
ratio = "0" if last == 0 else f"{first / last:.2e}"
st.metric(
    "‖∂L/∂h₁‖ ÷ ‖∂L/∂h_T‖",
    ratio,
    help="How much of the last step's gradient is left at the first step. Far below 1: vanishing. Far above 1: exploding.",
)

charts = st.columns(2)
show_figure(state_heatmap(snap.hidden, "Hidden state h_t", "h"), charts[0])
show_figure(gradient_norm_chart(norms, f"How far back the gradient of L_T reaches (T = {seq_len})", "‖∂L_T/∂h_t‖"), charts[1])
st.caption(
    "L_T = ½‖h_T‖²: a loss at the last step only, so every gradient before T arrives through the recurrence. "
    "Untrained LSTMs and GRUs forget too: their gates sit near 0.5 until training teaches them to hold on."
)

panels = ([("Cell state c_t", "c", snap.cell, False)] if snap.cell is not None else []) + [
    (GATES[name].title, name, values, GATES[name].bounded) for name, values in snap.gates.items()
]
if panels:
    st.subheader("Gates and cell state")
    for row_start in range(0, len(panels), 2):
        cols = st.columns(2)
        for col, (title, label, values, bounded) in zip(cols, panels[row_start : row_start + 2]):
            show_figure(state_heatmap(values, title, label, bounded=bounded), col)
else:
    st.info("A plain RNN has no gates: its whole state is h_t. Choose LSTM or GRU to see gates.")
