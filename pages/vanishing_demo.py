"""The notes' vanishing/exploding demo: a one-unit ReLU RNN, its gradients by autograd, and what float32 does."""

import streamlit as st
import torch

from rnn_core.lessons.notes import scalar_relu_gradients
from rnn_core.viz import vanishing_by_hand_chart
from ui.charts import show_figure

st.title("Vanishing and exploding, by hand")
st.markdown(
    "One unit, no input: h_t = relu(w_h · h_{t−1}), h_0 = 1, prediction ŷ = w_y · h_L with w_y = 1, and a target one below "
    "ŷ so that the squared error is 1. Then ∂L/∂h_0 = 2·w_h^L: below 1, w_h shrinks it with every step; above 1, it grows."
)
left, right = st.columns([3, 1])
w_h = left.select_slider("Recurrent weight w_h", [0.1, 0.5, 0.9, 1.0, 1.1, 2.0, 10.0], value=0.1, key="demo_wh")
precision = right.radio("Precision", ["float32", "float64"], key="demo_dtype", horizontal=True)
table = scalar_relu_gradients(w_h, dtype=torch.float32 if precision == "float32" else torch.float64)

show_figure(vanishing_by_hand_chart(table["length L"].to_numpy(), table["∂/∂h_0"].to_numpy(), w_h))
st.dataframe(table, hide_index=True, width="stretch")

zeros = table[table["loss"] == 0]
if len(zeros):
    L = int(zeros["length L"].iloc[0])
    st.warning(
        f"At length {L} every gradient is exactly 0, not {2 * w_h**L:.3g}. In {precision}, ŷ = {zeros['ŷ'].iloc[0]:.6g} and "
        f"ŷ − 1 are the same number (the gap between neighbouring float32 numbers there is far above 1), so the target "
        "equals the prediction and the loss is 0. Switch to float64 to see the exploding gradient."
    )
