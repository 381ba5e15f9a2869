"""Shapes and parameters: every tensor and weight of a recurrent layer (PyTorch's or ours), and the count by formula."""

import streamlit as st

import ui  # noqa: F401  (a fresh server's first page: see ui/__init__.py)
from rnn_core.config import CELL_TITLES
from rnn_core.lessons.notes import parameter_formula_text, parameter_shapes, tensor_shapes
from rnn_core.nn.cell_facts import STATE_SIZE

st.title("Shapes and parameters")
st.markdown(
    "Choose a layer as you would write it in PyTorch and see the shape of everything that goes in and out, every weight "
    "by its PyTorch name, and the number of parameters by formula next to the count of a real model. "
    "(The notes' examples: input 4, hidden 3, output 4 gives 43; input 1, hidden 1, output 2 gives 8.)"
)
cells = {k: v for k, v in CELL_TITLES.items() if k != "mlp"}
c = st.columns(4)
cell = c[0].selectbox("Cell", list(cells), format_func=cells.get, key="sh_cell")
input_size = c[1].number_input("input_size H_in", 1, 512, 4, key="sh_input")
hidden_size = c[2].number_input("hidden_size H_out", 1, 512, 3, key="sh_hidden")
out_features = c[3].number_input("Output features k", 1, 512, 4, key="sh_out")
c = st.columns(5)
num_layers = c[0].number_input("num_layers", 1, 8, 1, key="sh_layers")
batch = c[1].number_input("Batch N", 1, 256, 1, key="sh_batch")
seq_len = c[2].number_input("Sequence length L", 1, 500, 4, key="sh_seq")
bidirectional = c[3].checkbox("bidirectional", key="sh_bidir")
batch_first = c[4].checkbox("batch_first", value=True, key="sh_batch_first")
sizes = dict(cell=cell, input_size=int(input_size), hidden_size=int(hidden_size), num_layers=int(num_layers), bidirectional=bidirectional)

st.subheader("Tensors")
# st.table, not st.dataframe: a few rows, all shown, as plain HTML, which the browser draws much sooner than the data
# grid (README, Performance)
tensors = tensor_shapes(**sizes, batch_first=batch_first, batch=int(batch), seq_len=int(seq_len), out_features=int(out_features))
st.table(tensors, hide_index=True)
st.caption("D = 2 for a bidirectional layer, else 1. batch_first changes the input and output only, never h or c.")

st.subheader("Parameters")
table = parameter_shapes(**sizes, out_features=int(out_features))
st.table(table, hide_index=True)
formula = parameter_formula_text(**sizes, out_features=int(out_features))
left, right = st.columns([3, 1])
left.markdown(f"**By formula:** {formula}")
left.caption(
    "Per layer and direction: G·(H·H_in + H + H·H + H) with G = 1 (RNN), 3 (GRU) or 4 (LSTM), then the head k·(D·H) + k. "
    "minGRU (G = 2) and minLSTM (G = 3) have no W_hh or b_hh: G·(H·H_in + H). "
    "The LRU: ν, θ and γ (H each), B and C as real and imaginary parts (2·H·H_in, 2·H·H) and D (H·H_in). "
    f"The S6 layer, with a state of N = {STATE_SIZE} per channel: W_in, b_in, W_Δ, b_Δ, W_B and W_C (N·H each), A_log (H·N) and D (H)."
)
right.metric("Counted in the model", f"{int(table['count'].sum()):,}")
