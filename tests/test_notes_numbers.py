"""Known answers from the course's lecture notes, reproduced with rnn_core's layers.

The notes are not shipped with the project, so their numbers live here as constants.
Where the notes' arithmetic slips, the constant is the correct value and the comment says so.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.testing import assert_close

import rnn_core

# The scalar worked example: h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h), ŷ_t = W_hy h_t + b_y
W_HH, W_XH, B_H, W_HY, B_Y, H_0 = 0.5, 0.8, 0.0, 1.2, 0.0, 0.0
H_1, H_2 = 0.664, 0.959  # the notes print h_2 = 0.958; tanh(0.5 * 0.664 + 0.8 * 2) = tanh(1.932) = 0.9589
Y_HAT_1 = 0.797
Y_HAT_2 = 1.151  # the notes print 1.150, carrying their h_2 = 0.958 forward
L_1 = 0.724  # the notes print 0.719; ½(0.797 - 2)² = 0.7236
L_2 = 1.710  # the notes print 1.711
L_TOTAL = 134.202  # Σ L_t over the nine steps that have a target


def scalar_rnn() -> rnn_core.RNN:
    rnn = rnn_core.RNN(input_size=1, hidden_size=1)
    with torch.no_grad():
        rnn.weight_ih_l0.fill_(W_XH)
        rnn.weight_hh_l0.fill_(W_HH)
        rnn.bias_ih_l0.fill_(B_H)
        rnn.bias_hh_l0.zero_()  # torch splits b_h into two biases; one of them carries it all
    return rnn


def test_scalar_worked_example_forward():
    x = torch.arange(1.0, 11.0).reshape(10, 1)  # inputs 1..10, unbatched (L, H_in)
    rec = scalar_rnn().record(x, torch.full((1, 1), H_0))
    h = rec.hidden[0, 0, :, 0]  # (T,)
    y_hat = W_HY * h + B_Y
    assert round(h[0].item(), 3) == H_1
    assert round(h[1].item(), 3) == H_2
    assert round(y_hat[0].item(), 3) == Y_HAT_1
    assert round(y_hat[1].item(), 3) == Y_HAT_2
    targets = x[1:, 0]  # y_t = x_{t+1}: nine targets for ten inputs
    losses = 0.5 * (y_hat[:-1] - targets) ** 2
    assert round(losses[0].item(), 3) == L_1
    assert round(losses[1].item(), 3) == L_2
    assert len(losses) == 9
    assert losses.sum().item() == pytest.approx(L_TOTAL, abs=1e-3)


def all_ones_rnn(input_size: int = 1, hidden_size: int = 1) -> rnn_core.RNN:
    rnn = rnn_core.RNN(input_size=input_size, hidden_size=hidden_size, batch_first=True)
    with torch.no_grad():
        for p in rnn.parameters():
            p.fill_(1.0)
    return rnn


def test_all_ones_rnn_on_one_to_twenty():
    """1..20 viewed as 4 sequences of 5 (batch_first): the first sequence saturates fast."""
    inputs = torch.arange(1.0, 21.0).view(4, 5, 1)  # (N, L, H_in)
    out, h_n = all_ones_rnn()(inputs)
    assert out.shape == (4, 5, 1) and h_n.shape == (1, 4, 1)
    assert_close(out[0, :, 0], torch.tensor([0.9951, 0.9999, 1.0, 1.0, 1.0]), atol=5e-5, rtol=0)
    assert_close(out[1:], torch.ones(3, 5, 1), atol=5e-5, rtol=0)
    assert torch.equal(h_n[0], out[:, -1])  # the last step of every sequence is h_n


def test_all_ones_rnn_on_a_sequence_with_a_negative_input():
    out, h_n = all_ones_rnn()(torch.tensor([1.0, 2.0, -1.0, 1.0]).view(1, 4, 1))
    assert_close(out[0, :, 0], torch.tensor([0.9951, 0.9999, 0.9640, 0.9993]), atol=5e-5, rtol=0)
    assert_close(h_n, torch.tensor([[[0.9993]]]), atol=5e-5, rtol=0)


@pytest.mark.parametrize(
    "input_size,hidden_size,out_features,hidden_values,head_value,param_count",
    [(1, 1, 2, [0.9951, 0.9993, 0.9993, 0.9993], 1.9993, 8), (4, 3, 4, [1.0, 1.0, 1.0, 1.0], 4.0, 43)],
)
def test_all_ones_rnn_with_a_linear_head(input_size, hidden_size, out_features, hidden_values, head_value, param_count):
    rnn = all_ones_rnn(input_size, hidden_size)
    head = nn.Linear(hidden_size, out_features)
    nn.init.ones_(head.weight), nn.init.ones_(head.bias)
    out, h_n = rnn(torch.ones(1, 4, input_size))
    assert_close(out[0, :, 0], torch.tensor(hidden_values), atol=5e-5, rtol=0)
    assert_close(head(h_n[-1]), torch.full((1, out_features), head_value), atol=5e-4, rtol=0)
    assert sum(p.numel() for m in (rnn, head) for p in m.parameters()) == param_count


def test_parameter_counts_of_the_notes_and_the_gated_cells():
    def count(*modules):
        return sum(p.numel() for m in modules for p in m.parameters())

    assert count(rnn_core.RNN(1, 10, num_layers=2), nn.Linear(10, 1)) == 361
    assert count(rnn_core.RNN(4, 3), nn.Linear(3, 4)) == 43
    # H*(I + H + 2) per gate block: 3 blocks for a GRU, 4 for an LSTM
    assert count(rnn_core.GRU(4, 3), nn.Linear(3, 4)) == 3 * 3 * (4 + 3 + 2) + 16 == 97
    assert count(rnn_core.LSTM(4, 3), nn.Linear(3, 4)) == 4 * 3 * (4 + 3 + 2) + 16 == 124


# The vanishing/exploding demo: a scalar ReLU RNN with w_x = 0 and h_0 = 1 learnable, y = w_y h_L,
# and a target one below the prediction, so ∂loss/∂y = 2. Gradients at lengths 1, 2, 3, 4, 5, 10.
LENGTHS = [1, 2, 3, 4, 5, 10]
DEMO_GRADS = {  # w_h: [(h_init.grad, wh.grad, wy.grad) per length] = (2 w_h^L, 2 L w_h^(L-1), 2 w_h^L)
    0.1: [(0.2, 2.0, 0.2), (0.02, 0.4, 0.02), (0.002, 0.06, 0.002), (2e-4, 8e-3, 2e-4), (2e-5, 1e-3, 2e-5), (2e-10, 2e-8, 2e-10)],
    1.0: [(2.0, 2.0 * n, 2.0) for n in LENGTHS],
    # Length 10 gives 0, as the notes print, and not 2e10: in float32, y = 1e10 and y - 1 round to the
    # same number, so the "target one below" equals the prediction and the loss is exactly 0.
    10.0: [(20.0, 2.0, 20.0), (200.0, 40.0, 200.0), (2e3, 600.0, 2e3), (2e4, 8e3, 2e4), (2e5, 1e5, 2e5), (0.0, 0.0, 0.0)],
}


@pytest.mark.parametrize("w_h", list(DEMO_GRADS))
def test_vanishing_and_exploding_gradients_of_the_scalar_relu_rnn(w_h):
    for length, expected in zip(LENGTHS, DEMO_GRADS[w_h]):
        rnn = rnn_core.RNN(1, 1, nonlinearity="relu", bias=False)
        with torch.no_grad():
            rnn.weight_ih_l0.zero_()
            rnn.weight_hh_l0.fill_(w_h)
        h_init = torch.ones(1, 1, requires_grad=True)
        w_y = torch.ones((), requires_grad=True)
        out, _ = rnn(torch.ones(length, 1), h_init)  # unbatched: (L, 1)
        y_last = w_y * out[-1, 0]
        nn.functional.mse_loss(y_last, y_last.detach() - 1).backward()
        got = (h_init.grad.item(), rnn.weight_hh_l0.grad.item(), w_y.grad.item())
        assert got == pytest.approx(expected, rel=1e-5), f"w_h={w_h}, length={length}"
