"""The one table of cell facts (rnn_core.nn.cell_facts) agrees with torch and with what our layers record."""

from __future__ import annotations

import pytest
import torch

from rnn_core.config import CELL_TITLES
from rnn_core.config import CELLS as CONFIG_CELLS
from rnn_core.nn.by_cell import fused_layer, stepwise_layer
from rnn_core.nn.cell_facts import BY_MODE, CELLS, GATES
from rnn_core.train.models import parameter_formula


@pytest.mark.parametrize("name", list(CELLS))
def test_blocks_and_parameters_are_torchs(name):
    cell, H, H_in = CELLS[name], 3, 4
    fused = fused_layer(name, H_in, H, 2, bidirectional=True)
    shapes = cell.parameter_shapes(H_in, H, True, fused.state_size if cell.mode == "S6" else 0)
    assert {n: tuple(p.shape) for n, p in fused.named_parameters() if n.endswith("_l0")} == {f"{n}_l0": v for n, v in shapes.items()}
    if "weight_ih" in shapes:  # the cells with gate blocks
        assert fused.weight_ih_l0.shape == (cell.blocks * H, H_in)
    assert fused.mode == cell.mode and getattr(fused, "nonlinearity", None) == cell.nonlinearity
    per_layer = [cell.layer_parameters(H_in, H, 2), cell.layer_parameters(2 * H, H, 2)]
    assert sum(per_layer) == sum(p.numel() for p in fused.parameters())
    assert parameter_formula(name, H_in, H, 5, 2, True) == sum(per_layer) + 5 * 2 * H + 5


@pytest.mark.parametrize("name", list(CELLS))
def test_gates_are_recorded_in_order_and_bounded_as_said(name):
    torch.manual_seed(0)
    cell = CELLS[name]
    layer = stepwise_layer(name, 2, 8)
    rec = layer.record(3 * torch.randn(5, 30, 2), hx=None)
    assert tuple(rec.gates) == cell.gate_names
    assert (rec.cell is not None) == cell.has_cell_state
    for gate in cell.gates:
        values = rec.gates[gate.name]
        if gate.positive:  # the S6 layer's Δ_t, a softplus: above 0, any size
            assert values.min() > 0 and values.max() > 1.0
        elif not gate.linear:  # a linear recurrence's candidate h̃_t = W_h x_t + b_h takes any value
            assert values.min() >= (0.0 if gate.bounded else -1.0) and values.max() <= 1.0
        assert (values.min() < 0) == (not gate.bounded and not gate.positive), gate.name  # a candidate goes negative, a sigmoid never


def test_the_memory_gate_is_torchs_second_block():
    """torch orders LSTM rows i, f, g, o and GRU rows r, z, n: the forget and the update gate are rows H..2H."""
    assert CELLS["lstm"].gate_names == ("input", "forget", "cell", "output") and CELLS["lstm"].memory_block == 1
    assert CELLS["gru"].gate_names == ("reset", "update", "new") and CELLS["gru"].memory_block == 1
    assert CELLS["rnn_tanh"].memory_block is None and CELLS["rnn_relu"].gates == ()


def test_every_table_is_read_from_the_one():
    assert set(BY_MODE) == {"RNN_TANH", "RNN_RELU", "LSTM", "GRU", "MINGRU", "MINLSTM", "LRU", "S6"}
    assert set(GATES) == {"input", "forget", "cell", "output", "reset", "update", "new", "candidate", "selection"}
    assert (*CELLS, "mlp") == CONFIG_CELLS and set(CELL_TITLES) == set(CONFIG_CELLS)
    assert {name: CELL_TITLES[name] for name in CELLS} == {
        "rnn_tanh": "RNN (tanh)", "rnn_relu": "RNN (ReLU)", "lstm": "LSTM", "gru": "GRU", "mingru": "minGRU", "minlstm": "minLSTM",
        "lru": "LRU", "s6": "Selective SSM (S6)",
    }  # fmt: skip
    assert GATES["update"].role == CELLS["gru"].gates[1].role  # a name that recurs: its role is the torch cell's here
