"""The linear recurrences as a student would write them in plain PyTorch, for the bench's baseline: the gates of every
step at once (they read only x_t), then a Python loop over t for h_t = a_t ⊙ h_{t−1} + b_t.

Written from the papers' equations, not from rnn_core: minGRU and minLSTM (Feng et al. 2024), the LRU (Orvieto et al.
2023) and the S6 layer (Gu and Dao 2023, simplified as rnn_core's). Their starting values do not matter for speed, so
each layer starts as ``nn.Linear`` and ``torch.randn`` start it. The loop is the fastest exact plain form for a state
of any sign: the cumulative-product form divides by products that underflow to 0 on long sequences, and the minGRU
paper's log-space form needs a positive candidate, another model.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class _PlainLinear(nn.Module):
    """Stacked layers of h_t = a_t ⊙ h_{t−1} + b_t, batch first; ``forward`` returns ``(outputs, final states)``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.layers = nn.ModuleList(self.make_layer(input_size if k == 0 else hidden_size, hidden_size) for k in range(num_layers))

    def forward(self, x: Tensor, state: Tensor | None = None) -> tuple[Tensor, Tensor]:
        finals = []
        for k, layer in enumerate(self.layers):
            a, b, made = self.coefficients(layer, x)  # (B, T, *state), and what the read-out needs besides the states
            h = torch.zeros_like(b[:, 0]) if state is None else state[k]
            states = []
            for a_t, b_t in zip(a.transpose(0, 1).contiguous(), b.transpose(0, 1).contiguous()):  # time first: whole rows
                h = a_t * h + b_t
                states.append(h)
            finals.append(h)
            x = self.read_out(layer, torch.stack(states, 1), x, made)
        return x, torch.stack(finals)

    def read_out(self, layer: nn.Module, states: Tensor, x: Tensor, made) -> Tensor:
        return states


class PlainMinGRU(_PlainLinear):
    def make_layer(self, n_in: int, H: int) -> nn.Module:
        return nn.Linear(n_in, 2 * H)

    def coefficients(self, layer, x):
        z, candidate = layer(x).chunk(2, dim=-1)
        z = torch.sigmoid(z)
        return 1 - z, z * candidate, None


class PlainMinLSTM(_PlainLinear):
    def make_layer(self, n_in: int, H: int) -> nn.Module:
        return nn.Linear(n_in, 3 * H)

    def coefficients(self, layer, x):
        f, i, candidate = layer(x).chunk(3, dim=-1)
        f, i = torch.sigmoid(f), torch.sigmoid(i)
        return f / (f + i), i / (f + i) * candidate, None


class PlainLRU(_PlainLinear):
    """x_t = λ ⊙ x_{t−1} + γ ⊙ B u_t, y_t = Re(C x_t) + D u_t, with λ = exp(−exp(ν) + i·exp(θ))."""

    def make_layer(self, n_in: int, H: int) -> nn.Module:
        layer = nn.Module()
        layer.nu_log, layer.theta_log, layer.gamma_log = (nn.Parameter(torch.randn(H) * 0.1 - 3) for _ in range(3))
        layer.B = nn.Parameter(torch.randn(H, n_in, dtype=torch.complex64) / math.sqrt(2 * n_in))
        layer.C = nn.Parameter(torch.randn(H, H, dtype=torch.complex64) / math.sqrt(H))
        layer.D = nn.Parameter(torch.randn(H, n_in) / math.sqrt(n_in))
        return layer

    def coefficients(self, layer, x):
        eigenvalues = torch.exp(torch.complex(-torch.exp(layer.nu_log), torch.exp(layer.theta_log)))
        b = torch.exp(layer.gamma_log) * (x.to(torch.complex64) @ layer.B.T)
        return eigenvalues.expand_as(b), b, None

    def read_out(self, layer, states, x, made):
        return (states @ layer.C.T).real + x @ layer.D.T


class PlainS6(_PlainLinear):
    """u_t = W_in x_t + b_in; Δ_t = softplus(W_Δ u_t + b_Δ); h_t = exp(Δ_t ⊗ A) ⊙ h_{t−1} + (Δ_t ⊙ u_t) ⊗ B_t;
    y_t = h_t C_t + D ⊙ u_t, with B_t = W_B u_t and C_t = W_C u_t in R^N."""

    state_size = 8

    def make_layer(self, n_in: int, H: int) -> nn.Module:
        N, layer = self.state_size, nn.Module()
        layer.inputs, layer.delta = nn.Linear(n_in, H), nn.Linear(H, H)
        layer.B, layer.C = nn.Linear(H, N, bias=False), nn.Linear(H, N, bias=False)
        layer.A_log = nn.Parameter(torch.log(torch.arange(1, N + 1, dtype=torch.float32)).repeat(H, 1))
        layer.D = nn.Parameter(torch.ones(H))
        return layer

    def coefficients(self, layer, x):
        u = layer.inputs(x)
        delta = F.softplus(layer.delta(u))
        a = torch.exp(delta.unsqueeze(-1) * -torch.exp(layer.A_log))
        return a, (delta * u).unsqueeze(-1) * layer.B(u).unsqueeze(-2), u

    def read_out(self, layer, states, x, u):
        return (states * layer.C(u).unsqueeze(-2)).sum(-1) + layer.D * u


PLAIN_LINEAR = {"mingru": PlainMinGRU, "minlstm": PlainMinLSTM, "lru": PlainLRU, "s6": PlainS6}
