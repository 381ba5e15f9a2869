"""A bare layer's insides on one input sequence, as plain numpy arrays ready for figures: the Inside-a-layer lesson,
and ``rnn_core.snapshot_layer`` in a notebook.

A snapshot runs ``layer.record`` once and keeps, for one layer and direction of the first sample: every h_t, every
c_t (LSTM), every gate, and ‖∂L_τ/∂h_t‖ for a loss at a single step τ, which is where vanishing and exploding
gradients show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn


@dataclass(frozen=True)
class LayerSnapshot:
    """One layer-direction of one sample. Arrays are ``(T, H)`` except ``grad_norm``, ``(T,)``."""

    hidden: np.ndarray
    cell: np.ndarray | None
    gates: dict[str, np.ndarray]
    grad_norm: np.ndarray
    loss_step: int  # τ, 0-based, of the loss L_τ = ½‖h_τ‖² behind grad_norm


def sine_wave(seq_len: int, period: float = 20.0) -> Tensor:
    """x_t = sin(2π t / period) for t = 0 .. seq_len-1, shaped ``(T, 1)`` (unbatched, one feature)."""
    if seq_len < 1:
        raise ValueError(f"seq_len must be at least 1, got {seq_len}")
    t = torch.arange(seq_len, dtype=torch.float32)
    return torch.sin(2 * math.pi * t / period).unsqueeze(-1)  # (T, 1)


def snapshot_layer(layer: nn.Module, x: Tensor, layer_index: int = -1, direction: int = 0, loss_step: int = -1) -> LayerSnapshot:
    """Record ``layer`` on ``x`` and keep layer ``layer_index``'s view of the first sample.

    The gradient is that of L_τ = ½‖h_τ‖², the squared top-layer output at step τ = ``loss_step``
    (negative counts from the end), with respect to every h_t of the chosen layer and direction.
    """
    rec = layer.record(x)
    output = rec.output if rec.output.dim() == 2 else rec.output.select(1 if not layer.batch_first else 0, 0)  # (T, D*H)
    seq_len = output.size(0)
    tau = loss_step % seq_len
    loss = 0.5 * output[tau].pow(2).sum()
    row = rec.row(layer_index % rec.num_layers, direction)
    norms = rec.hidden_grad_norm(loss)[row]  # (T,) over the whole batch; batch is 1 here when x is unbatched

    def first_sample(t: Tensor) -> np.ndarray:
        return t[row, 0].numpy()  # (T, H)

    return LayerSnapshot(
        hidden=first_sample(rec.hidden),
        cell=None if rec.cell is None else first_sample(rec.cell),
        gates={name: first_sample(g) for name, g in rec.gates.items()},
        grad_norm=norms.numpy(),
        loss_step=tau,
    )
