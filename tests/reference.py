"""Helpers shared by the tests: torch's own modules as the oracle for ours."""

from __future__ import annotations

import torch
from torch import nn

import rnn_core

CELLS = {
    "rnn_tanh": (nn.RNN, rnn_core.RNN, {"nonlinearity": "tanh"}),
    "rnn_relu": (nn.RNN, rnn_core.RNN, {"nonlinearity": "relu"}),
    "lstm": (nn.LSTM, rnn_core.LSTM, {}),
    "gru": (nn.GRU, rnn_core.GRU, {}),
}


def make_pair(cell: str, seed: int = 0, **kwargs) -> tuple[nn.Module, nn.Module]:
    """torch's module with seeded weights, and ours loaded from its state_dict."""
    torch_cls, our_cls, extra = CELLS[cell]
    torch.manual_seed(seed)
    theirs = torch_cls(**extra, **kwargs)
    ours = our_cls(**extra, **kwargs)
    ours.load_state_dict(theirs.state_dict())
    return theirs, ours


def random_hx(cell: str, shape: tuple[int, ...], generator: torch.Generator, requires_grad: bool = True):
    """A random initial state of the given shape: h_0, or (h_0, c_0) for an LSTM."""

    def one():
        return torch.randn(shape, generator=generator).requires_grad_(requires_grad)

    return (one(), one()) if cell == "lstm" else one()


def state_tensors(state) -> list[torch.Tensor]:
    return list(state) if isinstance(state, tuple) else [state]


def weighted_loss(output: torch.Tensor, state, seed: int = 1) -> torch.Tensor:
    """A loss that every output element and final state reaches, with unequal weights and a square term."""
    g = torch.Generator().manual_seed(seed)
    loss = (output * torch.randn(output.shape, generator=g)).sum() + (output**2).sum() * 0.1
    for s in state_tensors(state):
        loss = loss + (s * torch.randn(s.shape, generator=g)).sum()
    return loss
