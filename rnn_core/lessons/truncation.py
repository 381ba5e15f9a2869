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
from rnn_core.inspect.spectra import evenly_spread
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

    loss_steps: np.ndarray  # (R,) the steps τ that have a loss: all of them, or REACH_BUDGET's even sample
    norms: np.ndarray  # (R, T)
    piece_starts: tuple[int, ...]  # the steps where a backpropagated piece starts: no gradient crosses to before them
    losses: int  # how many steps have a loss: R, unless they were sampled


# h_t numbers (layers × directions × rows × steps × units) one stacked recording holds. Its step-by-step graph keeps
# several times that (gates, c_t and their gradients): for an LSTM of 2 × 256 units on 200 steps, the two pictures
# peak 130 MB above the process's memory and take 30 s (one copy at a time: 100 MB and 48 s; 2**22: 490 MB and 14 s).
REACH_NUMBERS = 2**20
# h_t numbers recorded for one picture, over all its losses' copies. The default model records 0.2 million for its 40
# losses, its two pictures 79 ms; that LSTM of 2 × 256 units recorded 82 million for its 200, 30 s of the server's turn
# that every session shares. Past the budget the losses are sampled, evenly, the first and the last included: that
# LSTM's pictures show 10 of its 200 losses, in 2 s; one of 2 × 128 units (the default limits allow it) 20, in 1.0 s
# rather than 9.2 s.
REACH_BUDGET = 2**22


def sampled_losses(loss_steps: list[int], per_copy: int) -> list[int]:
    """The steps τ whose loss a picture shows: all of ``loss_steps`` if their copies (``per_copy`` h_t numbers each) fit
    in REACH_BUDGET, else as many as fit (at least two), evenly spread from the first to the last."""
    return [loss_steps[i] for i in evenly_spread(len(loss_steps), REACH_BUDGET // per_copy)]


def gradient_reach(model: SequenceModel, task: Task, batch: Batch, length: int) -> Reach:
    """‖∂L_τ/∂h_t‖ on ``batch`` when the sequence is cut into pieces of ``length`` steps as the trainer cuts it
    (0: backpropagate through the whole sequence). The pieces run on from each other's final state, detached.

    One backward pass per loss L_τ cost the lesson's page 0.3 s on the default model. The batch is stacked instead,
    one copy per τ, each copy carrying its own L_τ, so that one backward pass per piece gives them all
    (``hidden_grad_norm(parts=...)``), as many copies at a time as ``REACH_NUMBERS`` allows; a large model's losses are
    sampled (:func:`sampled_losses`)."""
    inputs = model.encoder(batch.x).detach()
    B, T = inputs.shape[:2]
    every = [T - 1] if task.many_to_one else [tau for tau in range(T) if batch.mask[:, tau].any()]
    per_copy = model.config.num_layers * model.num_directions * B * T * model.config.hidden_size
    loss_steps = sampled_losses(every, per_copy)
    group = max(1, REACH_NUMBERS // per_copy)
    rows, starts = [], ()
    for i in range(0, len(loss_steps), group):
        norms, starts = _reach(model, task, batch, inputs, length, loss_steps[i : i + group])
        rows.append(norms)
    return Reach(np.array(loss_steps), np.concatenate(rows), starts, len(every))


def _reach(model: SequenceModel, task: Task, batch: Batch, inputs: torch.Tensor, length: int, taus: list[int]):
    """``(norms, piece_starts)`` for the losses at ``taus``: ``norms[k, t]`` = ‖∂L_τ/∂h_t‖ for τ = ``taus[k]``."""
    n, B, T = len(taus), inputs.size(0), inputs.size(1)
    stacked = Batch(torch.cat([inputs] * n), torch.cat([batch.y] * n), torch.cat([batch.mask] * n))  # copy k: rows kB…
    twin, state, pieces, start = model.twin(), None, [], 0
    for piece in tbptt_pieces(stacked, length, task.many_to_one):
        if piece.lead is not None:
            with torch.no_grad():
                _, state = twin(piece.lead, state)
            start += piece.lead.size(1)
        rec = twin.record(piece.batch.x, state)
        pieces.append((start, rec))
        start += piece.batch.x.size(1)
        state = _detached(rec.final_state)

    losses = []
    for piece_start, rec in pieces:
        scores = model.readout(rec.output)  # (nB, piece, O), or (nB, O) for a task that answers once
        if task.many_to_one:
            losses.append(task_loss(task, scores, stacked.y, stacked.mask)[0])  # its one loss: one copy
            continue
        for k, tau in enumerate(taus):
            if piece_start <= tau < piece_start + rec.output.size(1):
                i, copy = tau - piece_start, slice(k * B, (k + 1) * B)
                losses.append(task_loss(task, scores[copy, i : i + 1], batch.y[:, tau : tau + 1], batch.mask[:, tau : tau + 1])[0])
    total = torch.stack(losses).sum()

    layers = model.config.num_layers * model.num_directions
    row = layers - model.num_directions  # the top layer, forward direction
    norms = np.zeros((n, T))
    for piece_start, rec in pieces:  # every piece, the earlier ones too: autograd finds no path to them
        grads = rec.hidden_grad_norm(total, parts=n).reshape(n, layers, -1)[:, row].numpy()  # (n, piece); parts=1: no n axis
        norms[:, piece_start : piece_start + grads.shape[1]] = grads
    return norms, tuple(s for s, _ in pieces)


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
