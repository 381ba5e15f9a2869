"""Snapshots of a layer's insides on one input sequence, as plain numpy arrays ready for figures.

A snapshot runs ``layer.record`` once and keeps, for one layer and direction of
the first sample: every h_t, every c_t (LSTM), every gate, and ‖∂L_τ/∂h_t‖ for a
loss at a single step τ, which is where vanishing and exploding gradients show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import jacrev, vmap

from rnn_core.cells import STEP_FUNCTIONS
from rnn_core.losses import task_loss


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


# ---------------------------------------------------------------------------------------------
# Probe snapshots of a trained SequenceModel on a fixed probe batch.

JACOBIAN_BUDGET = 4e9  # S³ summed over the step Jacobians a snapshot decomposes: about 2 s on one core
_GATE_ORDER = {"lstm": ("input", "forget", "cell", "output"), "gru": ("reset", "update", "new")}


@dataclass(frozen=True)
class ProbeSnapshot:
    """The model's insides at one training step, on the fixed probe batch. Arrays are numpy.

    ``LD`` = layers × directions, ``B`` = probe batch, ``T`` = steps, ``H`` = hidden size.
    """

    step: int
    loss: float  # the task's loss on the probe batch
    hidden: np.ndarray  # (LD, B, T, H)
    cell: np.ndarray | None  # (LD, B, T, H), LSTM only
    gates: dict[str, np.ndarray]  # each (LD, B, T, H)
    prediction: np.ndarray  # (B, T, O) or (B, O): raw outputs (scores for classification)
    target: np.ndarray  # (B, T, O), (B, T), (B, O) or (B,)
    mask: np.ndarray  # (B, T) bool
    step_loss: np.ndarray  # (T,) loss at each step; NaN where no prediction counts
    grad_norm: np.ndarray  # (LD, T) ‖∂L/∂h_t‖ for the whole loss L
    grad_norm_last: np.ndarray  # (LD, T) ‖∂L_τ/∂h_t‖ for the loss at step τ = loss_step alone
    loss_step: int
    input_sensitivity: np.ndarray  # (T,) ‖∂ŷ_τ/∂x_t‖ over batch and input features
    eigenvalues: dict[str, np.ndarray]  # "l0", "l0_reverse:forget", ... -> complex eigenvalues of W_hh (blocks)
    jacobian_radius: np.ndarray  # (LD, T) spectral radius of ∂s_t/∂s_{t-1} along the first probe sequence

    @property
    def nbytes(self) -> int:
        arrays = [v for v in vars(self).values() if isinstance(v, np.ndarray)]
        arrays += [a for d in (self.gates, self.eigenvalues) for a in d.values()]
        return sum(a.nbytes for a in arrays)


class SnapshotStore:
    """Snapshots in step order within a memory bound: when over it, every other older snapshot goes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.items: list[ProbeSnapshot] = []

    def add(self, snapshot: ProbeSnapshot) -> None:
        self.items.append(snapshot)
        while self.nbytes > self.max_bytes and len(self.items) > 2:
            self.items = self.items[:-1][::2] + [self.items[-1]]  # keeps the first and the latest
        if self.nbytes > self.max_bytes:
            self.items = [self.items[-1]]

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.items)

    @property
    def steps(self) -> list[int]:
        return [s.step for s in self.items]

    @property
    def latest(self) -> ProbeSnapshot:
        return self.items[-1]

    def nearest(self, step: int) -> ProbeSnapshot:
        """The snapshot taken closest to ``step`` (the earlier one on a tie)."""
        return min(self.items, key=lambda s: (abs(s.step - step), s.step))


def take_snapshot(model, task, batch, step: int) -> ProbeSnapshot:
    """Record the model's recurrent layers step by step on ``batch`` and measure everything the views show."""
    twin = model.twin()
    encoded = model.encoder(batch.x).detach().requires_grad_(True)  # (B, T, F)
    rec = twin.record(encoded)
    prediction = model.readout(rec.output)  # (B, T, O) or (B, O)
    loss, _ = task_loss(task, prediction, batch.y, batch.mask)
    tau = int(batch.mask.any(dim=0).nonzero().max()) if task.mode == "many_to_many" else batch.x.size(1) - 1
    at_tau = prediction[:, tau] if task.mode == "many_to_many" else prediction
    if task.mode == "many_to_many":
        loss_tau, _ = task_loss(task, at_tau.unsqueeze(1), batch.y[:, tau : tau + 1], batch.mask[:, tau : tau + 1])
    else:
        loss_tau = loss
    score = (
        at_tau.gather(-1, batch.y[:, tau : tau + 1] if task.mode == "many_to_many" else batch.y.unsqueeze(-1)).sum()
        if task.kind == "classification"
        else at_tau.sum()
    )
    grad_norm = rec.hidden_grad_norm(loss)
    grad_norm_last = grad_norm if loss_tau is loss else rec.hidden_grad_norm(loss_tau)  # many-to-one: the same loss
    (x_grad,) = torch.autograd.grad(score, encoded)  # (B, T, F)
    kind = model.cell
    return ProbeSnapshot(
        step=step,
        loss=loss.item(),
        hidden=rec.hidden.numpy(),
        cell=None if rec.cell is None else rec.cell.numpy(),
        gates={g: v.numpy() for g, v in rec.gates.items()},
        prediction=prediction.detach().numpy(),
        target=batch.y.numpy(),
        mask=batch.mask.numpy(),
        step_loss=_step_losses(model, task, rec.output.detach(), batch),
        grad_norm=grad_norm.numpy(),
        grad_norm_last=grad_norm_last.numpy(),
        loss_step=tau,
        input_sensitivity=torch.linalg.vector_norm(x_grad, dim=(0, 2)).numpy(),
        eigenvalues=_eigenvalues(twin, kind),
        jacobian_radius=_jacobian_radius(twin, rec, encoded.detach()[0], kind),
    )


def _step_losses(model, task, features: Tensor, batch) -> np.ndarray:
    """L_t for every step: many-to-many at the steps that count; many-to-one as if the sequence ended at t."""
    with torch.no_grad():
        scores = model.readout_each_step(features)  # (B, T, O)
        B, T, n_out = scores.shape
        if task.mode == "many_to_one":
            target = batch.y.unsqueeze(1).expand(B, T, *batch.y.shape[1:])
            mask = torch.ones(B, T, dtype=torch.bool)
        else:
            target, mask = batch.y, batch.mask
        if task.kind == "regression":
            per = ((scores - target) ** 2).mean(dim=-1)  # (B, T)
        else:
            per = F.cross_entropy(scores.reshape(B * T, n_out), target.reshape(B * T), reduction="none").view(B, T)
        counted = mask.sum(dim=0)  # (T,)
        summed = (per * mask).sum(dim=0)
        return torch.where(counted > 0, summed / counted.clamp(min=1), torch.nan).numpy()


def _eigenvalues(twin: nn.Module, kind: str) -> dict[str, np.ndarray]:
    """Eigenvalues of every W_hh, per gate block for gated cells (their W_hh is not square)."""
    H, out = twin.hidden_size, {}
    with torch.no_grad():
        for name, param in twin.named_parameters():
            if not name.startswith("weight_hh"):
                continue
            key = name.removeprefix("weight_hh_")
            blocks = _GATE_ORDER.get(kind, ("",))
            for i, gate in enumerate(blocks):
                block = param[i * H : (i + 1) * H].double()
                out[f"{key}:{gate}" if gate else key] = torch.linalg.eigvals(block).numpy()
    return out


def jacobian_steps(seq_len: int, state_size: int, layer_directions: int) -> np.ndarray:
    """The time steps whose step Jacobian a snapshot measures: all of them, unless that costs too much.

    An eigendecomposition of an S×S matrix costs about S³; past JACOBIAN_BUDGET in all, the steps are
    spread evenly (first and last included), so that a big model's snapshot stays a few seconds.
    """
    affordable = int(JACOBIAN_BUDGET // (layer_directions * state_size**3))
    if affordable >= seq_len:
        return np.arange(seq_len)
    return np.unique(np.linspace(0, seq_len - 1, max(affordable, 2)).round().astype(int))


def _jacobian_radius(twin: nn.Module, rec, x: Tensor, kind: str) -> np.ndarray:
    """Spectral radius of the step Jacobian ∂s_t/∂s_{t-1} along one sequence, per layer-direction (NaN at steps not measured).

    s is h for RNN and GRU, and (h, c) together for the LSTM, whose cell path is the one that can keep gradients alive.
    """
    step_fn = STEP_FUNCTIONS[twin.mode]
    H, D, T = twin.hidden_size, twin.num_directions, x.size(0)
    hidden = rec.hidden[:, 0]  # (LD, T, H)
    cell = None if rec.cell is None else rec.cell[:, 0]
    steps = torch.from_numpy(jacobian_steps(T, H if cell is None else 2 * H, twin.num_layers * D))
    radii = torch.full((twin.num_layers * D, T), torch.nan)
    layer_input = x  # (T, F)
    for layer in range(twin.num_layers):
        for d in range(D):
            k = layer * D + d
            names = twin._weight_names[k]
            w_ih, w_hh = (getattr(twin, n).detach() for n in names[:2])
            b_ih, b_hh = (getattr(twin, n).detach() for n in names[2:]) if len(names) == 4 else (None, None)
            x_proj = torch.nn.functional.linear(layer_input, w_ih, b_ih)  # (T, G*H)
            states = hidden[k] if cell is None else torch.cat([hidden[k], cell[k]], dim=-1)  # (T, S)
            zero = torch.zeros(1, states.size(1))
            prev = torch.cat([zero, states[:-1]]) if d == 0 else torch.cat([states[1:], zero])  # s_{t-1} in the direction's order

            def step(s: Tensor, xp: Tensor, w_hh=w_hh, b_hh=b_hh) -> Tensor:
                state = (s,) if cell is None else (s[:H], s[H:])
                new, _ = step_fn(xp.unsqueeze(0), tuple(v.unsqueeze(0) for v in state), w_hh, b_hh)
                return torch.cat([v[0] for v in new])

            jac = vmap(jacrev(step))(prev[steps], x_proj[steps])  # (steps, S, S)
            radii[k, steps] = torch.linalg.eigvals(jac).abs().max(dim=-1).values
        layer_input = hidden[layer * D : (layer + 1) * D].permute(1, 0, 2).reshape(T, D * H)  # (T, D*H)
    return radii.numpy()
