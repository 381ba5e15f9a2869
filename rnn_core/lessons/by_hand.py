"""torch.nn.RNN by hand: the all-ones examples of the notes, the output against h_n, the pseudo-matrix form
[W_xh W_hh][x; h], why one of the two biases is redundant, and a second layer reading the first.

Everything here is computed twice, once by torch.nn.RNN itself and once written out (Python's math.tanh on numbers,
or the one stacked matrix product), so a page can show that the two agree rather than say so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

# The notes' two all-ones examples: 1…20 as 4 sequences of 5 steps (batch first), and one sequence with a negative input
ONES_EXAMPLES: dict[str, torch.Tensor] = {
    "1…20 viewed as (4, 5, 1): 4 sequences of 5 steps": torch.arange(1.0, 21.0).view(4, 5, 1),
    "[1, 2, −1, 1]: one sequence of 4 steps": torch.tensor([1.0, 2.0, -1.0, 1.0]).view(1, 4, 1),
}


def all_ones_rnn(input_size: int = 1, hidden_size: int = 1, num_layers: int = 1) -> nn.RNN:
    """torch.nn.RNN (tanh, batch first) with every weight and bias set to 1."""
    rnn = nn.RNN(input_size, hidden_size, num_layers, batch_first=True)
    with torch.no_grad():
        for p in rnn.parameters():
            p.fill_(1.0)
    return rnn


def scalar_by_hand(xs: list[float], w_ih: float = 1.0, w_hh: float = 1.0, b_ih: float = 1.0, b_hh: float = 1.0) -> list[float]:
    """h_t = tanh(w_ih·x_t + b_ih + w_hh·h_{t−1} + b_hh) from h_0 = 0, one number at a time."""
    h, hs = 0.0, []
    for x in xs:
        h = math.tanh(w_ih * x + b_ih + w_hh * h + b_hh)
        hs.append(h)
    return hs


def pseudo_matrix_outputs(rnn: nn.RNN, x: torch.Tensor) -> torch.Tensor:
    """Layer 1 of ``rnn`` as the notes write it: one matrix [W_xh W_hh] times the stacked vector [x_t; h_{t−1}], plus
    one bias b_ih + b_hh. ``x`` is ``(N, L, H_in)``; returns every h_t, ``(N, L, H)``."""
    stacked = torch.cat([rnn.weight_ih_l0, rnn.weight_hh_l0], dim=1)  # (H, H_in + H)
    bias = rnn.bias_ih_l0 + rnn.bias_hh_l0
    h, hs = torch.zeros(x.size(0), rnn.hidden_size), []
    for t in range(x.size(1)):
        h = torch.tanh(torch.cat([x[:, t], h], dim=1) @ stacked.T + bias)
        hs.append(h)
    return torch.stack(hs, dim=1)


def stacked_by_hand(rnn: nn.RNN, x: torch.Tensor) -> torch.Tensor:
    """Every layer of a stacked ``rnn`` written out: layer l reads h^[l−1]_t (x_t for the first) through its own
    W_ih^[l], which is H × H above the first layer. Returns the last layer's h_t, ``(N, L, H)``, as torch's output."""
    inputs = x
    for layer in range(rnn.num_layers):
        w_ih, w_hh = getattr(rnn, f"weight_ih_l{layer}"), getattr(rnn, f"weight_hh_l{layer}")
        b = getattr(rnn, f"bias_ih_l{layer}") + getattr(rnn, f"bias_hh_l{layer}")
        h, hs = torch.zeros(x.size(0), rnn.hidden_size), []
        for t in range(x.size(1)):
            h = torch.tanh(inputs[:, t] @ w_ih.T + h @ w_hh.T + b)
            hs.append(h)
        inputs = torch.stack(hs, dim=1)
    return inputs


@dataclass(frozen=True)
class TwoBiases:
    """What moving ``shift`` from b_hh into b_ih does to a layer: nothing to its outputs, and the two gradients equal."""

    shift: float
    largest_output_change: float  # |output after − output before|, max
    grad_b_ih: torch.Tensor  # ∂L/∂b_ih, L = Σ output²
    grad_b_hh: torch.Tensor  # ∂L/∂b_hh: the same numbers


def two_biases(rnn: nn.RNN, x: torch.Tensor, shift: float) -> TwoBiases:
    """``rnn`` itself is left as it was (a copy is shifted)."""
    with torch.no_grad():
        before, _ = rnn(x)
    moved = nn.RNN(rnn.input_size, rnn.hidden_size, batch_first=True)
    moved.load_state_dict(rnn.state_dict())
    with torch.no_grad():
        moved.bias_ih_l0 += shift
        moved.bias_hh_l0 -= shift
    after, _ = moved(x)
    (after**2).sum().backward()
    change = float((after.detach() - before).abs().max())
    return TwoBiases(shift, change, moved.bias_ih_l0.grad.detach(), moved.bias_hh_l0.grad.detach())
