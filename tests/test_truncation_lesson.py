"""The Truncated BPTT lesson: ‖∂L_τ/∂h_t‖ with and without the cut, against a tanh RNN written out by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnn_core.config import ExperimentConfig
from rnn_core.data.tasks import make_task
from rnn_core.lessons.truncation import gradient_reach
from rnn_core.train.trainer import Trainer, tbptt_pieces


def by_hand(model, batch, cut: int | None) -> np.ndarray:
    """h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), detached at every multiple of ``cut``; ŷ_t = W h_t + b;
    L_τ = MSE at τ. Returns ‖∂L_τ/∂h_t‖ over the batch, (T, T)."""
    rnn, head, x, y = model.rnn, model.head, batch.x, batch.y
    B, T, _ = x.shape
    h, states = torch.zeros(B, rnn.hidden_size), []
    for t in range(T):
        if cut and t % cut == 0:
            h = h.detach()
        h = torch.tanh(x[:, t] @ rnn.weight_ih_l0.T + rnn.bias_ih_l0 + h @ rnn.weight_hh_l0.T + rnn.bias_hh_l0)
        states.append(h)
    norms = np.zeros((T, T))
    for tau in range(T):
        loss = F.mse_loss(states[tau] @ head.weight.T + head.bias, y[:, tau])
        grads = torch.autograd.grad(loss, states, retain_graph=True, allow_unused=True)
        norms[tau] = [0.0 if g is None else torch.linalg.vector_norm(g).item() for g in grads]
    return norms


def test_the_reach_with_and_without_the_cut_is_autograd_on_the_recurrence_written_out():
    config = ExperimentConfig().with_changes(task={"name": "sine", "seq_len": 12}, model={"cell": "rnn_tanh", "hidden_size": 5})
    trainer = Trainer(config, make_task(config.task))
    trainer.run(5)
    model, batch = trainer.model, trainer.probe
    for cut in (None, 4, 5):
        reach = gradient_reach(model, trainer.task, batch, cut or 0)
        expected = by_hand(model, batch, cut)
        assert reach.loss_steps.tolist() == list(range(12))
        np.testing.assert_allclose(reach.norms, expected, rtol=1e-5, atol=1e-9)
        assert reach.piece_starts == ((0,) if cut is None else tuple(range(0, 12, cut)))
    cut_at_4 = gradient_reach(model, trainer.task, batch, 4).norms
    assert (cut_at_4[11, :8] == 0).all() and (cut_at_4[11, 8:] > 0).all()  # τ = 11 sits in the piece 8..11
    assert (cut_at_4[5, :4] == 0).all() and (cut_at_4[5, 4:6] > 0).all() and (cut_at_4[5, 6:] == 0).all()


def test_the_copy_task_backpropagates_one_piece_the_rest_only_carries_the_state():
    config = ExperimentConfig().with_changes(task={"name": "copy", "delay": 12}, model={"cell": "gru", "hidden_size": 6})
    trainer = Trainer(config, make_task(config.task))
    pieces = tbptt_pieces(trainer.probe, 4, many_to_one=False)
    assert len(pieces) == 1 and pieces[0].lead.shape[1] == 12 and pieces[0].batch.x.shape[1] == 1  # 13 steps: 12 + 1
    reach = gradient_reach(trainer.model, trainer.task, trainer.probe, 4)
    assert reach.loss_steps.tolist() == [12] and reach.piece_starts == (12,)
    assert (reach.norms[0, :12] == 0).all() and reach.norms[0, 12] > 0
    whole = gradient_reach(trainer.model, trainer.task, trainer.probe, 0)
    assert (whole.norms[0] > 0).all() and whole.norms[0, 12] == reach.norms[0, 12]  # the last step's own term is not cut


def test_a_many_to_one_task_runs_its_first_steps_without_gradients():
    config = ExperimentConfig().with_changes(task={"name": "adding", "seq_len": 20})
    trainer = Trainer(config, make_task(config.task))
    reach = gradient_reach(trainer.model, trainer.task, trainer.probe, 5)
    assert reach.loss_steps.tolist() == [19] and reach.piece_starts == (15,)
    assert (reach.norms[0, :15] == 0).all() and (reach.norms[0, 15:] > 0).all()


@pytest.mark.parametrize("task", [{"name": "sine", "seq_len": 10}, {"name": "characters", "seq_len": 10, "text_source": "grammar"}])
def test_stacking_the_losses_gives_what_one_backward_pass_per_loss_gives(monkeypatch, task):
    """gradient_reach stacks one copy of the batch per L_τ and backpropagates them together, as many at a time as
    REACH_NUMBERS allows: two layers (the top one's), cut or not, numbers or one-hot characters, the same norms as one
    copy (one L_τ) at a time. (A task with a loss at every step has no bidirectional model; one that answers once has
    one L_τ to stack.)"""
    from rnn_core.lessons import truncation

    config = ExperimentConfig().with_changes(task=task, model={"cell": "gru", "hidden_size": 4, "num_layers": 2})
    trainer = Trainer(config, make_task(config.task))
    trainer.run(3)
    args = trainer.model, trainer.task, trainer.probe
    for cut in (0, 3):
        stacked = gradient_reach(*args, cut)
        per_copy = 2 * len(trainer.probe.x) * 10 * 4  # layers × rows × steps × units
        monkeypatch.setattr(truncation, "REACH_NUMBERS", 3 * per_copy)  # three losses at a time: groups of 3, 3, 3, 1
        grouped = gradient_reach(*args, cut)
        monkeypatch.setattr(truncation, "REACH_NUMBERS", 1)  # one loss at a time
        alone = gradient_reach(*args, cut)
        monkeypatch.undo()
        assert stacked.loss_steps.tolist() == alone.loss_steps.tolist() == list(range(10))
        assert stacked.piece_starts == alone.piece_starts == grouped.piece_starts
        np.testing.assert_allclose(stacked.norms, alone.norms, rtol=1e-5, atol=1e-9)
        np.testing.assert_allclose(grouped.norms, alone.norms, rtol=1e-5, atol=1e-9)
        first = 9 - 9 % cut if cut else 0  # where the piece of τ = 9 starts
        assert (alone.norms[9, first:] > 0).all() and (alone.norms[9, :first] == 0).all()


def test_a_large_models_losses_are_sampled_evenly_and_each_row_is_its_own(monkeypatch):
    """Past REACH_BUDGET the picture shows some losses, evenly spread, the first and the last included, each row the
    same norms as with every loss drawn (a row's gradient is its own loss's, whoever else is stacked)."""
    from rnn_core.lessons import truncation

    config = ExperimentConfig().with_changes(task={"seq_len": 10}, model={"cell": "gru", "hidden_size": 4, "num_layers": 2})
    trainer = Trainer(config, make_task(config.task))
    trainer.run(3)
    args = trainer.model, trainer.task, trainer.probe
    every = gradient_reach(*args, 3)
    per_copy = 2 * len(trainer.probe.x) * 10 * 4  # layers × rows × steps × units
    monkeypatch.setattr(truncation, "REACH_BUDGET", 4 * per_copy)  # four losses' copies
    sampled = gradient_reach(*args, 3)
    assert every.losses == sampled.losses == len(every.loss_steps) == 10
    assert sampled.loss_steps.tolist() == [0, 3, 6, 9]
    np.testing.assert_allclose(sampled.norms, every.norms[[0, 3, 6, 9]], rtol=1e-5, atol=1e-9)
    assert sampled.piece_starts == every.piece_starts
    assert truncation.sampled_losses(list(range(10)), 10 * per_copy) == [0, 9]  # at least the first and the last
