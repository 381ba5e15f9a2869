"""torch.nn.RNN by hand: predict an all-ones layer's outputs and check them, then the same layer three other ways."""

import math

import pandas as pd
import streamlit as st
import torch

import ui  # noqa: F401  (a fresh server's first page: see ui/__init__.py)
from rnn_core.lessons.by_hand import ONES_EXAMPLES, all_ones_rnn, pseudo_matrix_outputs, scalar_by_hand, stacked_by_hand, two_biases
from rnn_core.train.trainer import seeded

st.title("nn.RNN by hand")
st.markdown(
    "PyTorch's `nn.RNN` computes, at every step, **h_t = tanh(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh)**, from "
    "h_0 = 0 unless you pass one. Below, a layer of one unit whose every weight and bias is 1: work out its outputs "
    "yourself, then check them against PyTorch."
)

st.subheader("Predict, then check")
example = st.selectbox("Input", list(ONES_EXAMPLES), key="bh_example")
x = ONES_EXAMPLES[example]  # (N, L, 1), batch first
st.dataframe(
    pd.DataFrame(x[..., 0].numpy(), index=[f"sequence {n + 1}" for n in range(len(x))], columns=[f"x_{t + 1}" for t in range(x.size(1))]),
    width="stretch",
)
guess_text = st.text_input(
    "Your h_1, h_2, … for sequence 1 (numbers separated by commas)", key="bh_guess", placeholder="e.g. 0.99, 0.999, …"
)
guesses = []
for part in (p for p in guess_text.split(",") if p.strip()):
    try:
        guesses.append(float(part))
    except ValueError:
        st.error(f"'{part.strip()}' is not a number: write your guesses as decimals, separated by commas.")
        guesses = []
        break

rnn = all_ones_rnn()
with torch.no_grad():
    output, h_n = rnn(x)
if st.toggle("Show PyTorch's answers", key="bh_show"):
    xs = x[0, :, 0].tolist()
    by_hand, h = scalar_by_hand(xs), 0.0
    rows = []
    for t, (x_t, h_t) in enumerate(zip(xs, by_hand)):
        argument = x_t + 1 + h + 1
        rows.append(
            {
                "t": t + 1,
                "x_t": x_t,
                "by hand": f"tanh({x_t:g} + 1 + {h:.4f} + 1) = tanh({argument:.4f}) = {h_t:.4f}",
                "your guess": guesses[t] if t < len(guesses) else None,
                "nn.RNN's h_t": round(float(output[0, t, 0]), 4),
                "yours within 0.001": ("yes" if abs(guesses[t] - h_t) < 1e-3 else "no") if t < len(guesses) else "",
            }
        )
        h = h_t
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(
        f"The first step is already tanh(3) = {math.tanh(3):.4f}: with every weight 1, each later step adds about 1 "
        "more to the argument, and tanh saturates toward 1. A negative input pulls it back for one step. "
        f"PyTorch's output and the hand computation differ by at most "
        f"{max(abs(float(output[0, t, 0]) - v) for t, v in enumerate(by_hand)):.1e} (float32)."
    )
    cols = st.columns(3)
    cols[0].metric("output shape (N, L, H)", " × ".join(map(str, output.shape)))
    cols[1].metric("h_n shape (layers, N, H)", " × ".join(map(str, h_n.shape)))
    cols[2].metric("h_n equals the output's last step", "yes" if torch.equal(h_n[0], output[:, -1]) else "no")
    st.caption(
        "`output` holds h_t of every step of the last layer; `h_n` holds the last step of every layer. For one layer, "
        "h_n is the output's last row: `torch.equal(h_n[0], output[:, -1])`."
    )
else:
    st.info("Work out h_1 … h_L for sequence 1, type them above, then show PyTorch's answers.")

st.subheader("One matrix or two")
seed = int(st.number_input("Seed (random weights)", 0, 10_000, 0, key="bh_seed"))
with seeded(seed):
    layer, inputs = torch.nn.RNN(3, 4, batch_first=True), torch.randn(2, 5, 3)
with torch.no_grad():
    torch_out, _ = layer(inputs)
    stacked_out = pseudo_matrix_outputs(layer, inputs)
st.markdown(
    "The notes stack the two products into one: **h_t = tanh([W_xh W_hh] [x_t; h_{t−1}] + b)**, one matrix of shape "
    f"H × (H_in + H) = {layer.hidden_size} × {layer.input_size + layer.hidden_size} times the stacked vector. PyTorch "
    "keeps W_ih (H × H_in) and W_hh (H × H) apart. A layer with 3 inputs and 4 units, random weights, 2 sequences of 5 steps:"
)
st.metric("Largest difference between the two forms", f"{float((torch_out - stacked_out).abs().max()):.1e}")

st.subheader("Two biases, one sum")
shift = st.slider("Move this much from b_hh into b_ih", -5.0, 5.0, 2.0, 0.5, key="bh_shift")
biases = two_biases(layer, inputs, shift)
st.markdown(
    "b_ih and b_hh are only ever added together, so moving any amount from one to the other changes nothing the layer "
    "computes, and training pushes both the same way: their gradients are the same numbers. One of them is redundant; "
    "PyTorch keeps both to match cuDNN's layout."
)
left, right = st.columns([1, 2])
left.metric("Largest change of any output", f"{biases.largest_output_change:.1e}")
right.dataframe(
    pd.DataFrame({"unit": range(1, layer.hidden_size + 1), "∂L/∂b_ih": biases.grad_b_ih.numpy(), "∂L/∂b_hh": biases.grad_b_hh.numpy()}),
    hide_index=True,
    width="stretch",
)
st.caption("L = Σ output², any loss would do. Changes of about 1e-7 are float32 rounding: the sums are added in another order.")

st.subheader("Two layers: W^[l]")
with seeded(seed):
    deep = torch.nn.RNN(3, 4, num_layers=2, batch_first=True)
with torch.no_grad():
    deep_out, _ = deep(inputs)
    deep_by_hand = stacked_by_hand(deep, inputs)
st.markdown(
    "In a stack, layer l reads the layer below at the same step: `h[l]_t = tanh(W_ih[l] h[l−1]_t + b_ih[l] + "
    "W_hh[l] h[l]_{t−1} + b_hh[l])`, with `h[0]_t = x_t`. So W_ih of layer 2 maps H numbers, not H_in: it is H × H."
)
left, right = st.columns([2, 1])
left.dataframe(
    pd.DataFrame([{"parameter": name, "shape": " × ".join(map(str, p.shape))} for name, p in deep.named_parameters()]),
    hide_index=True,
    width="stretch",
)
right.metric("Largest difference, by hand against nn.RNN", f"{float((deep_out - deep_by_hand).abs().max()):.1e}")
