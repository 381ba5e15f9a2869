"""Parallel in training, recurrent at run time: one linear recurrence (a minGRU) computed both ways on the same weights.

A minGRU's gates read x_t alone, so a_t = 1 − z_t and b_t = z_t ⊙ h̃_t are known for every step before any h_t is:
h_t = a_t ⊙ h_{t−1} + b_t can then be solved for the whole sequence at once by a scan (``linear_scan``: log₂ T
vectorised steps, how it trains) or one step after another (T steps, how it runs on a stream, one x_t at a time). A GRU
cannot do the first: its z_t reads h_{t−1}, which must be computed before z_t is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from rnn_core.nn.linear_layers import _LinearRecurrence, linear_scan, step_by_step

LENGTHS = (10, 25, 50, 100, 200, 400, 800)  # the sequence lengths timed on the page
TIMING_BATCH = 32  # sequences per timed call, as a training batch has


@dataclass(frozen=True)
class BothWays:
    """Layer 1 (forward direction) of a linear recurrence on one sequence, by the loop and by the scan."""

    step_coefficient: np.ndarray  # (T, H): |a_t|, known before any h_t (the S6 layer's: its first state number)
    loop: np.ndarray  # (T, H): y_t step by step
    scan: np.ndarray  # (T, H): y_t by the scan
    largest_difference: float  # max |loop − scan|


def both_ways(layer: _LinearRecurrence, x: Tensor) -> BothWays:
    """``x`` is one sequence ``(T, H_in)`` as layer 1 reads it (already one-hot encoded or embedded)."""
    with torch.no_grad():
        a, b, _ = layer.coefficients(x, 0)
        h0 = torch.zeros(layer.state_shape, dtype=layer.state_dtype(x.dtype))
        loop, scan = layer.read_out(step_by_step(a, b, h0), x, 0), layer.read_out(linear_scan(a, b, h0), x, 0)
    coefficient = a.abs().reshape(a.size(0), layer.hidden_size, -1)[..., 0]  # |a_t|; the S6 layer's: its first state number
    return BothWays(coefficient.numpy(), loop.numpy(), scan.numpy(), float((loop - scan).abs().max()))


def _outputs(layer: _LinearRecurrence, x: Tensor, h0: Tensor, solve) -> Tensor:
    """Layer 1's every output y_t, its recurrence solved by ``solve`` (:func:`step_by_step` or ``linear_scan``)."""
    a, b, _ = layer.coefficients(x, 0)
    return layer.read_out(solve(a, b, h0), x, 0)


def _best_ms(repeats: int, *arguments) -> float:
    """The fastest of ``repeats`` runs of :func:`_outputs`, in milliseconds: the least disturbed by whatever else the
    machine does."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        _outputs(*arguments)
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def timings(layer: _LinearRecurrence, lengths=LENGTHS, batch: int = TIMING_BATCH, repeats: int = 3, seed: int = 0) -> pd.DataFrame:
    """Milliseconds for layer 1 to compute every output of a batch of random sequences, by the loop and by the scan,
    for each length T: columns ``T``, ``loop_ms``, ``scan_ms``, ``speed_up`` (loop ÷ scan). Measured here and now, so
    the numbers are this machine's (and as noisy as it is busy)."""
    generator = torch.Generator().manual_seed(seed)
    rows = []
    with torch.no_grad():
        h0 = torch.zeros((batch, *layer.state_shape), dtype=layer.state_dtype(torch.float32))
        for T in lengths:
            x = torch.randn(T, batch, layer.input_size, generator=generator)
            loop_ms = _best_ms(repeats, layer, x, h0, step_by_step)
            scan_ms = _best_ms(repeats, layer, x, h0, linear_scan)
            rows.append({"T": T, "loop_ms": loop_ms, "scan_ms": scan_ms, "speed_up": loop_ms / scan_ms})
    return pd.DataFrame(rows)
