"""Probe snapshots of a trained SequenceModel on a fixed probe batch, kept within a memory bound, as plain numpy
arrays ready for figures: every h_t, c_t and gate, predictions, per-step losses, the gradients that show vanishing and
exploding, eigenvalues of W_hh and the step Jacobian's spectral radius (measured in spectra.py)."""

from __future__ import annotations

import copy
import time
import weakref
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnn_core.inspect.spectra import (
    DEFERRED_COST,
    JACOBIAN_BUDGET,
    KEPT_JACOBIAN_BUDGET,
    MeasuredSpectra,
    WeightBlock,
    WeightSpectra,
    linear_spectra,
)
from rnn_core.train.denormals import flushing_denormals
from rnn_core.train.losses import task_loss


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
    spectra: MeasuredSpectra | WeightSpectra  # the eigenvalues and the step Jacobian's radius, measured now or when read

    @property
    def eigenvalues(self) -> dict[WeightBlock, np.ndarray]:
        """Each square block of each W_hh -> its complex eigenvalues."""
        return self.spectra.eigenvalues

    @property
    def jacobian_radius(self) -> np.ndarray:
        """(LD, T) spectral radius of ∂s_t/∂s_{t-1} along the first probe sequence; NaN at steps not measured."""
        return self.spectra.jacobian_radius

    @cached_property
    def nbytes(self) -> int:
        """Its arrays' bytes, counted once: a snapshot never changes, and stores weigh theirs at every add."""
        arrays = [v for v in vars(self).values() if isinstance(v, np.ndarray)] + list(self.gates.values())
        return sum(a.nbytes for a in arrays) + self.spectra.nbytes


SNAPSHOT_BYTES = 10 * 2**20  # a run's kept snapshots, by default: about 10 MB
BESIDE_SECONDS = 0.02  # a kept snapshot that took longer (the default model's target: 5 % of a 0.4 s slice) has the
# next one taken beside training, where there is a snapshot thread (Snapshots)


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

    def copy(self, up_to: int | None = None) -> SnapshotStore:
        """A store of the same snapshots (shared: a snapshot is never changed), or of those up to step ``up_to``, that
        goes on on its own. Within the bound already: nothing to thin."""
        other = type(self)(self.max_bytes)
        other.items = [s for s in self.items if up_to is None or s.step <= up_to]
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


class Snapshots(SnapshotStore):
    """A training run's probe snapshots, kept as it trains: an observer of its Trainer
    (``Trainer(config, task, observers=[Snapshots()])``), which takes one when training starts, one every
    ``probe_every`` steps and one after a restore (from a checkpoint), within ``max_bytes``. A model without
    recurrence (the windowing MLP) has no insides to snapshot.

    With ``beside`` (an executor: a training process's snapshot thread), a snapshot whose last one took longer than
    ``BESIDE_SECONDS`` is taken there, from a copy of the model, while training goes on. A snapshot records every step
    one by one and goes back through them all; the large benchmarked LSTM's took 0.6–1.3 s (two to three 0.4 s
    training slices), in which its training and every other run of its process stood still. Beside training, the
    trainer waits for a copy of the weights (2 ms for that model) and for the interpreter lock whenever the snapshot's
    Python holds it. A big model's snapshot is mostly torch's kernels, which let go of the lock; a small one's mostly
    Python, and where training is too (short sequences, the linear recurrences' own layers), the two passed the lock
    back and forth and training waited as long as for the whole snapshot or longer (the bench's copy · mingru: 6 ms of
    work, 25 ms of waiting; sine · lstm, whose steps are torch's: 16 ms of work, 1 ms of waiting). So a snapshot that
    takes at most ``BESIDE_SECONDS`` is taken in training's way. The numbers are the same, bit for bit: the same
    weights, the same kernels. One snapshot at most is in flight: the next one waits for it, so they are kept in step
    order and memory holds one copy of the model more, at most.
    """

    def __init__(self, max_bytes: int = SNAPSHOT_BYTES, beside: Executor | None = None):
        super().__init__(max_bytes)
        self.beside = beside
        self.in_flight: Future | None = None  # the snapshot being taken beside training
        self.seconds = 0.0  # what the last snapshot took

    def take(self, trainer) -> None:
        """Take a snapshot of the model as it is now, and keep it: at once, or beside training (:meth:`settle`)."""
        self.settle()
        if self.beside is None or self.seconds <= BESIDE_SECONDS:
            snapshot, self.seconds = _kept_snapshot(trainer.model, trainer.task, trainer.probe, trainer.step)
            self.add(snapshot)
        else:
            self.in_flight = self.beside.submit(_kept_snapshot, copy.deepcopy(trainer.model), trainer.task, trainer.probe, trainer.step)

    def settle(self) -> None:
        """Wait for the snapshot being taken beside training, if any, and keep it."""
        if self.in_flight is not None:
            taking, self.in_flight = self.in_flight, None
            snapshot, self.seconds = taking.result()
            self.add(snapshot)

    def collect(self) -> None:
        """Keep the snapshot taken beside training if it is done; never waits."""
        if self.in_flight is not None and self.in_flight.done():
            self.settle()

    def copy(self, up_to: int | None = None) -> Snapshots:
        self.settle()
        other = super().copy(up_to)
        other.beside, other.seconds = self.beside, self.seconds
        return other

    def started(self, trainer) -> None:
        if trainer.model.recurrent:
            self.take(trainer)

    def stepped(self, trainer) -> None:
        if trainer.model.recurrent and trainer.step % trainer.config.train.probe_every == 0:
            self.take(trainer)

    def restored(self, trainer) -> None:
        self.items, self.in_flight = [], None  # the run's insides before the restore are another model's
        self.started(trainer)


def _kept_snapshot(model, task, batch, step: int) -> tuple[ProbeSnapshot, float]:
    """A snapshot kept while training and the seconds it took, in whichever thread takes it: denormal numbers flushed,
    as training flushes them (the setting is a thread's own)."""
    start = time.perf_counter()
    with flushing_denormals():
        snapshot = take_snapshot(model, task, batch, step, KEPT_JACOBIAN_BUDGET, defer_spectra=True)
    return snapshot, time.perf_counter() - start


def snapshots_of(trainer) -> Snapshots:
    """The snapshots kept of a Trainer (its Snapshots observer)."""
    return next(o for o in trainer.observers if isinstance(o, Snapshots))


def take_snapshot(model, task, batch, step: int, jacobian_budget: float = JACOBIAN_BUDGET, defer_spectra: bool = False) -> ProbeSnapshot:
    """Record the model's recurrent layers step by step on ``batch`` and measure everything the views show; the step
    Jacobian's spectral radius at the steps ``jacobian_budget`` affords (:func:`jacobian_steps`). With
    ``defer_spectra`` (a snapshot kept while training), a cell that reads its state and whose whole spectra cost at
    most ``DEFERRED_COST`` leaves them to their first reader, who measures every step (:class:`WeightSpectra`).

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

    hidden, cell = first_copy(rec.hidden), None if rec.cell is None else first_copy(rec.cell)
    gates = {g: first_copy(v) for g, v in rec.gates.items()}
    if twin.facts.reads_state:
        spectra = _weight_spectra(twin, model.cell, hidden, cell, gates, jacobian_budget, defer_spectra)
    else:
        spectra = linear_spectra(twin, rec)
    return ProbeSnapshot(
        step=step,
        loss=loss.item(),
        hidden=hidden,
        cell=cell,
        gates=gates,
        prediction=predictions[0].detach().clone().numpy(),
        target=batch.y.numpy(),
        mask=batch.mask.numpy(),
        step_loss=_step_losses(model, task, rec.output[:B].detach(), batch),
        grad_norm=grad_norm.numpy(),
        grad_norm_last=grad_norm_last.numpy(),
        loss_step=tau,
        input_sensitivity=torch.linalg.vector_norm(x_grad[2 * B :], dim=(0, 2)).numpy(),
        spectra=spectra,
    )


def _weight_spectra(twin, cell_name: str, hidden, cell, gates, budget: float, defer: bool):
    """A state-reading cell's spectra: left to their first reader (every step) when deferring is asked and they are
    cheap enough, else measured now within ``budget``."""
    spectra = WeightSpectra.of(twin, cell_name, hidden, cell, gates, budget)
    if defer and spectra.cost <= DEFERRED_COST:
        return replace(spectra, budget=DEFERRED_COST)
    return spectra.measured()


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
