"""The notes' worked example, redone with your numbers: forward pass, BPTT by hand against autograd, one step of descent."""

import pandas as pd
import streamlit as st

import ui  # noqa: F401  (a fresh server's first page: see ui/__init__.py)
from rnn_core.lessons.errata_checks import worked_numbers
from rnn_core.lessons.notes import PARAMETERS, ScalarWeights, bptt_sums, scalar_autograd, scalar_bptt, scalar_forward
from ui.live import stop_page

st.title("Worked example: one unit, by hand")
st.markdown(
    "h_t = tanh(W_hh·h_{t−1} + W_xh·x_t + b_h), ŷ_t = W_hy·h_t + b_y, and the target is the next input, y_t = x_{t+1}. "
    "The loss is L = Σ_t L_t with L_t = ½(ŷ_t − y_t)². Every number below is editable."
)
cols = st.columns(6)
labels = {"w_hh": "W_hh", "w_xh": "W_xh", "b_h": "b_h", "w_hy": "W_hy", "b_y": "b_y", "h_0": "h_0"}
defaults = ScalarWeights()
values = {
    name: col.number_input(label, -10.0, 10.0, getattr(defaults, name), 0.1, key=f"we_{name}", format="%.3f")
    for col, (name, label) in zip(cols, labels.items())
}
weights = ScalarWeights(**values)
left, right = st.columns([4, 1])
text = left.text_input("Inputs x_1, x_2, …", "1, 2, 3, 4, 5, 6, 7, 8, 9, 10", key="we_inputs")
lr = right.number_input("Learning rate α", 0.0, 10.0, 0.01, 0.001, key="we_lr", format="%.4f")
try:
    xs = [float(v) for v in text.replace(";", ",").split(",") if v.strip()]
    forward = scalar_forward(weights, xs)
except ValueError as e:
    st.error(f"Those inputs cannot be used: {e}. Write numbers separated by commas, e.g. 1, 2, 3.")
    stop_page()

st.subheader("1. Forward pass")
st.dataframe(forward.round(3), hide_index=True, width="stretch")
st.metric("Total loss L = Σ L_t", f"{forward['L_t'].sum():.3f}")
notes = worked_numbers()  # with the notes' own weights and inputs, whatever is edited above
st.info(
    f"**Where the notes slip.** They print L⁽¹⁾ = 0.719, but ½({notes.y_hat[0]:.3f} − 2)² = {notes.losses[0]:.3f}; and "
    f"h⁽²⁾ = 0.958 (ŷ⁽²⁾ = 1.150), but tanh(0.5·{notes.h[0]:.3f} + 0.8·2) = tanh({0.5 * notes.h[0] + 1.6:.3f}) = "
    f"{notes.h[1]:.3f} (ŷ⁽²⁾ = {notes.y_hat[1]:.3f}). The table above computes each value afresh; Errata in the notes "
    "lists every slip."
)

st.subheader("2. Backpropagation through time, term by term")
bptt = scalar_bptt(weights, forward)
st.dataframe(bptt.round(4), hide_index=True, width="stretch")
st.markdown(
    "δ_t = ∂L/∂h_t collects two paths: the output at step t, (ŷ_t − y_t)·W_hy, and the next state, "
    "δ_{t+1}·(1 − h²_{t+1})·W_hh, computed backwards from the last step. "
    "**The notes' formulas differ in two ways:** they write the derivative of tanh as (1 − h)², where it is 1 − h²; and "
    "they stop at h_t, leaving out the path through h_{t+1}, h_{t+2}, … by which W_hh, W_xh and b_h also reach later losses."
)
by_hand = bptt_sums(bptt)
loss, autograd = scalar_autograd(weights, xs)
comparison = pd.DataFrame(
    {
        "parameter": [labels[p] for p in PARAMETERS],
        "by hand (Σ of the terms)": [by_hand[p] for p in PARAMETERS],
        "autograd (PyTorch)": [autograd[p] for p in PARAMETERS],
    }
)
comparison["difference"] = (comparison["by hand (Σ of the terms)"] - comparison["autograd (PyTorch)"]).abs()
st.dataframe(comparison, hide_index=True, width="stretch")
agree = bool((comparison["difference"] <= 1e-9 * (1 + comparison["autograd (PyTorch)"].abs())).all())
if agree:
    st.success("Every hand-written gradient equals autograd's.")
else:
    st.error("A hand-written gradient differs from autograd's: see the difference column.")

st.subheader("3. One step of gradient descent: θ ← θ − α·∂L/∂θ")
stepped = weights.step(by_hand, lr)
new_loss = scalar_forward(stepped, xs)["L_t"].sum()
st.dataframe(
    pd.DataFrame(
        {
            "parameter": [labels[p] for p in PARAMETERS],
            "before": [getattr(weights, p) for p in PARAMETERS],
            "after": [getattr(stepped, p) for p in PARAMETERS],
        }
    ),
    hide_index=True,
    width="stretch",
)
cols = st.columns(2)
cols[0].metric("Loss before", f"{loss:.4f}")
cols[1].metric("Loss after one step", f"{new_loss:.4f}", delta=f"{new_loss - loss:.4f}", delta_color="inverse")
