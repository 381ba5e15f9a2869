"""Probe snapshots of a trained model, their memory bound, and text generation."""

from __future__ import annotations

import pickle
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.testing import assert_close

from rnn_core.config import ExperimentConfig, ModelConfig, TaskConfig, TrainConfig
from rnn_core.data.tasks import make_task
from rnn_core.inspect import probes
from rnn_core.inspect.generate import sample_text, top_k_next
from rnn_core.inspect.probes import Snapshots, SnapshotStore, snapshots_of, take_snapshot
from rnn_core.inspect.spectra import DEFERRED_COST, MeasuredSpectra, WeightBlock, WeightSpectra, jacobian_steps
from rnn_core.train.losses import task_loss
from rnn_core.train.trainer import Trainer


def make(task: TaskConfig, model: ModelConfig, **train) -> Trainer:
    cfg = ExperimentConfig(task=task, model=model, train=TrainConfig(**train))
    return Trainer(cfg, make_task(cfg.task), observers=[Snapshots()])


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
    assert snapshots_of(t).steps == [0, 5]
    snap = snapshots_of(t).latest
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


@pytest.mark.parametrize(
    "task,model",
    [
        (TaskConfig(name="sine", seq_len=9), ModelConfig(cell="lstm", hidden_size=5, num_layers=2)),
        (TaskConfig(name="characters", seq_len=8, text_source="hello"), ModelConfig(cell="gru", hidden_size=4)),
        (TaskConfig(name="adding", seq_len=7), ModelConfig(cell="rnn_relu", hidden_size=4, bidirectional=True)),
        (TaskConfig(name="parity", seq_len=6), ModelConfig(cell="lstm", hidden_size=3, bidirectional=True)),
    ],
)
def test_snapshot_gradients_equal_one_backward_pass_per_quantity(task, model):
    """The snapshot's one backward pass over three copies of the batch gives what three separate passes give."""
    t = make(task, model, probe_batch=3)
    t.run(3)
    snap = take_snapshot(t.model, t.task, t.probe, t.step)
    batch, tau = t.probe, snap.loss_step
    encoded = t.model.encoder(batch.x).detach().requires_grad_(True)
    rec = t.model.twin().record(encoded)
    prediction = t.model.readout(rec.output)
    loss, _ = task_loss(t.task, prediction, batch.y, batch.mask)
    if t.task.mode == "many_to_many":
        loss_tau, _ = task_loss(t.task, prediction[:, tau : tau + 1], batch.y[:, tau : tau + 1], batch.mask[:, tau : tau + 1])
        at_tau, answer = prediction[:, tau], batch.y[:, tau]
    else:
        loss_tau, at_tau, answer = loss, prediction, batch.y
    score = at_tau.gather(-1, answer.unsqueeze(-1)).sum() if t.task.kind == "classification" else at_tau.sum()
    assert snap.loss == pytest.approx(loss.item(), rel=1e-6)
    assert_close(torch.from_numpy(snap.hidden), rec.hidden)
    assert_close(torch.from_numpy(snap.grad_norm), rec.hidden_grad_norm(loss))
    assert_close(torch.from_numpy(snap.grad_norm_last), rec.hidden_grad_norm(loss_tau))
    (x_grad,) = torch.autograd.grad(score, encoded)
    assert_close(torch.from_numpy(snap.input_sensitivity), x_grad.norm(dim=(0, 2)))
    assert snap.hidden.base is None or snap.hidden.base.nbytes == snap.hidden.nbytes  # holds its own batch, not all three copies


@pytest.mark.parametrize("mode", ["RNN_TANH", "RNN_RELU", "GRU", "LSTM"])
def test_step_jacobians_written_out_equal_autograd(mode):
    from torch.func import jacrev, vmap

    from rnn_core.nn.cells import STEP_FUNCTIONS
    from rnn_core.nn.jacobians import step_jacobians

    torch.manual_seed(0)
    H, N, gates = 4, 6, {"RNN_TANH": 1, "RNN_RELU": 1, "GRU": 3, "LSTM": 4}[mode]
    w_hh, b_hh, x_proj = torch.randn(gates * H, H), torch.randn(gates * H), torch.randn(N, gates * H)
    states = 2 if mode == "LSTM" else 1
    prev = torch.randn(N, states * H)
    step = STEP_FUNCTIONS[mode]

    def flat_step(s, xp):
        new, _ = step(xp.unsqueeze(0), tuple(v.unsqueeze(0) for v in s.split(H)), w_hh, b_hh)
        return torch.cat([v[0] for v in new])

    new, recorded_gates = step(x_proj, prev.split(H, dim=-1), w_hh, b_hh)
    ours = step_jacobians(mode, w_hh, b_hh, prev.split(H, dim=-1), new, recorded_gates)
    assert_close(ours, vmap(jacrev(flat_step))(prev, x_proj), atol=1e-6, rtol=1e-5)


def test_an_lstm_trained_from_constant_weights_gets_its_snapshots():
    """Its W_hh blocks have rank 2, on which MKL's eigvals fails to converge: numpy's LAPACK answers instead."""
    t = make(TaskConfig(name="sine"), ModelConfig(cell="lstm", init="constant", init_value=0.5), probe_every=100)
    t.run(100)
    eigenvalues = snapshots_of(t).latest.eigenvalues[WeightBlock(0, gate="forget")]
    assert eigenvalues.dtype == np.complex128 and eigenvalues.shape == (32,)
    W = t.model.rnn.weight_hh_l0.detach().double()[32:64].numpy()
    np.testing.assert_allclose(np.sort(np.abs(eigenvalues)), np.sort(np.abs(np.linalg.eigvals(W))), atol=1e-9)


def test_the_twin_is_built_once_and_again_when_the_parameters_are_replaced():
    t = make(TaskConfig(name="sine", seq_len=5), ModelConfig(cell="gru", hidden_size=3))
    twin = probes._twin(t.model)
    assert probes._twin(t.model) is twin
    t.model.rnn.weight_hh_l0 = torch.nn.Parameter(torch.zeros_like(t.model.rnn.weight_hh_l0))
    assert probes._twin(t.model) is not twin and probes._twin(t.model).weight_hh_l0 is t.model.rnn.weight_hh_l0


def test_eigenvalues_and_step_jacobian_of_a_plain_rnn():
    t = make(TaskConfig(name="sine", seq_len=8), ModelConfig(cell="rnn_tanh", hidden_size=5), probe_batch=2)
    snap = snapshots_of(t).latest
    W = t.model.rnn.weight_hh_l0.detach().double()
    np.testing.assert_allclose(np.sort_complex(snap.eigenvalues[WeightBlock(0)]), np.sort_complex(np.linalg.eigvals(W.numpy())), atol=1e-9)
    h = torch.from_numpy(snap.hidden[0, 0]).double()  # (T, H) of the first probe sequence
    for step in range(8):
        jac = torch.diag(1 - h[step] ** 2) @ W  # ∂h_t/∂h_{t-1} = diag(1 - h_t²) W_hh
        radius = torch.linalg.eigvals(jac).abs().max().item()
        assert snap.jacobian_radius[0, step] == pytest.approx(radius, rel=1e-4)


def test_big_models_measure_the_step_jacobian_at_evenly_spread_steps(monkeypatch):
    assert jacobian_steps(40, 64, 1).tolist() == list(range(40))  # the default LSTM: every step
    assert jacobian_steps(200, 512, 2).tolist() == [0, 15, 31, 46, 61, 77, 92, 107, 122, 138, 153, 168, 184, 199]
    assert jacobian_steps(200, 4096, 4).tolist() == [0, 199]  # never fewer than the first and the last
    monkeypatch.setattr(probes, "KEPT_JACOBIAN_BUDGET", 4 * 5**3)  # a tiny budget: 4 of the 8 steps of a 5-unit RNN
    monkeypatch.setattr(probes, "DEFERRED_COST", 0)  # measured at once, within that budget
    t = make(TaskConfig(name="sine", seq_len=8), ModelConfig(cell="rnn_tanh", hidden_size=5), probe_batch=2)
    snap = snapshots_of(t).latest
    measured = np.flatnonzero(~np.isnan(snap.jacobian_radius[0]))
    assert measured.tolist() == [0, 2, 5, 7]
    W = t.model.rnn.weight_hh_l0.detach().double()
    h = torch.from_numpy(snap.hidden[0, 0]).double()
    for step in measured:
        radius = torch.linalg.eigvals(torch.diag(1 - h[step] ** 2) @ W).abs().max().item()
        assert snap.jacobian_radius[0, step] == pytest.approx(radius, rel=1e-4)


@pytest.mark.parametrize(
    "model",
    [
        ModelConfig(cell="lstm"),  # the default model
        ModelConfig(cell="gru", hidden_size=6, num_layers=2, bidirectional=True),  # b_hn, a reverse direction, layer 2
        ModelConfig(cell="rnn_tanh", hidden_size=5, num_layers=2),
    ],
    ids=["lstm", "gru-2-layers-bidirectional", "rnn-2-layers"],
)
def test_kept_snapshots_leave_cheap_spectra_to_the_first_reader_who_gets_what_a_snapshot_now_measures(model):
    """A kept snapshot is taken every probe_every steps, but few views ever show its spectra: its eigendecompositions
    wait for the view that reads them, from the weights as they were then. Read after more training and after crossing a pipe (pickled, as
    from a training process), they are the numbers a snapshot taken at that step measures at once, at every step."""
    task = TaskConfig(name="adding" if model.bidirectional else "sine", seq_len=12)
    t = make(task, model)
    kept = snapshots_of(t).latest
    assert isinstance(kept.spectra, WeightSpectra) and kept.spectra.cost <= DEFERRED_COST
    assert not {"eigenvalues", "jacobian_radius"} & set(vars(kept.spectra))  # nothing measured yet
    now = take_snapshot(t.model, t.task, t.probe, t.step)
    assert isinstance(now.spectra, MeasuredSpectra)
    t.run(20)  # the weights move on; the kept snapshot keeps its own copy
    crossed = pickle.loads(pickle.dumps(kept))
    assert np.isfinite(crossed.jacobian_radius).all()
    np.testing.assert_array_equal(crossed.jacobian_radius, now.jacobian_radius)
    assert crossed.eigenvalues.keys() == now.eigenvalues.keys()
    for block, values in now.eigenvalues.items():
        np.testing.assert_array_equal(crossed.eigenvalues[block], values)
    copies = sum(a.nbytes for pair in crossed.spectra.weights for a in pair if a is not None)
    assert crossed.spectra.nbytes == copies + now.spectra.nbytes  # the store's bound counts what reading will hold


def assert_same_snapshot(a, b) -> None:
    """Bit for bit: every array, gate and spectrum of two snapshots."""
    for name, value in vars(a).items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(value, getattr(b, name), err_msg=name)
    assert (a.step, a.loss, a.loss_step, a.gates.keys()) == (b.step, b.loss, b.loss_step, b.gates.keys())
    for gate, values in a.gates.items():
        np.testing.assert_array_equal(values, b.gates[gate])
    np.testing.assert_array_equal(a.jacobian_radius, b.jacobian_radius)
    assert a.eigenvalues.keys() == b.eigenvalues.keys()
    for block, values in a.eigenvalues.items():
        np.testing.assert_array_equal(values, b.eigenvalues[block])


def held_snapshot_thread() -> tuple[ThreadPoolExecutor, threading.Event]:
    """A snapshot thread kept busy until the event is set."""
    free, beside = threading.Event(), ThreadPoolExecutor(max_workers=1)
    beside.submit(free.wait, 30)
    return beside, free


@pytest.mark.parametrize("cell", ["lstm", "gru", "mingru"])
def test_training_goes_on_while_a_snapshot_is_taken_beside_it_and_gets_the_snapshot_it_would_have_waited_for(cell, monkeypatch):
    """Snapshots(beside=...), a training process's way, for a snapshot that took long (here: any): the snapshot thread
    is held busy, yet training goes on through the steps up to the next snapshot; once the thread is free, every
    snapshot kept is the one taken in training's way, to the bit, though the model had trained on meanwhile."""
    monkeypatch.setattr(probes, "BESIDE_SECONDS", 0.0)
    config = ExperimentConfig(
        task=TaskConfig(name="sine", seq_len=12), model=ModelConfig(cell=cell, hidden_size=6), train=TrainConfig(probe_every=5)
    )
    in_the_way = Trainer(config, make_task(config.task), observers=[Snapshots()])
    in_the_way.run(15)
    beside, free = held_snapshot_thread()
    trainer = Trainer(config, make_task(config.task), observers=[Snapshots(beside=beside)])
    kept = snapshots_of(trainer)
    assert kept.steps == [0] and kept.seconds > 0  # the first one, in training's way, is timed
    assert trainer.run(9) == 9  # step 5's snapshot waits behind the busy thread; the training does not
    assert kept.steps == [0] and not kept.in_flight.done()
    kept.collect()  # never waits
    assert kept.steps == [0]
    free.set()
    trainer.run(6)  # step 10's snapshot waited for step 5's to be kept: in step order, one in flight at most
    kept.settle()
    assert kept.steps == snapshots_of(in_the_way).steps == [0, 5, 10, 15]
    for a, b in zip(kept.items, snapshots_of(in_the_way).items):
        assert_same_snapshot(a, b)
    beside.shutdown()


def test_a_snapshot_that_took_little_is_taken_in_trainings_way_even_with_a_snapshot_thread():
    """Beside training, a small model's snapshot (mostly Python) cost training as long a wait as itself, or longer."""
    config = ExperimentConfig(
        task=TaskConfig(name="sine", seq_len=8), model=ModelConfig(cell="gru", hidden_size=4), train=TrainConfig(probe_every=5)
    )
    beside, free = held_snapshot_thread()
    trainer = Trainer(config, make_task(config.task), observers=[Snapshots(beside=beside)])
    trainer.run(10)
    kept = snapshots_of(trainer)
    assert kept.steps == [0, 5, 10] and kept.in_flight is None and 0 < kept.seconds <= probes.BESIDE_SECONDS
    free.set()
    beside.shutdown()


def test_a_restore_drops_the_snapshot_in_flight_of_the_model_before_it(monkeypatch):
    monkeypatch.setattr(probes, "BESIDE_SECONDS", 0.0)
    config = ExperimentConfig(
        task=TaskConfig(name="sine", seq_len=8), model=ModelConfig(cell="gru", hidden_size=4), train=TrainConfig(probe_every=5)
    )
    saved = Trainer(config, make_task(config.task))
    saved.run(7)
    beside, free = held_snapshot_thread()
    trainer = Trainer(config, make_task(config.task), observers=[Snapshots(beside=beside)])
    trainer.run(5)
    kept = snapshots_of(trainer)
    assert kept.in_flight is not None  # step 5's, behind the busy thread
    trainer.restore(saved.model.state_dict(), 7, saved.records.rows().tolist())
    free.set()
    kept.settle()
    assert kept.steps == [7]
    in_the_way = take_snapshot(saved.model, saved.task, saved.probe, 7, probes.KEPT_JACOBIAN_BUDGET, defer_spectra=True)
    assert_same_snapshot(kept.latest, in_the_way)
    beside.shutdown()


def test_a_kept_snapshot_too_costly_to_leave_for_later_is_measured_at_once_within_the_kept_budget(monkeypatch):
    monkeypatch.setattr(probes, "DEFERRED_COST", 100)  # below any model's: nothing is deferred
    t = make(TaskConfig(name="sine", seq_len=8), ModelConfig(cell="rnn_tanh", hidden_size=5))
    kept = snapshots_of(t).latest
    assert isinstance(kept.spectra, MeasuredSpectra) and np.isfinite(kept.jacobian_radius).all()


def test_gated_cells_report_eigenvalues_per_gate_block():
    t = make(TaskConfig(name="sine", seq_len=8), ModelConfig(cell="lstm", hidden_size=4, num_layers=2))
    blocks = snapshots_of(t).latest.eigenvalues
    assert sorted(b.label for b in blocks) == sorted(f"l{k}:{g}" for k in (0, 1) for g in ("input", "forget", "cell", "output"))
    assert sorted(blocks) == sorted(WeightBlock(k, False, g) for k in (0, 1) for g in ("input", "forget", "cell", "output"))


def test_a_reverse_directions_blocks_are_keyed_by_layer_direction_and_gate():
    t = make(TaskConfig(name="adding", seq_len=6), ModelConfig(cell="gru", hidden_size=3, bidirectional=True))
    blocks = snapshots_of(t).latest.eigenvalues
    reset = blocks[WeightBlock(0, reverse=True, gate="reset")]
    W = t.model.rnn.weight_hh_l0_reverse.detach().double()[0:3].numpy()  # torch's rows: [reset | update | new]
    np.testing.assert_allclose(np.sort_complex(reset), np.sort_complex(np.linalg.eigvals(W)), atol=1e-9)
    assert WeightBlock(0, reverse=True, gate="reset").label == "l0_reverse:reset" and WeightBlock(1).label == "l1"
    assert len(blocks) == 6  # two directions, three gates


def test_snapshot_store_thins_old_snapshots_within_its_bound():
    t = make(TaskConfig(name="sine", seq_len=10), ModelConfig(cell="lstm", hidden_size=6), probe_every=1)
    one = snapshots_of(t).latest.nbytes
    store = SnapshotStore(max_bytes=10 * one)
    for step in range(0, 100):
        store.add(take_snapshot(t.model, t.task, t.probe, step))
        assert store.nbytes <= 10 * one
    assert store.steps[0] == 0 and store.steps[-1] == 99
    assert store.steps == sorted(store.steps) and len(store.steps) >= 5
    assert store.nearest(50).step == min(store.steps, key=lambda s: (abs(s - 50), s))


def test_snapshot_costs_little_memory_by_default():
    t = make(TaskConfig(), ModelConfig())
    assert snapshots_of(t).latest.nbytes < 500_000  # the default model: a fraction of the 10 MB bound


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


def test_eigenvalues_of_matrices_that_are_not_finite_are_nan_and_never_crash_the_process():
    """MKL's LAPACK ends the process with a segmentation fault on all-NaN matrices (a model fed an overflowing series
    did it): in a subprocess, so that a regression fails this test instead of taking the whole run down."""
    script = (
        "import math, torch\n"
        "from rnn_core.inspect.spectra import eigenvalues\n"
        "m = torch.stack([torch.full((3, 3), math.nan), torch.diag(torch.tensor([1.0, 2.0, 3.0])), torch.full((3, 3), math.inf)])\n"
        "v = eigenvalues(m)\n"
        "assert v[0].isnan().all() and v[2].isnan().all(), v\n"
        "assert sorted(v[1].real.tolist()) == [1.0, 2.0, 3.0], v\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[1])
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr[-2000:]
