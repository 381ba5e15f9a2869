"""The training engine: a trainer you can pause, that keeps a tidy history and never loses a good model.

``Trainer.run(k)`` performs k optimiser steps and returns, so a UI can train live in slices.
The same configuration and seed give the same losses bit for bit, however the steps are
split into slices: data comes from the trainer's own generator, weights are initialised
from the seed under a process-wide lock, and dropout masks are drawn from a per-step seed.

A step whose loss, gradients or updated weights are not finite is not applied: training
stops with a :class:`Divergence` that says what went wrong first, and the weights stay as
they were after the last good step.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import torch
from torch import Tensor

from rnn_core.config import ExperimentConfig
from rnn_core.data.tasks import Batch, Task
from rnn_core.train.denormals import flushing_denormals
from rnn_core.train.history import COLUMNS, History
from rnn_core.train.losses import task_loss
from rnn_core.train.models import SequenceModel

if TYPE_CHECKING:
    import pandas as pd

HISTORY_COLUMNS = COLUMNS  # the history's columns, by name (rnn_core.train.history)
_GLOBAL_RNG = threading.Lock()  # torch's global generator is shared by every session in the process


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run a block on torch's global generator seeded with ``seed``, then restore it; one thread at a time."""
    with _GLOBAL_RNG, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


@dataclass(frozen=True)
class Divergence:
    """Why training stopped: the step, what went non-finite first, the gradient norms just before, and what to try."""

    step: int
    quantity: str
    recent_grad_norms: tuple[float, ...]
    hint: str

    def message(self) -> str:
        recent = ", ".join(f"{n:.3g}" for n in self.recent_grad_norms) or "none yet"
        return (
            f"Training stopped at step {self.step}: {self.quantity} became infinite or NaN. "
            f"Gradient norms of the last steps: {recent}. The model keeps its weights from step {self.step - 1}. {self.hint}"
        )


def make_optimizer(config: ExperimentConfig, params, fused_adam: bool = True) -> torch.optim.Optimizer:
    """The configuration's optimiser. Adam runs its fused kernel, one call for every parameter: on a CPU, torch's
    default (``fused_adam=False``, the bench's plain PyTorch) is a loop of a dozen small operations per parameter,
    which took 8–14 % of a small model's step (0.1–0.25 ms of 1–2 ms). The same algorithm: the weights agree with the
    loop's to float32 rounding. SGD's and RMSprop's own faster paths gained nothing measurable (under 1 %)."""
    t = config.train
    if t.optimizer == "sgd":
        return torch.optim.SGD(params, lr=t.lr, momentum=t.momentum)
    if t.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=t.lr)
    return torch.optim.Adam(params, lr=t.lr, fused=fused_adam)


@dataclass(frozen=True)
class Piece:
    """What one optimiser step trains on: ``lead`` steps run first without gradients, to carry the state on, then
    ``batch``, whose steps are backpropagated through."""

    batch: Batch
    lead: Tensor | None = None


def tbptt_pieces(batch: Batch, length: int, many_to_one: bool) -> list[Piece]:
    """Cut a batch for truncated BPTT with pieces of ``length`` steps (0: the whole sequence is one piece).

    Many-to-many: consecutive pieces, one optimiser step each; the state runs on from piece to piece, the gradient
    does not. A piece with no step that counts (the copy task's distractors) has no loss to learn from: it is run
    without gradients as the lead of the next piece that has one, and trailing ones are left out. Many-to-one: the
    first T - length steps run without gradients, then the last ``length`` are backpropagated through.
    """
    T = batch.x.size(1)
    if not length or length >= T:
        return [Piece(batch)]
    if many_to_one:
        return [Piece(Batch(batch.x[:, -length:], batch.y, batch.mask[:, -length:]), lead=batch.x[:, :-length])]
    pieces, lead_from = [], 0
    for start in range(0, T, length):
        stop = min(start + length, T)
        if batch.mask[:, start:stop].any():
            piece = Batch(batch.x[:, start:stop], batch.y[:, start:stop], batch.mask[:, start:stop])
            pieces.append(Piece(piece, lead=batch.x[:, lead_from:start] if start > lead_from else None))
            lead_from = stop
    return pieces


class Observer(Protocol):
    """Watches a Trainer (probe snapshots do: rnn_core.inspect.probes.Snapshots): told when it starts, after every
    optimiser step and after a restore; an exact clone of the trainer gets a copy of each observer."""

    def started(self, trainer: Trainer) -> None: ...

    def stepped(self, trainer: Trainer) -> None: ...

    def restored(self, trainer: Trainer) -> None: ...

    def copy(self) -> Observer: ...


class Trainer:
    """Owns one model, its optimiser, its data stream and its history; ``observers`` watch it train."""

    def __init__(self, config: ExperimentConfig, task: Task, observers: Sequence[Observer] = ()):
        self.config, self.task = config, task
        with seeded(config.seed):
            self.model = SequenceModel(config.model, task)
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = make_optimizer(config, self.params)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.step = 0
        self.diverged: Divergence | None = None
        self.elapsed = 0.0
        self.records = History()
        self._pending: list[Piece] = []  # TBPTT pieces of the current batch still to train on
        self._state = None  # the hidden state carried between pieces of one batch, and across batches when stateful
        self._stream = None  # where each row of a stateful run's next batch starts (Task.stream_start)
        self.probe = task.probe_batch(config.train.probe_batch)  # the fixed batch that observers look at the model on
        self.observers = list(observers)
        for observer in self.observers:
            observer.started(self)

    @property
    def history(self) -> pd.DataFrame:
        """One row per step: ``step, loss, accuracy, grad_norm, grad_norm_clipped, lr, wall_time_s``."""
        return self.records.frame

    def run(self, steps: int) -> int:
        """Train up to ``steps`` optimiser steps; returns how many were done (fewer if training diverged)."""
        done = 0
        with flushing_denormals():
            while done < steps and self.diverged is None:
                if self._train_step():
                    done += 1
                    for observer in self.observers:
                        observer.stepped(self)
        return done

    def restore(self, state_dict: dict[str, Tensor], step: int, rows: list[list[float]]) -> None:
        """Continue from saved weights (shapes already checked), step and history rows (in HISTORY_COLUMNS order), with a
        fresh optimiser; the observers are told."""
        self.model.load_state_dict(state_dict)
        self.optimizer = make_optimizer(self.config, self.params)
        self.step, self.records = step, History(rows)
        self.elapsed = float(self.records.column("wall_time_s")[-1]) if len(self.records) else 0.0
        for observer in self.observers:
            observer.restored(self)

    def clone(self) -> Trainer:
        """An independent trainer at this very step: the same weights, optimiser state, data stream, history and a copy
        of each observer, so that both go on exactly as this one would (a shared run that a student leaves at this step).

        The task and the probe batch are shared, not copied: nothing changes them in place.
        """
        twin = copy.copy(self)
        twin.model = copy.deepcopy(self.model)
        twin.params = [p for p in twin.model.parameters() if p.requires_grad]
        twin.optimizer = make_optimizer(self.config, twin.params)
        twin.optimizer.load_state_dict(copy.deepcopy(self.optimizer.state_dict()))
        twin.generator = torch.Generator().set_state(self.generator.get_state())
        twin.records = self.records.truncated(len(self.records))
        twin.observers = [observer.copy() for observer in self.observers]
        twin._pending = list(self._pending)  # pieces are never changed in place; the carried state is replaced, not changed
        return twin

    @property
    def stateful(self) -> bool:
        """Whether each batch continues the last one, its state carried over (the notes' ``hidden = hidden.data``)."""
        return self.config.train.stateful and self.task.streams and self.model.recurrent

    def _next_piece(self) -> Piece:
        if not self._pending:
            size = self.config.train.batch_size
            if self.stateful:
                if self._stream is None:
                    self._stream = self.task.stream_start(size, self.generator)
                batch, self._stream = self.task.stream_batch(self._stream, self.generator)
            else:
                batch, self._state = self.task.sample(size, self.generator), None
            self._pending = tbptt_pieces(batch, self.config.train.tbptt if self.model.recurrent else 0, self.task.many_to_one)
        return self._pending.pop(0)

    def _forward(self, piece: Piece) -> Tensor:
        """The prediction for a piece, its lead run without gradients; the state it ends in is kept, detached."""
        state = self._state
        if piece.lead is not None:
            with torch.no_grad():
                _, state = self.model.features(piece.lead, state)
        prediction, new_state = self.model(piece.batch.x, state)
        self._state = _detach(new_state)
        return prediction

    def _train_step(self) -> bool:
        start = time.perf_counter()
        piece = self._next_piece()
        batch, step = piece.batch, self.step + 1
        if not self.model.training:
            self.model.train()
        if self.config.model.dropout and self.config.model.num_layers > 1:
            with seeded((self.config.seed * 1_000_003 + step) % 2**31):  # the same masks however steps are sliced
                prediction = self._forward(piece)
        else:
            prediction = self._forward(piece)
        loss, accuracy = task_loss(self.task, prediction, batch.y, batch.mask)
        loss_value = loss.item()  # one read, for the check and the history (a tensor op more per step cost 1 %)
        if not math.isfinite(loss_value):
            return self._stop(step, "the loss")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        clip = self.config.train.clip_norm
        grad_norm = torch.nn.utils.clip_grad_norm_(self.params, clip if clip > 0 else math.inf).item()
        if not math.isfinite(grad_norm):  # one check for all gradients; find the culprit only when there is one
            return self._stop(step, f"the gradient of {_first_non_finite(self.model, grads=True)}")
        clipped = grad_norm * min(1.0, clip / (grad_norm + 1e-6)) if clip > 0 else grad_norm  # what clip_grad_norm_ scaled to
        if self.config.train.optimizer != "sgd":
            self.optimizer.step()  # Adam and RMSprop move each weight by at most a few lr (lr ≤ 1000): no overflow
        elif overflowed := self._sgd_step():
            return self._stop(step, f"the parameter {overflowed} after the update")
        self.step = step
        self.elapsed += time.perf_counter() - start
        lr = self.optimizer.param_groups[0]["lr"]
        self.records.append((step, loss_value, accuracy, grad_norm, clipped, lr, self.elapsed))
        return True

    def _sgd_step(self) -> str | None:
        """Take an SGD step, whose size has no bound (lr × gradient); undo it and name the weight if one overflowed."""
        before = [p.detach().clone() for p in self.params]
        self.optimizer.step()
        if math.isfinite(_norm(self.params)):
            return None
        name = _first_non_finite(self.model, grads=False)
        with torch.no_grad():
            for p, saved in zip(self.params, before):
                p.copy_(saved)
        return name

    def _stop(self, step: int, quantity: str) -> bool:
        recent = tuple(float(n) for n in self.records.column("grad_norm")[-5:])
        if step == 1 and quantity == "the loss":
            hint = "The untrained model already overflows: start from smaller weights (the default initialisation) or a tanh cell."
        elif self.config.train.clip_norm == 0:
            hint = "Turn on gradient clipping, or lower the learning rate."
        else:
            hint = f"Lower the learning rate (now {self.config.train.lr:g}) or the clipping threshold."
        self.diverged = Divergence(step, quantity, recent, hint)
        self._pending, self._state, self._stream = [], None, None
        self.optimizer.zero_grad(set_to_none=True)
        return False


def _norm(tensors: list[Tensor]) -> float:
    """The global 2-norm of a list of tensors (NaN or Inf if any element is)."""
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm([t.detach() for t in tensors if t is not None]))).item()


def _first_non_finite(model, grads: bool) -> str:
    for name, p in model.named_parameters():
        t = p.grad if grads else p
        if t is not None and not torch.isfinite(t).all():
            return name
    return "a parameter"


def _detach(state):
    if state is None:
        return None
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
