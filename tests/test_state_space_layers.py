"""LRU and the selective state-space layer (rnn_core.nn.state_space_layers): the papers' equations written out by
hand with Python's own complex numbers on tiny sizes, the initialisations the papers give, the scan against the loop at
the longest sequence the app allows, gradients by gradcheck (complex128 inside), and the contract of rnn_core.LSTM."""

from __future__ import annotations

import cmath
import math

import pytest
import torch
from torch.testing import assert_close

from rnn_core import LRU, SelectiveSSM


def set_parameters(layer, **values) -> None:
    with torch.no_grad():
        for name, value in values.items():
            getattr(layer, name).copy_(torch.tensor(value, dtype=getattr(layer, name).dtype))


def softplus(v: float) -> float:
    return math.log1p(math.exp(v))


def test_lru_by_hand_one_unit_three_steps():
    layer = LRU(input_size=1, hidden_size=1)
    nu, theta, gamma = -0.5, 0.3, -0.2  # logarithms
    set_parameters(layer, nu_log_l0=[nu], theta_log_l0=[theta], gamma_log_l0=[gamma], B_re_l0=[[0.8]], B_im_l0=[[-0.4]],
                   C_re_l0=[[1.5]], C_im_l0=[[0.7]], D_l0=[[0.25]])  # fmt: skip
    lam = cmath.exp(complex(-math.exp(nu), math.exp(theta)))
    us, state, ys, states = [1.0, -2.0, 0.5], 0j, [], []
    for u in us:
        state = lam * state + math.exp(gamma) * complex(0.8, -0.4) * u
        ys.append((complex(1.5, 0.7) * state).real + 0.25 * u)
        states.append(state)
    x = torch.tensor(us).view(3, 1, 1)
    output, h_n = layer(x)
    assert_close(output.view(3), torch.tensor(ys), atol=1e-6, rtol=0)
    assert h_n.dtype == torch.complex64 and abs(complex(h_n.item()) - states[-1]) < 1e-6
    rec = layer.record(x)
    assert_close(rec.state.view(3), torch.tensor(states, dtype=torch.complex64), atol=1e-6, rtol=0)
    assert_close(rec.hidden.view(3), torch.tensor(ys), atol=1e-6, rtol=0)  # the output y_t is what Hidden states shows
    assert abs(complex(layer.eigenvalues(0).item()) - lam) < 1e-6


def test_lru_by_hand_two_units_from_a_given_complex_state():
    layer = LRU(input_size=1, hidden_size=2)
    set_parameters(layer, nu_log_l0=[-1.0, 0.2], theta_log_l0=[-2.0, 0.5], gamma_log_l0=[0.0, -0.5],
                   B_re_l0=[[1.0], [0.5]], B_im_l0=[[0.0], [-1.0]], C_re_l0=[[1.0, 0.5], [0.0, -1.0]],
                   C_im_l0=[[0.3, 0.0], [2.0, 0.1]], D_l0=[[0.0], [1.0]])  # fmt: skip
    lam = [cmath.exp(complex(-math.exp(n), math.exp(t))) for n, t in ((-1.0, -2.0), (0.2, 0.5))]
    gamma, B = [1.0, math.exp(-0.5)], [complex(1.0, 0.0), complex(0.5, -1.0)]
    C = [[complex(1.0, 0.3), complex(0.5, 0.0)], [complex(0.0, 2.0), complex(-1.0, 0.1)]]
    state, ys = [complex(0.2, -0.1), complex(-0.5, 0.4)], []
    for u in [0.3, -1.0, 2.0]:
        state = [lam[j] * state[j] + gamma[j] * B[j] * u for j in range(2)]
        ys.append([(C[i][0] * state[0] + C[i][1] * state[1]).real + [0.0, 1.0][i] * u for i in range(2)])
    h0 = torch.tensor([[[complex(0.2, -0.1), complex(-0.5, 0.4)]]], dtype=torch.complex64)
    output, h_n = layer(torch.tensor([0.3, -1.0, 2.0]).view(3, 1, 1), h0)
    assert_close(output.view(3, 2), torch.tensor(ys), atol=1e-6, rtol=0)
    assert_close(h_n.view(2), torch.tensor(state, dtype=torch.complex64), atol=1e-6, rtol=0)


def test_s6_by_hand_one_channel_a_state_of_two_three_steps():
    layer = SelectiveSSM(input_size=1, hidden_size=1, state_size=2)
    w_in, b_in, w_d, b_d, w_b, w_c, a_log, d = 1.5, 0.1, 0.8, -0.3, [0.6, -1.2], [1.0, 0.4], [0.0, 0.7], 0.5
    set_parameters(layer, W_in_l0=[[w_in]], b_in_l0=[b_in], W_delta_l0=[[w_d]], b_delta_l0=[b_d], W_B_l0=[[w_b[0]], [w_b[1]]],
                   W_C_l0=[[w_c[0]], [w_c[1]]], A_log_l0=[a_log], D_l0=[d])  # fmt: skip
    h, ys, deltas = [0.0, 0.0], [], []
    for x in [1.0, -2.0, 0.5]:
        u = w_in * x + b_in
        delta = softplus(w_d * u + b_d)
        h = [math.exp(delta * -math.exp(a_log[n])) * h[n] + delta * u * (w_b[n] * u) for n in range(2)]
        ys.append(sum(h[n] * (w_c[n] * u) for n in range(2)) + d * u)
        deltas.append(delta)
    x = torch.tensor([1.0, -2.0, 0.5]).view(3, 1, 1)
    output, h_n = layer(x)
    assert_close(output.view(3), torch.tensor(ys), atol=1e-6, rtol=0)
    assert_close(h_n.view(2), torch.tensor(h), atol=1e-6, rtol=0)  # h_n is the state, (layers, batch, H, N)
    rec = layer.record(x)
    assert_close(rec.gates["selection"].view(3), torch.tensor(deltas), atol=1e-6, rtol=0)
    assert rec.state.shape == (1, 1, 3, 1, 2) and rec.hidden.shape == (1, 1, 3, 1)


def test_the_papers_initialisations():
    torch.manual_seed(3)
    lru = LRU(2, 256, r_min=0.4, r_max=0.9, max_phase=math.pi)
    lam = lru.eigenvalues(0).detach()
    assert float(lam.abs().min()) >= 0.4 and float(lam.abs().max()) <= 0.9  # on the ring
    assert float(lam.angle().min()) >= 0 and float(lam.angle().max()) <= math.pi
    assert_close(torch.exp(lru.gamma_log_l0).detach(), torch.sqrt(1 - lam.abs() ** 2))  # γ normalises the input
    assert float(LRU(2, 256).eigenvalues(0).detach().abs().min()) >= 0.9  # the default ring: long memories
    ssm = SelectiveSSM(2, 64, state_size=4)
    assert_close(-torch.exp(ssm.A_log_l0).detach(), -torch.arange(1.0, 5.0).expand(64, 4))  # S4D-real
    delta = torch.nn.functional.softplus(ssm.b_delta_l0).detach()
    assert float(delta.min()) >= 0.001 - 1e-7 and float(delta.max()) <= 0.1 + 1e-7
    assert bool((ssm.D_l0 == 1).all())
    with pytest.raises(ValueError, match="r_min ≤ r_max < 1"):
        LRU(2, 4, r_max=1.0)
    with pytest.raises(ValueError, match="state_size must be a positive int"):
        SelectiveSSM(2, 4, state_size=0)


def test_lru_gradients_pass_gradcheck_with_a_complex128_state():
    torch.manual_seed(1)
    layer = LRU(2, 2, bidirectional=True, dtype=torch.float64, r_min=0.5, r_max=0.95)
    x = torch.randn(5, 3, 2, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(2, 3, 2, dtype=torch.complex128, requires_grad=True)
    assert layer(x)[1].dtype == torch.complex128
    assert torch.autograd.gradcheck(lambda x, h0, *params: layer(x, h0)[0], (x, h0, *layer.parameters()))
    assert torch.autograd.gradcheck(lambda x, h0, *params: layer(x, h0)[1], (x, h0, *layer.parameters()))  # the complex h_n


def test_s6_gradients_pass_gradcheck_in_float64():
    torch.manual_seed(1)
    layer = SelectiveSSM(2, 2, state_size=3, bidirectional=True, dtype=torch.float64)
    x = torch.randn(5, 3, 2, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(2, 3, 2, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, h0, *params: layer(x, h0)[0], (x, h0, *layer.parameters()))


@pytest.mark.parametrize("cls,state", [(LRU, (4,)), (SelectiveSSM, (4, 8))])
def test_the_contract_of_rnn_core_lstm(cls, state):
    torch.manual_seed(4)
    layer = cls(3, 4, num_layers=2, batch_first=True, bidirectional=True)
    x = torch.randn(2, 6, 3)  # (N, L, H_in)
    output, h_n = layer(x)
    assert output.shape == (2, 6, 8) and h_n.shape == (4, 2, *state)
    first, h_half = layer(x[:, :3])  # h_n is the state: carried into the second half, it continues the sequence
    forward_only = cls(3, 4, batch_first=True)
    whole, _ = forward_only(x)
    half, h_mid = forward_only(x[:, :3])
    rest, _ = forward_only(x[:, 3:], h_mid)
    assert_close(torch.cat([half, rest], dim=1), whole, atol=1e-6, rtol=1e-6)
    single, h_single = layer(x[0])  # unbatched: (L, H_in)
    assert_close(single, output[0], atol=1e-6, rtol=1e-6) and h_single.shape == (4, *state)
    rec = layer.record(x)
    assert rec.hidden.shape == (4, 2, 6, 4) and rec.cell is None and rec.state.shape == (4, 2, 6, *state)
    assert_close(rec.state[:, :, -1][0::2], h_n[0::2].detach())  # the forward directions' last states
    norms = rec.hidden_grad_norm(rec.output.sum())
    assert norms.shape == (4, 6) and bool((norms > 0).all())
    assert cls.cell.layer_parameters(3, 4, directions=2, state_size=8) == sum(p.numel() for p in cls(3, 4, bidirectional=True).parameters())
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        layer(torch.randn(2, 5, 2))
    with pytest.raises(RuntimeError, match="Expected hidden size"):
        layer(x, torch.zeros(4, 2, *state[:-1], 5, dtype=h_n.dtype))


def test_an_lru_state_must_be_complex_and_says_so():
    layer = LRU(3, 4)
    with pytest.raises(ValueError, match="LRU expects hx of dtype torch.complex64 for input of dtype torch.float32, got torch.float32"):
        layer(torch.randn(5, 2, 3), torch.zeros(1, 2, 4))


def test_s6_without_bias_leaves_out_b_in_only():
    names = [n for n, _ in SelectiveSSM(3, 4, bias=False).named_parameters()]
    assert names == ["W_in_l0", "W_delta_l0", "b_delta_l0", "W_B_l0", "W_C_l0", "A_log_l0", "D_l0"]
