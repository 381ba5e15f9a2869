"""The spectra a probe snapshot keeps: the eigenvalues of every square block of W_hh, and the spectral radius of the
step Jacobian ∂s_t/∂s_{t−1} along the first probe sequence (rnn_core.nn.jacobians), within a budget of work, since
eigendecompositions are most of a snapshot's cost."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor, nn

from rnn_core.nn.cell_facts import CELLS
from rnn_core.nn.jacobians import recorded_step_diagonals, recorded_step_jacobians

JACOBIAN_BUDGET = 4e9  # S³ summed over the step Jacobians a snapshot decomposes: about 2 s on one core
# ... for a snapshot kept while training (every probe_every steps, for replay), which training waits for: the default
# LSTM's ρ at 9 of its 40 steps (4 ms instead of 20), a plain RNN's or GRU's of 32 units at all of them. A page that
# shows ρ live asks for a snapshot of the model as it is now, measured within JACOBIAN_BUDGET.
KEPT_JACOBIAN_BUDGET = 2.5e6


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
    H, out = twin.hidden_size, {}
    if twin.mode == "LRU":  # its step is diag(λ): λ are the eigenvalues
        for k in range(twin.num_layers * twin.num_directions):
            out[WeightBlock(k // twin.num_directions, k % twin.num_directions == 1, "")] = twin.eigenvalues(k).detach().numpy()
        return out
    if not CELLS[cell].reads_state:
        return out
    blocks = CELLS[cell].gate_names or ("",)
    with torch.no_grad():
        for layer in range(twin.num_layers):
            for reverse in (False, True)[: twin.num_directions]:
                param = getattr(twin, f"weight_hh_l{layer}" + ("_reverse" if reverse else ""))
                values = eigenvalues(param.double().view(len(blocks), H, H)).numpy()  # all blocks in one call
                out |= {WeightBlock(layer, reverse, gate): v for gate, v in zip(blocks, values)}
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
    H, T = twin.hidden_size, rec.hidden.size(2)
    if not twin.facts.reads_state:  # a linear recurrence: diagonal, its radius the largest |a_t|, cheap at every step
        return torch.stack([d.abs().amax(dim=-1) for d in recorded_step_diagonals(twin, rec, torch.arange(T))]).numpy()
    steps = torch.from_numpy(jacobian_steps(T, H if rec.cell is None else 2 * H, twin.num_layers * twin.num_directions, budget))
    radii = torch.full((twin.num_layers * twin.num_directions, T), torch.nan)
    jacobians = recorded_step_jacobians(twin, rec, steps)  # torch's eigvals on float32: the cheapest exact way measured
    radii[:, steps] = torch.stack([eigenvalues(jac).abs().amax(dim=-1) for jac in jacobians])
    return radii.numpy()


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
