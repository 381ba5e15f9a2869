"""The notes' gate equations against PyTorch's, on the same weights: one LSTM written twice, a GRU relabelled, and the
GRU whose reset gate acts before the product, a different model."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close

from rnn_core.lessons.gate_equations import compare_forms, gru_states, lstm_states, weight_blocks


def torch_layer(cell: str):
    torch.manual_seed(0)
    layer = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](3, 4)
    return layer, {name: p.detach() for name, p in layer.named_parameters()}, torch.randn(6, 3)


def test_the_written_out_torch_forms_are_torchs_own_layers():
    for cell, states in (("lstm", lambda w, x: lstm_states(w, x, notes_form=False)), ("gru", lambda w, x: gru_states(w, x, "torch"))):
        layer, weights, x = torch_layer(cell)
        with torch.no_grad():
            assert_close(states(weights, x), layer(x)[0], atol=1e-6, rtol=0)


def test_the_lstm_on_concatenated_inputs_is_the_same_model():
    _, weights, x = torch_layer("lstm")
    forms = compare_forms("lstm", weights, x)
    assert forms.same_model < 1e-6 and forms.r_before_product is None


def test_the_grus_flipped_z_is_a_relabelling_and_r_before_the_product_another_model():
    _, weights, x = torch_layer("gru")
    forms = compare_forms("gru", weights, x)
    assert forms.same_model < 1e-6
    assert forms.r_before_product > 1e-3  # the same weights, other states


def test_r_before_or_after_the_product_agree_when_r_is_one():
    """A check that the two forms differ only where r acts: with r_t = 1 (a large reset bias) they coincide."""
    _, weights, x = torch_layer("gru")
    weights = dict(weights, bias_ih_l0=weights["bias_ih_l0"].clone())
    weights["bias_ih_l0"][0:4] = 50.0  # σ(50) = 1 in float32
    assert_close(gru_states(weights, x, "notes"), gru_states(weights, x, "torch"), atol=1e-6, rtol=0)


@pytest.mark.parametrize("cell,rows", [("lstm", 4), ("gru", 3)])
def test_the_block_table_names_each_gates_rows(cell, rows):
    _, weights, _ = torch_layer(cell)
    table = weight_blocks(cell, weights, 4)
    assert len(table) == rows
    assert table["PyTorch, on x_t"].iloc[1].endswith("= weight_ih_l0[rows 4–7]  (4 × 3)")
    assert table["notes' shape"].iloc[0].startswith("4 × 7")
