"""The LSTM's and GRU's equations two ways, on a layer's own weights: the notes' form, one weight per gate on the
concatenated [h_{t−1}, x_t], and PyTorch's, which splits each into W_i· x_t + b_i· + W_h· h_{t−1} + b_h·.

For the LSTM the two are one model written twice: W_f = [W_hf | W_if] and b_f = b_if + b_hf. The GRU differs twice.
PyTorch's z_t keeps h_{t−1} (h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}) where the notes' z_t replaces it: the notes' z_t is
PyTorch's 1 − z_t, a relabelling (negate the weights and bias of z and it is the same model). And PyTorch applies r_t
after the product, r_t ⊙ (W_hn h_{t−1} + b_hn), as cuDNN does, where the notes apply it before, W (r_t ⊙ h_{t−1}): a
different model, which computes other states from the same weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch
from torch import Tensor

NOTES_FORMS = {  # the notes' form, [h_{t−1}, x_t] concatenated (one weight per gate): one equation each
    "lstm": (
        "f_t = σ(W_f [h_{t−1}, x_t] + b_f)",
        "i_t = σ(W_i [h_{t−1}, x_t] + b_i)",
        "C̃_t = tanh(W_c [h_{t−1}, x_t] + b_c)",
        "C_t = f_t ⊙ C_{t−1} + i_t ⊙ C̃_t",
        "o_t = σ(W_o [h_{t−1}, x_t] + b_o)",
        "h_t = o_t ⊙ tanh(C_t)",
    ),
    "gru": (
        "z_t = σ(W_z [h_{t−1}, x_t])",
        "r_t = σ(W_r [h_{t−1}, x_t])",
        "h̃_t = tanh(W [r_t ⊙ h_{t−1}, x_t])",
        "h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t",
    ),
}
TORCH_FORMS = {  # torch.nn.LSTM's and torch.nn.GRU's documented equations
    "lstm": (
        "i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi)",
        "f_t = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf)",
        "g_t = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg)",
        "o_t = σ(W_io x_t + b_io + W_ho h_{t−1} + b_ho)",
        "c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t",
        "h_t = o_t ⊙ tanh(c_t)",
    ),
    "gru": (
        "r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)",
        "z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz)",
        "n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn))",
        "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}",
    ),
}
_BLOCKS = {  # the notes' symbol → its block in torch's rows, and the name torch's documentation gives it
    "lstm": [("W_i, b_i", 0, "i"), ("W_f, b_f", 1, "f"), ("W_c, b_c", 2, "g"), ("W_o, b_o", 3, "o")],
    "gru": [("W_r", 0, "r"), ("W_z (as 1 − z)", 1, "z"), ("W", 2, "n")],
}


def weight_blocks(cell: str, weights: dict[str, Tensor], hidden_size: int) -> pd.DataFrame:
    """Where each of the notes' weights sits in a layer's PyTorch parameters (layer 1), with its shape there."""
    H, H_in = hidden_size, weights["weight_ih_l0"].shape[1]
    rows = []
    for symbol, block, letter in _BLOCKS[cell]:
        rows_text = f"rows {block * H}–{(block + 1) * H - 1}"
        rows.append(
            {
                "notes": symbol,
                "PyTorch, on x_t": f"W_i{letter} = weight_ih_l0[{rows_text}]  ({H} × {H_in})",
                "PyTorch, on h_{t−1}": f"W_h{letter} = weight_hh_l0[{rows_text}]  ({H} × {H})",
                "notes' shape": f"{H} × {H + H_in}: [W_h{letter} | W_i{letter}]",
            }
        )
    return pd.DataFrame(rows)


def _layer_one(weights: dict[str, Tensor], G: int, H: int):
    """Layer 1's weights split into G blocks each: (W_i·, W_h·, b_i·, b_h·) per gate."""
    w_ih, w_hh = weights["weight_ih_l0"].split(H), weights["weight_hh_l0"].split(H)
    b_ih = weights.get("bias_ih_l0", torch.zeros(G * H)).split(H)
    b_hh = weights.get("bias_hh_l0", torch.zeros(G * H)).split(H)
    return w_ih, w_hh, b_ih, b_hh


def lstm_states(weights: dict[str, Tensor], x: Tensor, notes_form: bool) -> Tensor:
    """Every h_t of layer 1 on one sequence ``x`` ``(T, H_in)``, from h_0 = c_0 = 0, in either form."""
    H = weights["weight_hh_l0"].shape[1]
    w_ih, w_hh, b_ih, b_hh = _layer_one(weights, 4, H)
    if notes_form:  # one weight per gate on [h_{t−1}, x_t], one bias
        W = [torch.cat([w_hh[k], w_ih[k]], dim=1) for k in range(4)]
        b = [b_ih[k] + b_hh[k] for k in range(4)]
        gate = lambda k, h, x_t: W[k] @ torch.cat([h, x_t]) + b[k]  # noqa: E731
    else:
        gate = lambda k, h, x_t: w_ih[k] @ x_t + b_ih[k] + w_hh[k] @ h + b_hh[k]  # noqa: E731
    h, c, hs = torch.zeros(H), torch.zeros(H), []
    for x_t in x:
        i, f, o = (torch.sigmoid(gate(k, h, x_t)) for k in (0, 1, 3))
        g = torch.tanh(gate(2, h, x_t))
        c = f * c + i * g
        h = o * torch.tanh(c)
        hs.append(h)
    return torch.stack(hs)


def gru_states(weights: dict[str, Tensor], x: Tensor, form: str) -> Tensor:
    """Every h_t of layer 1 on one sequence ``x`` ``(T, H_in)`` from h_0 = 0. ``form``: "torch" (PyTorch's equations),
    "notes_z" (the notes' z_t = 1 − PyTorch's, on negated weights, r after the product as PyTorch), or "notes" (the
    notes' z_t and r_t applied to h_{t−1} before the product)."""
    H = weights["weight_hh_l0"].shape[1]
    w_ih, w_hh, b_ih, b_hh = _layer_one(weights, 3, H)
    h, hs = torch.zeros(H), []
    for x_t in x:
        r = torch.sigmoid(w_ih[0] @ x_t + b_ih[0] + w_hh[0] @ h + b_hh[0])
        if form == "torch":
            z = torch.sigmoid(w_ih[1] @ x_t + b_ih[1] + w_hh[1] @ h + b_hh[1])
            n = torch.tanh(w_ih[2] @ x_t + b_ih[2] + r * (w_hh[2] @ h + b_hh[2]))
            h = (1 - z) * n + z * h
        else:
            z = torch.sigmoid(-(w_ih[1] @ x_t + b_ih[1] + w_hh[1] @ h + b_hh[1]))  # the notes' z: the share replaced
            inside = r * (w_hh[2] @ h + b_hh[2]) if form == "notes_z" else w_hh[2] @ (r * h) + b_hh[2]
            candidate = torch.tanh(w_ih[2] @ x_t + b_ih[2] + inside)
            h = (1 - z) * h + z * candidate
        hs.append(h)
    return torch.stack(hs)


@dataclass(frozen=True)
class TwoForms:
    """How far the notes' form is from PyTorch's on a layer's own weights: the largest |h_t difference| over a sequence."""

    same_model: float  # the LSTM's concatenation, or the GRU's relabelled z: float32 rounding only
    r_before_product: float | None  # the GRU with r applied to h_{t−1} before W_hn: another model (None for the LSTM)
    states: Tensor  # PyTorch's h_t, (T, H), for scale


def compare_forms(cell: str, weights: dict[str, Tensor], x: Tensor) -> TwoForms:
    with torch.no_grad():
        if cell == "lstm":
            reference = lstm_states(weights, x, notes_form=False)
            return TwoForms(float((lstm_states(weights, x, notes_form=True) - reference).abs().max()), None, reference)
        reference = gru_states(weights, x, "torch")
        relabelled = float((gru_states(weights, x, "notes_z") - reference).abs().max())
        return TwoForms(relabelled, float((gru_states(weights, x, "notes") - reference).abs().max()), reference)
