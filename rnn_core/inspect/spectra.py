"""The spectra a probe snapshot keeps: the eigenvalues of every square block of W_hh, and the spectral radius of the
step Jacobian ∂s_t/∂s_{t−1} along the first probe sequence (rnn_core.nn.jacobians), within a budget of work, since
eigendecompositions are most of a snapshot's cost. A snapshot taken for the page that shows them measures them at
once (:class:`MeasuredSpectra`); one kept while training leaves them to the view that first reads them
(:class:`DeferredSpectra`)."""

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
# ... for a snapshot kept while training, measured when a view replays it (the server waits for it, once per snapshot):
# every step of the default LSTM or of any model up to 64 units (about 20 ms), evenly spread steps of larger ones
KEPT_JACOBIAN_BUDGET = 2e8


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


def weight_eigenvalues(twin: nn.Module, cell: str) -> dict[WeightBlock, np.ndarray]:
    """Eigenvalues of every W_hh, per gate block for gated cells (their W_hh is not square); the LRU's λ, the
    eigenvalues of its step diag(λ); none for the other cells without W_hh (their diagonal step changes with x_t:
    its spectral radius says all)."""
    out = {}
    if twin.mode == "LRU":  # its step is diag(λ): λ are the eigenvalues
        for k in range(twin.num_layers * twin.num_directions):
            out[WeightBlock(k // twin.num_directions, k % twin.num_directions == 1, "")] = twin.eigenvalues(k).detach().numpy()
        return out
    if not CELLS[cell].reads_state:
        return out
    return block_eigenvalues([w_hh for w_hh, _ in recurrent_weights(twin)], cell, twin.num_directions)


def block_eigenvalues(w_hh: list[Tensor], cell: str, directions: int) -> dict[WeightBlock, np.ndarray]:
    """The eigenvalues of every square block of each layer-direction's W_hh (one H×H block per gate of a gated cell)."""
    blocks, out = CELLS[cell].gate_names or ("",), {}
    for k, weight in enumerate(w_hh):
        H = weight.size(1)
        values = eigenvalues(weight.double().view(len(blocks), H, H)).numpy()  # all blocks in one call
        out |= {WeightBlock(k // directions, k % directions == 1, gate): v for gate, v in zip(blocks, values)}
    return out


def jacobian_steps(seq_len: int, state_size: int, layer_directions: int, budget: float = JACOBIAN_BUDGET) -> np.ndarray:
    """The time steps whose step Jacobian a snapshot measures: all of them, unless that costs too much.

    An eigendecomposition of an S×S matrix costs about S³; past ``budget`` in all, the steps are spread evenly (first
    and last included), so that a big model's snapshot stays a few seconds.
    """
    affordable = int(budget // (layer_directions * state_size**3))
    if affordable >= seq_len:
        return np.arange(seq_len)
    return np.unique(np.linspace(0, seq_len - 1, max(affordable, 2)).round().astype(int))


def jacobian_radius(twin: nn.Module, rec, budget: float) -> np.ndarray:
    """Spectral radius of the step Jacobian ∂s_t/∂s_{t-1} along the first probe sequence, per layer-direction, at the
    steps :func:`jacobian_steps` affords (NaN at the others)."""
    if not twin.facts.reads_state:  # a linear recurrence: diagonal, its radius the largest |a_t|, cheap at every step
        T = rec.hidden.size(2)
        return torch.stack([d.abs().amax(dim=-1) for d in recorded_step_diagonals(twin, rec, torch.arange(T))]).numpy()
    cell = None if rec.cell is None else rec.cell[:, 0]
    gates = {g: v[:, 0] for g, v in rec.gates.items()}
    return radius_along(twin.mode, twin.num_directions, recurrent_weights(twin), rec.hidden[:, 0], cell, gates, budget)


def radius_along(mode: str, directions: int, weights: list, hidden: Tensor, cell: Tensor | None, gates: dict, budget: float) -> np.ndarray:
    """The same for a cell that reads its state (RNN, GRU, LSTM), from plain tensors: ``(W_hh, b_hh)`` per
    layer-direction, one sequence's states and gates ``(LD, T, H)``."""
    LD, T, H = hidden.shape
    steps = torch.from_numpy(jacobian_steps(T, H if cell is None else 2 * H, LD, budget))
    radii = torch.full((LD, T), torch.nan)
    jacobians = sequence_step_jacobians(mode, directions, weights, hidden, cell, gates, steps)  # float32 for torch's eigvals:
    radii[:, steps] = torch.stack([eigenvalues(jac).abs().amax(dim=-1) for jac in jacobians])  # the cheapest exact way measured
    return radii.numpy()


@dataclass(frozen=True)
class MeasuredSpectra:
    """Spectra measured as the snapshot was taken."""

    eigenvalues: dict[WeightBlock, np.ndarray]  # each square block of each W_hh -> its complex eigenvalues
    jacobian_radius: np.ndarray  # (LD, T)

    @property
    def nbytes(self) -> int:
        return self.jacobian_radius.nbytes + sum(v.nbytes for v in self.eigenvalues.values())


@dataclass(frozen=True)
class DeferredSpectra:
    """Spectra measured when first read, from a copy of every W_hh and b_hh as they were and the snapshot's own states
    and gates: the same numbers :class:`MeasuredSpectra` would hold.

    A snapshot kept while training is taken every ``probe_every`` steps and training waits for it, but it is shown only
    if a student replays that step on the Gradients page. Its eigendecompositions were 40 % of the default LSTM's
    snapshot; deferred, they cost the weights' copy (16 KB for the default LSTM) instead.
    """

    mode: str
    cell: str
    directions: int
    weights: tuple[tuple[np.ndarray, np.ndarray | None], ...]  # (W_hh, b_hh) per layer-direction
    hidden: np.ndarray  # (LD, B, T, H), the snapshot's own array: the first sequence is read
    cell_state: np.ndarray | None  # (LD, B, T, H), LSTM only
    gates: dict[str, np.ndarray]  # each (LD, B, T, H)
    budget: float

    @classmethod
    def of(cls, twin: nn.Module, cell: str, hidden: np.ndarray, cell_state: np.ndarray | None, gates: dict, budget: float):
        weights = tuple((w.clone().numpy(), None if b is None else b.clone().numpy()) for w, b in recurrent_weights(twin))
        return cls(twin.mode, cell, twin.num_directions, weights, hidden, cell_state, gates, budget)

    @cached_property
    def eigenvalues(self) -> dict[WeightBlock, np.ndarray]:
        return block_eigenvalues([torch.from_numpy(w) for w, _ in self.weights], self.cell, self.directions)

    @cached_property
    def jacobian_radius(self) -> np.ndarray:
        weights = [(torch.from_numpy(w), None if b is None else torch.from_numpy(b)) for w, b in self.weights]
        cell = None if self.cell_state is None else torch.from_numpy(self.cell_state[:, 0])
        gates = {g: torch.from_numpy(v[:, 0]) for g, v in self.gates.items()}
        return radius_along(self.mode, self.directions, weights, torch.from_numpy(self.hidden[:, 0]), cell, gates, self.budget)

    @property
    def nbytes(self) -> int:
        """The weights' copies (the states are the snapshot's own), and what the spectra will hold once measured."""
        weights = sum(a.nbytes for pair in self.weights for a in pair if a is not None)
        LD, _, T, H = self.hidden.shape
        return weights + LD * T * 4 + LD * len(CELLS[self.cell].gate_names or ("",)) * H * 16


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
