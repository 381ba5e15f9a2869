"""Sequence models: shapes, parameter counts by the notes' formula, the recordable twin, initialisations, the MLP baseline."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close

import rnn_core
from rnn_core.config import ModelConfig, TaskConfig
from rnn_core.data.tasks import make_task
from rnn_core.train.models import SequenceModel, WindowMLP, count_parameters, parameter_formula

SINE = TaskConfig(name="sine", seq_len=9)
ADDING = TaskConfig(name="adding", seq_len=9)


@pytest.mark.parametrize("cell", ["rnn_tanh", "rnn_relu", "lstm", "gru", "mlp"])
@pytest.mark.parametrize("task_config,out_shape", [(SINE, (3, 9, 1)), (ADDING, (3, 1)), (TaskConfig(name="copy", delay=5), (3, 6, 4))])
def test_prediction_shapes_for_every_cell_and_mode(cell, task_config, out_shape):
    task = make_task(task_config)
    model = SequenceModel(ModelConfig(cell=cell, hidden_size=5, num_layers=2), task)
    prediction, _ = model(task.sample(3, torch.Generator().manual_seed(0)).x)
    assert prediction.shape == out_shape


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("layers", [1, 2, 3])
@pytest.mark.parametrize("cell", ["rnn_tanh", "lstm", "gru"])
def test_parameter_count_equals_the_formula(cell, layers, bidirectional):
    task = make_task(ADDING)  # input 2, output 1, allows bidirectional
    model = SequenceModel(ModelConfig(cell=cell, hidden_size=7, num_layers=layers, bidirectional=bidirectional), task)
    assert count_parameters(model) == parameter_formula(cell, 2, 7, 1, layers, bidirectional)


def test_parameter_formula_gives_the_notes_counts():
    assert parameter_formula("rnn_tanh", 4, 3, 4) == 43
    assert parameter_formula("rnn_tanh", 1, 1, 2) == 8
    assert parameter_formula("rnn_tanh", 1, 10, 1, num_layers=2) == 361
    assert parameter_formula("gru", 4, 3, 4) == 97  # 3 × 27 + 16
    assert parameter_formula("lstm", 4, 3, 4) == 124  # 4 × 27 + 16


def test_hello_model_counts_like_the_notes():
    task = make_task(TaskConfig(name="characters", text_source="hello"))
    model = SequenceModel(ModelConfig(cell="rnn_tanh", hidden_size=3), task)
    assert count_parameters(model) == 43  # one-hot input of 4, hidden 3, 4 output scores


@pytest.mark.parametrize("cell", ["rnn_tanh", "rnn_relu", "lstm", "gru"])
def test_twin_shares_the_weights_and_computes_the_same(cell):
    task = make_task(TaskConfig(name="characters", text_source="grammar", seq_len=10))
    model = SequenceModel(ModelConfig(cell=cell, hidden_size=6, num_layers=2, encoding="embedding"), task)
    twin = model.twin()
    for name, p in model.rnn.named_parameters():
        assert getattr(twin, name) is p
    x = task.sample(3, torch.Generator().manual_seed(0)).x
    fused, _ = model.features(x)
    assert_close(twin(model.encoder(x))[0], fused, atol=1e-5, rtol=1e-5)
    with torch.no_grad():
        model.rnn.weight_hh_l0.mul_(2)  # training changes the weights: the twin sees it at once
    assert_close(twin(model.encoder(x))[0], model.features(x)[0], atol=1e-5, rtol=1e-5)
    assert isinstance(twin, rnn_core.nn.layers._RecurrentBase) and not twin.training


def test_bidirectional_is_refused_where_it_would_see_the_answer():
    with pytest.raises(ValueError, match="read the answer ahead"):
        SequenceModel(ModelConfig(bidirectional=True), make_task(SINE))
    model = SequenceModel(ModelConfig(bidirectional=True, hidden_size=4), make_task(ADDING))
    assert model.head.in_features == 8


def test_initialisations():
    task = make_task(SINE)
    ortho = SequenceModel(ModelConfig(cell="lstm", hidden_size=6, init="orthogonal"), task)
    for gate in range(4):
        block = ortho.rnn.weight_hh_l0[gate * 6 : (gate + 1) * 6].detach()
        assert_close(block @ block.T, torch.eye(6), atol=1e-5, rtol=0)
    scaled = SequenceModel(ModelConfig(cell="rnn_relu", hidden_size=5, init="orthogonal", init_value=2.0), task)
    eigenvalues = torch.linalg.eigvals(scaled.rnn.weight_hh_l0.detach().double()).abs()
    assert_close(eigenvalues, torch.full((5,), 2.0, dtype=torch.float64), atol=1e-5, rtol=0)  # the gain is every |λ|
    constant = SequenceModel(ModelConfig(cell="rnn_tanh", hidden_size=3, init="constant", init_value=1.0), task)
    assert all(torch.all(p == 1.0) for p in constant.parameters())


def test_window_mlp_sees_only_the_last_window():
    mlp = WindowMLP(input_size=1, hidden_size=4, num_layers=1, window=3)
    x = torch.randn(2, 8, 1)
    changed = x.clone()
    changed[:, 2] += 5.0  # step 2 is inside the windows of steps 2, 3 and 4 only
    diff = (mlp(x) - mlp(changed)).abs().sum(dim=(0, 2))  # (T,)
    assert torch.all(diff[[2, 3, 4]] > 0) and torch.all(diff[[0, 1, 5, 6, 7]] == 0)
    with pytest.raises(ValueError, match="no recurrent layer"):
        SequenceModel(ModelConfig(cell="mlp"), make_task(SINE)).twin()
