"""The spectra a probe snapshot keeps: the eigenvalues of every square block of W_hh, and the spectral radius of the
step Jacobian ∂s_t/∂s_{t−1} along the first probe sequence (rnn_core.nn.jacobians), within a budget of work, since
eigendecompositions are most of a snapshot's cost.

A cell that reads its state (RNN, GRU, LSTM) keeps a copy of each W_hh and b_hh beside the snapshot's own states and
gates (:class:`WeightSpectra`), from which the spectra are measured: at once, or, for a snapshot kept while training
whose spectra are cheap enough, by the view that first reads them. A linear recurrence's are measured at once
(:func:`linear_spectra`): its step Jacobian is diagonal and needs no eigendecomposition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor, nn

from rnn_core.nn.cell_facts import CELLS
from rnn_core.nn.jacobians import recorded_step_diagonals, recurrent_weights, sequence_step_jacobians

JACOBIAN_BUDGET = 4e9  # S³ summed over the step Jacobians a snapshot decomposes: about 2 s on one core
KEPT_JACOBIAN_BUDGET = 2.5e6  # ... for a snapshot kept while training and measured at once, by the training process
# A kept snapshot whose whole spectra cost at most this (every step's Jacobian and every W_hh block, Σ S³) leaves them
# to the view that first reads them, on the server, once: about 10 ms. The default LSTM's cost 1.1e7 (40 steps of a
# 64 × 64 Jacobian); larger models are measured at once within KEPT_JACOBIAN_BUDGET.
DEFERRED_COST = 2e7


class WeightBlock(NamedTuple):
    """One square block of a recurrent weight W_hh, whose eigenvalues a snapshot keeps: the layer, the direction, and
    for a gated cell (whose W_hh stacks one H×H block per gate) the gate; a plain RNN's whole W_hh has no gate."""

    layer: int
    reverse: bool = False
    gate: str = ""

    @property
    def label(self) -> str:
        """Its name in a chart's legend: the parameter's own suffix, and the gate (``l0``, ``l1_reverse:forget``)."""
        name = f"l{self.layer}" + ("_reverse" if self.reverse else "")
        return f"{name}:{self.gate}" if self.gate else name


def evenly_spread(count: int, most: int) -> np.ndarray:
    """Indices 0 … count − 1: all of them, or, past ``most``, that many (at least two) evenly spread, the first and the
    last included. What a budget of work affords of a sequence's steps or losses."""
    if count <= most:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, max(most, 2)).round().astype(int))


def jacobian_steps(seq_len: int, state_size: int, layer_directions: int, budget: float = JACOBIAN_BUDGET) -> np.ndarray:
    """The time steps whose step Jacobian a snapshot measures: all of them, unless that costs too much.

    An eigendecomposition of an S×S matrix costs about S³; past ``budget`` in all, the steps are spread evenly (first
    and last included), so that a big model's snapshot stays a few seconds.
    """
    return evenly_spread(seq_len, int(budget // (layer_directions * state_size**3)))


@dataclass(frozen=True)
class MeasuredSpectra:
    """Spectra measured as the snapshot was taken."""

    eigenvalues: dict[WeightBlock, np.ndarray]  # each square block of each W_hh -> its complex eigenvalues
    jacobian_radius: np.ndarray  # (LD, T), NaN at the steps not measured

    @property
    def nbytes(self) -> int:
        return self.jacobian_radius.nbytes + sum(v.nbytes for v in self.eigenvalues.values())


@dataclass(frozen=True)
class WeightSpectra:
    """A state-reading cell's spectra, measured from a copy of each W_hh and b_hh as they were and the snapshot's own
    states and gates (the first probe sequence), on first read; the same numbers whenever they are read.

    A snapshot kept while training is taken every ``probe_every`` steps, but it is shown only if a student replays
    that step on the Gradients page: left for that moment, its eigendecompositions (40 % of the default LSTM's
    snapshot) cost the training process a copy of the weights (16 KB) instead.
    """

    mode: str
    cell: str
    directions: int
    weights: tuple[tuple[np.ndarray, np.ndarray | None], ...]  # (W_hh, b_hh) per layer-direction
    hidden: np.ndarray  # (LD, B, T, H), the snapshot's own array: the first sequence is read
    cell_state: np.ndarray | None  # (LD, B, T, H), LSTM only
    gates: dict[str, np.ndarray]  # each (LD, B, T, H)
    budget: float  # of the step Jacobians' eigendecompositions (jacobian_steps)

    @classmethod
    def of(cls, twin: nn.Module, cell: str, hidden: np.ndarray, cell_state: np.ndarray | None, gates: dict, budget: float):
        weights = tuple((w.clone().numpy(), None if b is None else b.clone().numpy()) for w, b in recurrent_weights(twin))
        return cls(twin.mode, cell, twin.num_directions, weights, hidden, cell_state, gates, budget)

    @property
    def cost(self) -> float:
        """Σ S³ of every eigendecomposition the spectra would take with every step measured: the Jacobians' and the
        W_hh blocks'."""
        LD, _, T, H = self.hidden.shape
        return LD * (T * self._state_size**3 + len(self._blocks) * H**3)

    @cached_property
    def eigenvalues(self) -> dict[WeightBlock, np.ndarray]:
        """The eigenvalues of every square block of each layer-direction's W_hh (one H×H block per gate)."""
        blocks, out = self._blocks, {}
        for k, (weight, _) in enumerate(self.weights):
            H = weight.shape[1]
            values = eigenvalues(torch.from_numpy(weight).double().view(len(blocks), H, H)).numpy()  # all blocks at once
            out |= {WeightBlock(k // self.directions, k % self.directions == 1, gate): v for gate, v in zip(blocks, values)}
        return out

    @cached_property
    def jacobian_radius(self) -> np.ndarray:
        """(LD, T) the step Jacobian's spectral radius along the first sequence, at the steps the budget affords."""
        LD, _, T, _ = self.hidden.shape
        cell = None if self.cell_state is None else torch.from_numpy(self.cell_state[:, 0])
        steps = torch.from_numpy(jacobian_steps(T, self._state_size, LD, self.budget))
        weights = [(torch.from_numpy(w), None if b is None else torch.from_numpy(b)) for w, b in self.weights]
        gates = {g: torch.from_numpy(v[:, 0]) for g, v in self.gates.items()}
        jacobians = sequence_step_jacobians(self.mode, self.directions, weights, torch.from_numpy(self.hidden[:, 0]), cell, gates, steps)
        radii = torch.full((LD, T), torch.nan)
        radii[:, steps] = torch.stack([eigenvalues(jac).abs().amax(dim=-1) for jac in jacobians])  # float32: the cheapest exact way
        return radii.numpy()

    def measured(self) -> MeasuredSpectra:
        """Measured now, without the weights' copy."""
        return MeasuredSpectra(self.eigenvalues, self.jacobian_radius)

    @property
    def nbytes(self) -> int:
        """The weights' copies (the states are the snapshot's own), and what the spectra will hold once measured."""
        weights = sum(a.nbytes for pair in self.weights for a in pair if a is not None)
        LD, _, T, H = self.hidden.shape
        return weights + LD * T * 4 + LD * len(self._blocks) * H * 16

    @property
    def _state_size(self) -> int:
        """S of the step Jacobian ∂s_t/∂s_{t−1}: h, or (h, c) together for the LSTM."""
        H = self.hidden.shape[-1]
        return H if self.cell_state is None else 2 * H

    @property
    def _blocks(self) -> tuple[str, ...]:
        """The square blocks of each W_hh: one per gate of a gated cell, the whole matrix ("") of a plain RNN."""
        return CELLS[self.cell].gate_names or ("",)


def linear_spectra(twin: nn.Module, rec) -> MeasuredSpectra:
    """A linear recurrence's: its step Jacobian is diag(a_t), whose spectral radius is the largest |a_t| at every step;
    the LRU's step diag(λ) has λ for eigenvalues; the other linear cells have no W_hh, so no eigenvalues (their
    diagonal step changes with x_t: its radius says all)."""
    T = rec.hidden.size(2)
    radius = torch.stack([d.abs().amax(dim=-1) for d in recorded_step_diagonals(twin, rec, torch.arange(T))]).numpy()
    values = {}
    if twin.mode == "LRU":
        for k in range(twin.num_layers * twin.num_directions):
            values[WeightBlock(k // twin.num_directions, k % twin.num_directions == 1, "")] = twin.eigenvalues(k).detach().numpy()
    return MeasuredSpectra(values, radius)


def eigenvalues(matrices: Tensor) -> Tensor:
    """The eigenvalues of a batch of square matrices ``(..., S, S)``: NaN for a matrix holding an infinite or NaN entry.

    A matrix that is not finite has no eigenvalues to show, and MKL's LAPACK crashes the process on one (a segmentation
    fault, not an exception): a model whose states overflow (a ReLU RNN with large weights) must not take the server
    down. Where torch's LAPACK gives up on a finite matrix (it fails to converge on some degenerate ones that numpy's
    solves, e.g. the rank-2 W_hh blocks of an LSTM trained from constant weights), numpy's answers.
    """
    finite = torch.isfinite(matrices).flatten(-2).all(-1)  # (...,)
    if not bool(finite.all()):
        out = torch.full(matrices.shape[:-1], complex(math.nan, math.nan), dtype=_complex_of(matrices.dtype))
        if bool(finite.any()):
            out[finite] = eigenvalues(matrices[finite])
        return out
    try:
        return torch.linalg.eigvals(matrices)
    except torch.linalg.LinAlgError:
        values = matrices.numpy()
        return torch.from_numpy(np.linalg.eigvals(values).astype(np.result_type(values.dtype, np.complex64)))


def _complex_of(dtype: torch.dtype) -> torch.dtype:
    return torch.complex128 if dtype == torch.float64 else torch.complex64
