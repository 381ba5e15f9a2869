"""Truncated BPTT: the state runs on from piece to piece, the gradient does not.

The notes train on one long series in windows and write ``hidden = hidden.data`` after every forward pass: the next
window starts from this one's state, but backpropagation stops there. The trainer does the same inside each batch
with the "Truncated BPTT length" k (``tbptt_pieces``). Here, on the live model, is where the cut falls: the gradient
of each step's loss L_τ with respect to every h_t, with and without it, so the block structure shows, and what the
cut costs a task whose dependency is longer than a piece (copy with a delay beyond k).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from rnn_core.config import ExperimentConfig
from rnn_core.data.tasks import Batch, Task
from rnn_core.lessons.accuracy_runs import accuracy_curve
from rnn_core.train.losses import task_loss
from rnn_core.train.models import SequenceModel
from rnn_core.train.trainer import tbptt_pieces

# What the cut costs: copy after 30 steps, pieces of 10. The symbol is in the first piece and the answer in the last,
# so no gradient links them: the truncated LSTM stays at chance (1 in 4) while full BPTT reaches 100 % in 400 steps.
# (With a delay of 20 the untrained state happens to keep some of the symbol: truncated BPTT then creeps up slowly.)
COST_CONFIG = ExperimentConfig().with_changes(
    task={"name": "copy", "delay": 30},
    model={"cell": "lstm", "memory_gate_bias": 3.0},
    train={"lr": 0.01, "probe_every": 100_000},
)
COST_PIECE = 10  # the truncation length of the truncated run
COST_STEPS = 400


@dataclass(frozen=True)
class Reach:
    """How far back each loss's gradient reaches: ``norms[i, t]`` = ‖∂L_τ/∂h_t‖ for τ = ``loss_steps[i]``, over the
    probe batch, top layer (forward direction). Zero where t > τ, and where truncation cut the path."""

    loss_steps: np.ndarray  # (R,) the steps τ that have a loss
    norms: np.ndarray  # (R, T)
    piece_starts: tuple[int, ...]  # the steps where a backpropagated piece starts: no gradient crosses to before them


def gradient_reach(model: SequenceModel, task: Task, batch: Batch, length: int) -> Reach:
    """‖∂L_τ/∂h_t‖ on ``batch`` when the sequence is cut into pieces of ``length`` steps as the trainer cuts it
    (0: backpropagate through the whole sequence). The pieces run on from each other's final state, detached."""
    twin = model.twin()
    inputs = model.encoder(batch.x).detach()
    state, pieces, start = None, [], 0
    for piece in tbptt_pieces(Batch(inputs, batch.y, batch.mask), length, task.many_to_one):
        if piece.lead is not None:
            with torch.no_grad():
                _, state = twin(piece.lead, state)
            start += piece.lead.size(1)
        rec = twin.record(piece.batch.x, state)
        pieces.append((start, rec))
        start += piece.batch.x.size(1)
        state = _detached(rec.final_state)

    row = (model.config.num_layers - 1) * model.num_directions  # the top layer, forward direction
    T = batch.x.size(1)
    loss_steps, rows = [], []
    for piece_start, rec in pieces:
        for tau, loss in _step_losses(model, task, batch, piece_start, rec):
            norms = np.zeros(T)
            for other_start, other in pieces:  # every piece, the earlier ones too: autograd finds no path to them
                grads = other.hidden_grad_norm(loss)[row].numpy()
                norms[other_start : other_start + grads.size] = grads
            loss_steps.append(tau)
            rows.append(norms)
    return Reach(np.array(loss_steps), np.stack(rows), tuple(s for s, _ in pieces))


def _step_losses(model: SequenceModel, task: Task, batch: Batch, start: int, rec):
    """(τ, L_τ) for every step of a piece that has a loss: the last step's for a many-to-one task."""
    if task.many_to_one:
        loss, _ = task_loss(task, model.readout(rec.output), batch.y, batch.mask)
        yield batch.x.size(1) - 1, loss
        return
    scores = model.readout(rec.output)  # (B, piece, O)
    for i in range(scores.size(1)):
        tau = start + i
        mask = batch.mask[:, tau : tau + 1]
        if mask.any():
            yield tau, task_loss(task, scores[:, i : i + 1], batch.y[:, tau : tau + 1], mask)[0]


def _detached(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def truncation_cost(steps: int = COST_STEPS) -> pd.DataFrame:
    """Train the same LSTM on copy with a delay of 30, through the whole sequence and in pieces of 10: one row per step
    and run, with the accuracy and its running mean (accuracy_curve)."""
    runs = (("whole sequence", 0), (f"pieces of {COST_PIECE}", COST_PIECE))
    frames = [
        accuracy_curve(COST_CONFIG.with_changes(train={"tbptt": length}), steps).assign(backpropagated=title) for title, length in runs
    ]
    return pd.concat(frames, ignore_index=True)
