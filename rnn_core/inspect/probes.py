"""Snapshots of a layer's insides on one input sequence, as plain numpy arrays ready for figures.

A snapshot runs ``layer.record`` once and keeps, for one layer and direction of
the first sample: every h_t, every c_t (LSTM), every gate, and ‖∂L_τ/∂h_t‖ for a
loss at a single step τ, which is where vanishing and exploding gradients show.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnn_core.nn.cell_facts import CELLS
from rnn_core.train.losses import task_loss


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

    def copy(self) -> SnapshotStore:
        """A store of the same snapshots (shared: a snapshot is never changed) that goes on on its own."""
        other = SnapshotStore(self.max_bytes)
        other.items = list(self.items)
        return other

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
    """Record the model's recurrent layers step by step on ``batch`` and measure everything the views show.

    Three gradients are wanted: of the whole loss L and of the loss L_τ at step τ with respect to every h_t, and of
    the score at τ with respect to every input. Three backward passes through the step-by-step graph would cost
    three times one, since that graph costs per operation, hardly per row. So the batch runs as three stacked
    copies, copy k carries the k-th quantity, and one backward pass gives all three: the copies never touch, so
    each copy's gradient is that of its own quantity alone.
    """
    twin = _twin(model)
    B = batch.x.size(0)
    copies = model.encoder(batch.x).detach().repeat(3, 1, 1).requires_grad_(True)  # (3B, T, F): three copies of the batch
    rec = twin.record(copies)
    predictions = model.readout(rec.output).unflatten(0, (3, B))  # (3, B, T, O) or (3, B, O)
    loss, _ = task_loss(task, predictions[0], batch.y, batch.mask)
    many = not task.many_to_one
    tau = int(batch.mask.any(dim=0).nonzero().max()) if many else batch.x.size(1) - 1
    if many:
        loss_tau, _ = task_loss(task, predictions[1, :, tau : tau + 1], batch.y[:, tau : tau + 1], batch.mask[:, tau : tau + 1])
    else:  # many-to-one: the loss is already the loss at the last step
        loss_tau, _ = task_loss(task, predictions[1], batch.y, batch.mask)
    at_tau = predictions[2, :, tau] if many else predictions[2]  # (B, O)
    if task.kind == "classification":  # the score of the right answer
        at_tau = at_tau.gather(-1, batch.y[:, tau : tau + 1] if many else batch.y.unsqueeze(-1))
    score = at_tau.sum()
    (x_grad,) = torch.autograd.grad(loss + loss_tau + score, copies)  # on its way, the recording's hooks catch every ∂/∂h_t
    grad_norm, grad_norm_last, _ = rec.hidden_grad_norm(parts=3)  # (LD, T) each

    def first_copy(t: Tensor) -> np.ndarray:
        return t[:, :B].clone().numpy()  # a copy: a view would keep all three copies alive in the snapshot store

    return ProbeSnapshot(
        step=step,
        loss=loss.item(),
        hidden=first_copy(rec.hidden),
        cell=None if rec.cell is None else first_copy(rec.cell),
        gates={g: first_copy(v) for g, v in rec.gates.items()},
        prediction=predictions[0].detach().clone().numpy(),
        target=batch.y.numpy(),
        mask=batch.mask.numpy(),
        step_loss=_step_losses(model, task, rec.output[:B].detach(), batch),
        grad_norm=grad_norm.numpy(),
        grad_norm_last=grad_norm_last.numpy(),
        loss_step=tau,
        input_sensitivity=torch.linalg.vector_norm(x_grad[2 * B :], dim=(0, 2)).numpy(),
        eigenvalues=_eigenvalues(twin, model.cell),
        jacobian_radius=_jacobian_radius(twin, rec),
    )


_TWINS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> its twin; an entry goes with its model


def _twin(model) -> nn.Module:
    """``model.twin()``, built once per model rather than at every snapshot (building one costs most of a millisecond).

    The twin holds the model's very Parameter objects, so it follows every update; it is built again only if the
    model's recurrent parameters were replaced by other objects.
    """
    twin = _TWINS.get(model)
    if twin is None or [id(p) for p in twin.parameters()] != [id(p) for p in model.rnn.parameters()]:  # both alive: ids are unique
        twin = _TWINS[model] = model.twin()
    return twin


def _step_losses(model, task, features: Tensor, batch) -> np.ndarray:
    """L_t for every step: many-to-many at the steps that count; many-to-one as if the sequence ended at t."""
    with torch.no_grad():
        scores = model.readout_each_step(features)  # (B, T, O)
        B, T, n_out = scores.shape
        if task.many_to_one:
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


def _eigenvalues(twin: nn.Module, cell: str) -> dict[str, np.ndarray]:
    """Eigenvalues of every W_hh, per gate block for gated cells (their W_hh is not square)."""
    H, out = twin.hidden_size, {}
    blocks = CELLS[cell].gate_names or ("",)
    with torch.no_grad():
        for name, param in twin.named_parameters():
            if name.startswith("weight_hh"):
                key = name.removeprefix("weight_hh_")
                values = _eigvals(param.double().view(len(blocks), H, H)).numpy()  # all blocks in one call
                out |= {f"{key}:{gate}" if gate else key: v for gate, v in zip(blocks, values)}
    return out


def _eigvals(matrices: Tensor) -> Tensor:
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
            out[finite] = _eigvals(matrices[finite])
        return out
    try:
        return torch.linalg.eigvals(matrices)
    except torch.linalg.LinAlgError:
        values = matrices.numpy()
        return torch.from_numpy(np.linalg.eigvals(values).astype(np.result_type(values.dtype, np.complex64)))


def _complex_of(dtype: torch.dtype) -> torch.dtype:
    return torch.complex128 if dtype == torch.float64 else torch.complex64


def jacobian_steps(seq_len: int, state_size: int, layer_directions: int) -> np.ndarray:
    """The time steps whose step Jacobian a snapshot measures: all of them, unless that costs too much.

    An eigendecomposition of an S×S matrix costs about S³; past JACOBIAN_BUDGET in all, the steps are
    spread evenly (first and last included), so that a big model's snapshot stays a few seconds.
    """
    affordable = int(JACOBIAN_BUDGET // (layer_directions * state_size**3))
    if affordable >= seq_len:
        return np.arange(seq_len)
    return np.unique(np.linspace(0, seq_len - 1, max(affordable, 2)).round().astype(int))


def _jacobian_radius(twin: nn.Module, rec) -> np.ndarray:
    """Spectral radius of the step Jacobian ∂s_t/∂s_{t-1} along the first probe sequence, per layer-direction
    (NaN at steps not measured).

    s is h for RNN and GRU, and (h, c) together for the LSTM, whose cell path is the one that can keep gradients alive.
    The Jacobians come from :func:`step_jacobians` at all measured steps at once; torch's eigvals on the float32 batch
    is the cheapest exact way measured to their spectral radii (float64, or numpy's, cost 1.5–2× as much).
    """
    H, D, T = twin.hidden_size, twin.num_directions, rec.hidden.size(2)
    hidden = rec.hidden[:, 0]  # (LD, T, H)
    cell = None if rec.cell is None else rec.cell[:, 0]
    steps = torch.from_numpy(jacobian_steps(T, H if cell is None else 2 * H, twin.num_layers * D))
    radii = torch.full((twin.num_layers * D, T), torch.nan)
    for k, names in enumerate(twin._weight_names):
        w_hh = getattr(twin, names[1]).detach()
        b_hh = getattr(twin, names[3]).detach() if len(names) == 4 else None
        new = (hidden[k],) if cell is None else (hidden[k], cell[k])  # each (T, H)
        zero = torch.zeros(1, H)
        # s_{t-1} in the direction's own order, starting from zero as record() did
        prev = tuple(torch.cat([zero, s[:-1]]) if k % D == 0 else torch.cat([s[1:], zero]) for s in new)
        gates = {g: v[k, 0, steps] for g, v in rec.gates.items()}
        jac = step_jacobians(twin.mode, w_hh, b_hh, tuple(s[steps] for s in prev), tuple(s[steps] for s in new), gates)
        radii[k, steps] = _eigvals(jac).abs().amax(dim=-1)
    return radii.numpy()


def step_jacobians(mode: str, w_hh: Tensor, b_hh: Tensor | None, prev: tuple[Tensor, ...], new: tuple[Tensor, ...], gates) -> Tensor:
    """∂s_t/∂s_{t-1} of one cell at N steps at once, ``(N, S, S)``, written out from the equations in cells.py.

    ``prev`` and ``new`` are the states before and after each step, ``(h,)`` or ``(h, c)``, each ``(N, H)``, and
    ``gates`` the step's gates, each ``(N, H)``, as a Recording keeps them. Written out by hand because a snapshot
    wants it at every step: a few elementwise products on what the recording already holds take half a millisecond
    for the default model, where autograd (vmap of jacrev through the step) took 5 ms, a tenth of the snapshot. The
    tests check it against autograd for every cell. Rows are outputs, columns inputs; for the LSTM both are ordered (h, c):

        RNN   ∂h_t/∂h_{t-1} = diag(φ'(a_t)) W_hh, with φ' = 1 - h_t² (tanh) or [h_t > 0] (ReLU)
        GRU   ∂h_t/∂h_{t-1} = diag(z) + diag(h_{t-1} - n) ∂z + diag(1 - z) ∂n,
              ∂z = diag(z(1-z)) W_hz,  ∂n = diag(1 - n²) (diag(r) W_hn + diag((W_hn h_{t-1} + b_hn) r(1-r)) W_hr)
        LSTM  ∂c_t/∂h_{t-1} = diag(c_{t-1} f(1-f)) W_hf + diag(g i(1-i)) W_hi + diag(i(1-g²)) W_hg,  ∂c_t/∂c_{t-1} = diag(f)
              ∂h_t/∂h_{t-1} = diag(tanh(c_t) o(1-o)) W_ho + diag(o(1 - tanh²c_t)) ∂c_t/∂h_{t-1},
              ∂h_t/∂c_{t-1} = diag(o(1 - tanh²c_t) f)
    """

    def rows(v: Tensor, w: Tensor) -> Tensor:
        return v.unsqueeze(-1) * w  # diag(v) @ w at every step

    if mode == "RNN_TANH":
        return rows(1 - new[0] ** 2, w_hh)
    if mode == "RNN_RELU":
        return rows((new[0] > 0).to(w_hh.dtype), w_hh)
    if mode == "GRU":
        (h_prev,) = prev
        r, z, n = gates["reset"], gates["update"], gates["new"]
        w_r, w_z, w_n = w_hh.chunk(3)
        hn = F.linear(h_prev, w_n, None if b_hh is None else b_hh.chunk(3)[2])  # W_hn h_{t-1} + b_hn, as the reset gate saw it
        dz = rows(z * (1 - z), w_z)
        dn = rows(1 - n**2, rows(r, w_n) + rows(hn * r * (1 - r), w_r))
        return torch.diag_embed(z) + rows(h_prev - n, dz) + rows(1 - z, dn)
    if mode != "LSTM":
        raise ValueError(f"no step Jacobian for mode {mode!r}")
    (_, c_prev), (_, c) = prev, new
    i, f, g, o = gates["input"], gates["forget"], gates["cell"], gates["output"]
    w_i, w_f, w_g, w_o = w_hh.chunk(4)
    tanh_c = torch.tanh(c)
    dh_dc = o * (1 - tanh_c**2)  # ∂h_t/∂c_t
    dc_dh = rows(c_prev * f * (1 - f), w_f) + rows(g * i * (1 - i), w_i) + rows(i * (1 - g**2), w_g)
    dh_dh = rows(tanh_c * o * (1 - o), w_o) + rows(dh_dc, dc_dh)
    top = torch.cat([dh_dh, torch.diag_embed(dh_dc * f)], dim=-1)
    return torch.cat([top, torch.cat([dc_dh, torch.diag_embed(f)], dim=-1)], dim=-2)  # (N, 2H, 2H)
