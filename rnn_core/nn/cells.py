"""One time step of each recurrent cell, written as the textbook equations.

Each step function takes

- ``x_proj``: the input's contribution for this step, ``W_ih x_t + b_ih``, shape ``(B, G*H)``.
  The layer computes it for the whole sequence at once because it does not
  depend on the recurrence; the recurrence itself is applied one step at a time.
- ``state``: the previous state as a tuple, ``(h,)`` or ``(h, c)`` for the LSTM, each ``(B, H)``.
- ``w_hh`` ``(G*H, H)`` and ``b_hh`` ``(G*H,)`` or ``None``.

and returns ``(new_state, gates)``, where ``gates`` maps a gate's name to its
activation ``(B, H)`` after its nonlinearity. The weight layout is PyTorch's,
so weights copied from ``torch.nn.LSTM``/``GRU``/``RNN`` mean the same here:
LSTM rows are ``(W_ii | W_if | W_ig | W_io)``, GRU rows ``(W_ir | W_iz | W_in)``.

These functions hold no parameters and keep nothing: the layers own the weights
and decide what to record.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

State = tuple[Tensor, ...]
Gates = dict[str, Tensor]


def rnn_tanh_step(x_proj: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> tuple[State, Gates]:
    """h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)."""
    (h,) = state
    h = torch.tanh(x_proj + F.linear(h, w_hh, b_hh))  # (B, H)
    return (h,), {}


def rnn_relu_step(x_proj: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> tuple[State, Gates]:
    """h_t = relu(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)."""
    (h,) = state
    h = torch.relu(x_proj + F.linear(h, w_hh, b_hh))  # (B, H)
    return (h,), {}


def lstm_step(x_proj: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> tuple[State, Gates]:
    """One LSTM step.

    i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)      input gate
    f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)      forget gate
    g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)   candidate cell ("cell" gate)
    o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)      output gate
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    h_t = o_t ⊙ tanh(c_t)
    """
    h, c = state
    i, f, g, o = (x_proj + F.linear(h, w_hh, b_hh)).chunk(4, dim=-1)  # each (B, H)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c + i * g  # (B, H)
    h = o * torch.tanh(c)  # (B, H)
    return (h, c), {"input": i, "forget": f, "cell": g, "output": o}


def gru_step(x_proj: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> tuple[State, Gates]:
    """One GRU step, in PyTorch's form (the reset gate scales W_hn h + b_hn, not h).

    r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)             reset gate
    z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)             update gate
    n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))  new (candidate) state
    h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}
    """
    (h,) = state
    x_r, x_z, x_n = x_proj.chunk(3, dim=-1)  # each (B, H)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, dim=-1)  # each (B, H)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    h = (1 - z) * n + z * h  # (B, H)
    return (h,), {"reset": r, "update": z, "new": n}


STEP_FUNCTIONS = {"RNN_TANH": rnn_tanh_step, "RNN_RELU": rnn_relu_step, "LSTM": lstm_step, "GRU": gru_step}  # by torch's mode name
