"""Probe snapshots of a trained model, their memory bound, and text generation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.testing import assert_close

from rnn_core import probes
from rnn_core.config import ExperimentConfig, ModelConfig, TaskConfig, TrainConfig
from rnn_core.generate import sample_text, top_k_next
from rnn_core.losses import task_loss
from rnn_core.probes import SnapshotStore, jacobian_steps, take_snapshot
from rnn_core.tasks import make_task
from rnn_core.training import Trainer


def make(task: TaskConfig, model: ModelConfig, **train) -> Trainer:
    cfg = ExperimentConfig(task=task, model=model, train=TrainConfig(**train))
    return Trainer(cfg, make_task(cfg.task))


@pytest.mark.parametrize(
    "task,model",
    [
        (TaskConfig(name="sine", seq_len=10), ModelConfig(cell="lstm", hidden_size=6, num_layers=2)),
        (TaskConfig(name="adding", seq_len=10), ModelConfig(cell="gru", hidden_size=6, bidirectional=True)),
        (TaskConfig(name="copy", delay=7), ModelConfig(cell="rnn_tanh", hidden_size=6)),
    ],
)
def test_snapshot_contents_match_independent_computations(task, model):
    t = make(task, model, probe_every=5, probe_batch=3)
    t.run(5)
    assert t.snapshots.steps == [0, 5]
    snap = t.snapshots.latest
    LD = model.num_layers * (2 if model.bidirectional else 1)
    T = t.task.seq_len
    assert snap.hidden.shape == (LD, 3, T, model.hidden_size)
    assert snap.grad_norm.shape == snap.grad_norm_last.shape == snap.jacobian_radius.shape == (LD, T)
    assert snap.step_loss.shape == snap.input_sensitivity.shape == (T,)
    # the predictions are the fused model's, the loss is the task's
    prediction, _ = t.model(t.probe.x)
    assert_close(torch.from_numpy(snap.prediction), prediction.detach(), atol=1e-5, rtol=1e-5)
    loss, _ = task_loss(t.task, prediction, t.probe.y, t.probe.mask)
    counted = ~np.isnan(snap.step_loss)
    if t.task.mode == "many_to_many" and t.task.kind == "regression":
        assert snap.step_loss[counted].mean() == pytest.approx(loss.item(), rel=1e-5)
    if t.task.mode == "many_to_one":
        assert snap.step_loss[-1] == pytest.approx(loss.item(), rel=1e-4)  # reading out at the last step is the answer
    if t.task.name == "copy":
        assert counted.tolist() == [False] * (T - 1) + [True]


def test_eigenvalues_and_step_jacobian_of_a_plain_rnn():
    t = make(TaskConfig(name="sine", seq_len=8), ModelConfig(cell="rnn_tanh", hidden_size=5), probe_batch=2)
    snap = t.snapshots.latest
    W = t.model.rnn.weight_hh_l0.detach().double()
    np.testing.assert_allclose(np.sort_complex(snap.eigenvalues["l0"]), np.sort_complex(np.linalg.eigvals(W.numpy())), atol=1e-9)
    h = torch.from_numpy(snap.hidden[0, 0]).double()  # (T, H) of the first probe sequence
    for step in range(8):
        jac = torch.diag(1 - h[step] ** 2) @ W  # ∂h_t/∂h_{t-1} = diag(1 - h_t²) W_hh
        radius = torch.linalg.eigvals(jac).abs().max().item()
        assert snap.jacobian_radius[0, step] == pytest.approx(radius, rel=1e-4)


def test_big_models_measure_the_step_jacobian_at_evenly_spread_steps(monkeypatch):
    assert jacobian_steps(40, 64, 1).tolist() == list(range(40))  # the default LSTM: every step
    assert jacobian_steps(200, 512, 2).tolist() == [0, 15, 31, 46, 61, 77, 92, 107, 122, 138, 153, 168, 184, 199]
    assert jacobian_steps(200, 4096, 4).tolist() == [0, 199]  # never fewer than the first and the last
    monkeypatch.setattr(probes, "JACOBIAN_BUDGET", 4 * 5**3)  # a tiny budget: 4 of the 8 steps of a 5-unit RNN
    t = make(TaskConfig(name="sine", seq_len=8), ModelConfig(cell="rnn_tanh", hidden_size=5), probe_batch=2)
    snap = t.snapshots.latest
    measured = np.flatnonzero(~np.isnan(snap.jacobian_radius[0]))
    assert measured.tolist() == [0, 2, 5, 7]
    W = t.model.rnn.weight_hh_l0.detach().double()
    h = torch.from_numpy(snap.hidden[0, 0]).double()
    for step in measured:
        radius = torch.linalg.eigvals(torch.diag(1 - h[step] ** 2) @ W).abs().max().item()
        assert snap.jacobian_radius[0, step] == pytest.approx(radius, rel=1e-4)


def test_gated_cells_report_eigenvalues_per_gate_block():
    t = make(TaskConfig(name="sine", seq_len=8), ModelConfig(cell="lstm", hidden_size=4, num_layers=2))
    assert sorted(t.snapshots.latest.eigenvalues) == sorted(f"l{k}:{g}" for k in (0, 1) for g in ("input", "forget", "cell", "output"))


def test_snapshot_store_thins_old_snapshots_within_its_bound():
    t = make(TaskConfig(name="sine", seq_len=10), ModelConfig(cell="lstm", hidden_size=6), probe_every=1)
    one = t.snapshots.latest.nbytes
    store = SnapshotStore(max_bytes=10 * one)
    for step in range(0, 100):
        store.add(take_snapshot(t.model, t.task, t.probe, step))
        assert store.nbytes <= 10 * one
    assert store.steps[0] == 0 and store.steps[-1] == 99
    assert store.steps == sorted(store.steps) and len(store.steps) >= 5
    assert store.nearest(50).step == min(store.steps, key=lambda s: (abs(s - 50), s))


def test_snapshot_costs_little_memory_by_default():
    t = make(TaskConfig(), ModelConfig())
    assert t.snapshots.latest.nbytes < 500_000  # the default model: a fraction of the 10 MB bound


def trained_hello() -> Trainer:
    t = make(TaskConfig(name="characters", text_source="hello"), ModelConfig(cell="rnn_tanh", hidden_size=3), lr=0.05, probe_every=1000)
    t.run(300)
    return t


def test_a_trained_hello_model_spells_hello():
    t = trained_hello()
    assert sample_text(t.model, t.task, "h", 4, temperature=0.1) == "hello"
    table = top_k_next(t.model, t.task, "hell", k=2)
    assert list(table.columns) == ["position", "character", "rank", "next", "probability"]
    best = table[table["rank"] == 1]
    assert best["next"].tolist() == ["e", "l", "l", "o"]
    assert (best["probability"] > 0.9).all()
    assert table.groupby("position")["probability"].apply(lambda p: p.is_monotonic_decreasing).all()


def test_sampling_is_reproducible_and_checks_its_arguments():
    t = trained_hello()
    a = sample_text(t.model, t.task, "he", 20, temperature=5.0, seed=3)
    assert a == sample_text(t.model, t.task, "he", 20, temperature=5.0, seed=3) and len(a) == 22
    with pytest.raises(ValueError, match="temperature"):
        sample_text(t.model, t.task, "h", 5, temperature=0)
    with pytest.raises(ValueError, match="not in the vocabulary: 'z'"):
        sample_text(t.model, t.task, "hz", 5)
    with pytest.raises(ValueError, match="prompt is empty"):
        sample_text(t.model, t.task, "", 5)
