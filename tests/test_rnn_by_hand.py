"""The "nn.RNN by hand" lesson: the notes' all-ones numbers, and each hand-written form against torch.nn.RNN itself."""

from __future__ import annotations

import torch
from torch.testing import assert_close

from rnn_core.lessons.by_hand import ONES_EXAMPLES, all_ones_rnn, pseudo_matrix_outputs, scalar_by_hand, stacked_by_hand, two_biases

NEGATIVE = [0.9951, 0.9999, 0.9640, 0.9993]  # the notes' outputs on [1, 2, -1, 1], to 4 places
ONE_TO_TWENTY_FIRST = [0.9951, 0.9999, 1.0, 1.0, 1.0]  # sequence 1 of 1..20 viewed as (4, 5, 1); the others are all 1.0000


def test_the_scalar_by_hand_is_the_notes_numbers_and_nn_rnns():
    xs = [1.0, 2.0, -1.0, 1.0]
    assert [round(h, 4) for h in scalar_by_hand(xs)] == NEGATIVE
    output, _ = all_ones_rnn()(torch.tensor(xs).view(1, 4, 1))
    assert_close(output.view(4), torch.tensor(scalar_by_hand(xs)), atol=1e-6, rtol=0)


def test_one_to_twenty_saturates_and_h_n_is_the_outputs_last_step():
    x = next(iter(ONES_EXAMPLES.values()))
    assert x.shape == (4, 5, 1) and x[1, 0, 0] == 6.0  # batch first: the second sequence starts at 6
    with torch.no_grad():
        output, h_n = all_ones_rnn()(x)
    assert [round(float(v), 4) for v in output[0, :, 0]] == ONE_TO_TWENTY_FIRST
    assert_close(output[1:], torch.ones(3, 5, 1), atol=1e-4, rtol=0)
    assert h_n.shape == (1, 4, 1) and torch.equal(h_n[0], output[:, -1])


def test_the_pseudo_matrix_form_is_torchs_two_products():
    torch.manual_seed(0)
    rnn, x = torch.nn.RNN(3, 4, batch_first=True), torch.randn(2, 5, 3)
    with torch.no_grad():
        assert_close(pseudo_matrix_outputs(rnn, x), rnn(x)[0], atol=1e-6, rtol=0)


def test_moving_bias_between_b_ih_and_b_hh_changes_nothing_and_their_gradients_are_equal():
    torch.manual_seed(1)
    rnn, x = torch.nn.RNN(3, 4, batch_first=True), torch.randn(2, 5, 3)
    before = {k: v.clone() for k, v in rnn.state_dict().items()}
    result = two_biases(rnn, x, 2.0)
    assert result.largest_output_change < 1e-6
    assert_close(result.grad_b_ih, result.grad_b_hh)
    assert result.grad_b_ih.abs().max() > 0
    assert all(torch.equal(before[k], v) for k, v in rnn.state_dict().items())  # the given layer is left alone


def test_a_second_layer_reads_the_first_through_an_h_by_h_weight():
    torch.manual_seed(2)
    rnn, x = torch.nn.RNN(3, 4, num_layers=2, batch_first=True), torch.randn(2, 5, 3)
    assert rnn.weight_ih_l0.shape == (4, 3) and rnn.weight_ih_l1.shape == (4, 4)
    with torch.no_grad():
        assert_close(stacked_by_hand(rnn, x), rnn(x)[0], atol=1e-6, rtol=0)
