"""minGRU and minLSTM (rnn_core.nn.linear_layers): the papers' equations written out by hand on tiny sizes, the
parallel scan against the step-by-step loop at the longest sequence the app allows, gradients by gradcheck, and the
contract they share with rnn_core.LSTM."""

from __future__ import annotations

import math

import pytest
import torch
from torch.testing import assert_close

from rnn_core import LRU, MinGRU, MinLSTM, SelectiveSSM
from rnn_core.nn.linear_layers import linear_scan, scan_pays


def sigmoid(v: float) -> float:
    return 1 / (1 + math.exp(-v))


def set_weights(layer, weight: list[list[float]], bias: list[float]) -> None:
    with torch.no_grad():
        layer.weight_ih_l0.copy_(torch.tensor(weight))
        layer.bias_ih_l0.copy_(torch.tensor(bias))


def test_mingru_by_hand_one_unit_three_steps():
    layer = MinGRU(input_size=1, hidden_size=1)
    set_weights(layer, [[0.5], [2.0]], [0.1, -0.3])  # rows [z | h̃]
    xs, h, expected, updates = [1.0, -2.0, 0.5], 0.0, [], []
    for x in xs:
        z, candidate = sigmoid(0.5 * x + 0.1), 2.0 * x - 0.3
        h = (1 - z) * h + z * candidate
        expected.append(h)
        updates.append(z)
    x = torch.tensor(xs).view(3, 1, 1)
    output, h_n = layer(x)
    assert_close(output.view(3), torch.tensor(expected), atol=1e-6, rtol=0)
    assert_close(h_n.view(1), torch.tensor(expected[-1:]), atol=1e-6, rtol=0)
    rec = layer.record(x)
    assert_close(rec.gates["update"].view(3), torch.tensor(updates), atol=1e-6, rtol=0)
    assert_close(rec.gates["candidate"].view(3), torch.tensor([2.0 * v - 0.3 for v in xs]), atol=1e-6, rtol=0)


def test_minlstm_by_hand_two_units_three_steps_from_a_given_state():
    layer = MinLSTM(input_size=1, hidden_size=2)
    w = [[1.0], [-1.0], [0.5], [0.2], [3.0], [-2.0]]  # rows [f (2) | i (2) | h̃ (2)]
    b = [0.0, 0.5, -0.5, 0.0, 0.1, 0.2]
    set_weights(layer, w, b)
    xs, h = [0.3, -1.0, 2.0], [0.7, -0.4]
    expected = []
    for x in xs:
        new = []
        for u in range(2):
            f, i = sigmoid(w[u][0] * x + b[u]), sigmoid(w[2 + u][0] * x + b[2 + u])
            candidate = w[4 + u][0] * x + b[4 + u]
            new.append(f / (f + i) * h[u] + i / (f + i) * candidate)
        h = new
        expected.append(h)
    output, h_n = layer(torch.tensor(xs).view(3, 1, 1), torch.tensor([[[0.7, -0.4]]]))
    assert_close(output.view(3, 2), torch.tensor(expected), atol=1e-6, rtol=0)
    assert_close(h_n.view(2), torch.tensor(expected[-1]), atol=1e-6, rtol=0)


def test_the_scan_is_the_loop():
    a, b, h0 = torch.rand(13, 2, 3), torch.randn(13, 2, 3), torch.randn(2, 3)
    h, loop = h0, []
    for t in range(13):
        h = a[t] * h + b[t]
        loop.append(h)
    assert_close(linear_scan(a, b, h0), torch.stack(loop), atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_the_scans_own_backward_passes_gradcheck(dtype):
    """linear_scan's backward is the adjoint recurrence run by the same scan, not autograd's: check it on its own,
    real and complex (the LRU's), with a broadcast coefficient (the LRU's λ is one per unit)."""
    torch.manual_seed(2)
    a = (torch.rand(7, 1, 3, dtype=torch.float64) * 0.9).to(dtype).requires_grad_()
    b = torch.randn(7, 2, 3, dtype=dtype, requires_grad=True)
    h0 = torch.randn(2, 3, dtype=dtype, requires_grad=True)
    assert torch.autograd.gradcheck(linear_scan, (a, b, h0))
    assert torch.autograd.gradcheck(linear_scan, (a[:1], b[:1], h0))  # one step: nothing comes after it
    assert torch.autograd.gradcheck(linear_scan, (a.detach(), b, h0.detach()))  # b alone asks for its gradient


def test_forward_takes_the_scan_where_it_pays_and_the_loop_elsewhere():
    assert scan_pays(torch.rand(40, 32, 32), torch.rand(40, 32, 32))  # the app's minGRU batch: 1,024 numbers a step
    assert not scan_pays(torch.rand(20, 32, 32), torch.rand(20, 32, 32))  # too few steps
    assert not scan_pays(torch.rand(40, 32, 32, 8), torch.rand(40, 32, 32, 8))  # the app's S6 batch: 8,192 numbers
    lru = torch.rand(40, 32, 32, dtype=torch.complex64)  # the app's LRU batch: 2,048 numbers, a complex one counting twice
    assert scan_pays(lru, lru) and not scan_pays(lru.repeat(1, 1, 2), lru.repeat(1, 1, 2))


@pytest.mark.parametrize("cls", [MinGRU, MinLSTM, LRU, SelectiveSSM])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_parallel_and_step_by_step_agree_at_the_longest_sequence_outputs_and_gradients(cls, bidirectional):
    torch.manual_seed(0)
    layer = cls(3, 8, num_layers=2, bidirectional=bidirectional)
    x = torch.randn(200, 4, 3)  # RNN_EXPLORER_MAX_SEQ_LEN's default: the longest sequence the app allows
    weights = torch.randn(200, 4, 8 * (2 if bidirectional else 1))

    def grads(output):
        layer.zero_grad()
        (output * weights).sum().backward()
        return [p.grad.clone() for p in layer.parameters()]

    output, h_n = layer(x)
    rec = layer.record(x)
    assert_close(output, rec.output, atol=1e-5, rtol=1e-5)
    assert_close(h_n, rec.h_n, atol=1e-5, rtol=1e-5)
    for parallel, loop in zip(grads(output), grads(rec.output), strict=True):
        # the LRU's and S6's within 1e-5 of the gradient's own scale: an LRU with |λ| near 1 sums 200 steps into
        # gradients in the thousands, whose float32 rounding alone is 1e-4 there
        scale = float(loop.abs().max()) if cls in (LRU, SelectiveSSM) else 1.0
        assert_close(parallel, loop, atol=1e-5 * scale, rtol=1e-5)


@pytest.mark.parametrize("cls", [MinGRU, MinLSTM])
def test_gradients_pass_gradcheck_in_float64(cls):
    torch.manual_seed(1)
    layer = cls(2, 2, bidirectional=True, dtype=torch.float64)
    x = torch.randn(5, 3, 2, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(2, 3, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, h0, *params: layer(x, h0)[0], (x, h0, *layer.parameters()))


@pytest.mark.parametrize("cls,rows,gates", [(MinGRU, 2, ["update", "candidate"]), (MinLSTM, 3, ["forget", "input", "candidate"])])
def test_the_contract_of_rnn_core_lstm(cls, rows, gates):
    layer = cls(3, 4, num_layers=2, batch_first=True, bidirectional=True)
    shapes = {name: tuple(p.shape) for name, p in layer.named_parameters()}
    assert shapes == {
        "weight_ih_l0": (rows * 4, 3), "bias_ih_l0": (rows * 4,), "weight_ih_l0_reverse": (rows * 4, 3), "bias_ih_l0_reverse": (rows * 4,),
        "weight_ih_l1": (rows * 4, 8), "bias_ih_l1": (rows * 4,), "weight_ih_l1_reverse": (rows * 4, 8), "bias_ih_l1_reverse": (rows * 4,),
    }  # no weight_hh: the gates read x_t only
    x = torch.randn(2, 5, 3)  # (N, L, H_in)
    output, h_n = layer(x)
    assert output.shape == (2, 5, 8) and h_n.shape == (4, 2, 4)
    assert_close(output[:, -1, :4], h_n[2])  # the last layer's forward state at the last step
    assert_close(output[:, 0, 4:], h_n[3])  # its reverse state after reading back to the first step
    single, h_single = layer(x[0])  # unbatched: (L, H_in)
    assert_close(single, output[0]) and h_single.shape == (4, 4)
    rec = layer.record(x)
    assert list(rec.gates) == gates and rec.hidden.shape == (4, 2, 5, 4) and rec.cell is None
    norms = rec.hidden_grad_norm(rec.output.sum())
    assert norms.shape == (4, 5) and bool((norms > 0).all())
    assert not cls(3, 4, bias=False).bias and [n for n, _ in cls(3, 4, bias=False).named_parameters()] == ["weight_ih_l0"]
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        layer(torch.randn(2, 5, 2))


@pytest.mark.parametrize("cls", [MinGRU, MinLSTM])
def test_the_cell_table_counts_their_parameters(cls):
    layer = cls(3, 4, bidirectional=True)
    assert cls.cell.layer_parameters(3, 4, directions=2) == sum(p.numel() for p in layer.parameters())  # 2·G·(4·3 + 4)


@pytest.mark.parametrize("cls", [MinGRU, MinLSTM, LRU, SelectiveSSM])
def test_the_recorded_step_jacobian_is_autograds_and_diagonal(cls):
    from rnn_core.nn.jacobians import recorded_step_diagonals

    torch.manual_seed(2)
    layer = cls(2, 3, bidirectional=True)
    x = torch.randn(1, 6, 2)  # (B, T, H_in), time second as the model feeds it
    layer.batch_first = True
    rec = layer.record(x)
    states = rec.hidden if rec.state is None else rec.state  # (LD, B, T, *state)
    for k, reverse in ((0, False), (1, True)):
        ours = recorded_step_diagonals(layer, rec, torch.arange(6))[k]  # (T, S)
        a, b, _ = (v.detach() if isinstance(v, torch.Tensor) else v for v in layer.coefficients(x[0], k))  # (T, *state)
        for t in range(1, 5):
            prev = states[k, 0, t + 1 if reverse else t - 1].clone()  # the state the step read
            if prev.is_complex():  # autograd's Jacobian of a holomorphic map: the real and imaginary parts apart
                def real_part(re, a_t=a[t], b_t=b[t], im=prev.imag):
                    return (a_t * torch.complex(re, im) + b_t).real

                step = torch.autograd.functional.jacobian(real_part, prev.real)
                assert_close(torch.diag(ours[t].real), step, atol=1e-6, rtol=0)
                continue
            step = torch.autograd.functional.jacobian(lambda s, a_t=a[t], b_t=b[t]: a_t * s + b_t, prev)  # (*state, *state)
            n = prev.numel()
            assert_close(torch.diag(ours[t]), step.reshape(n, n), atol=1e-6, rtol=0)  # diagonal, equal to autograd's


@pytest.mark.parametrize("cell", ["mingru", "minlstm"])
def test_a_linear_recurrence_trains_and_its_snapshots_say_what_its_jacobian_is(cell):
    from rnn_core import ExperimentConfig, ModelConfig, Snapshots, TaskConfig, Trainer, make_task

    config = ExperimentConfig(task=TaskConfig(name="sine", seq_len=20), model=ModelConfig(cell=cell, hidden_size=16))
    config = config.with_changes(train={"probe_every": 50, "lr": 0.01})
    snapshots = Snapshots()
    trainer = Trainer(config, make_task(config.task), observers=[snapshots])
    assert trainer.run(150) == 150 and trainer.diverged is None
    losses = trainer.history.loss.to_numpy()
    assert losses[-20:].mean() < 0.5 * losses[:20].mean()  # it learns to forecast the wave
    snap = snapshots.latest
    assert snap.step == 150 and snap.eigenvalues == {}  # no W_hh
    gates = {name: g[0, 0] for name, g in snap.gates.items()}  # layer 1, the first probe sequence: (T, H)
    a = 1 - gates["update"] if cell == "mingru" else gates["forget"] / (gates["forget"] + gates["input"])
    assert_close(torch.from_numpy(snap.jacobian_radius[0]), torch.from_numpy(a.max(axis=-1)).to(torch.float32), atol=1e-5, rtol=1e-5)
    assert (snap.jacobian_radius[0] < 1).all()


def test_the_shapes_lesson_counts_a_mingru_without_w_hh():
    from rnn_core.lessons.notes import parameter_formula_text, parameter_shapes

    sizes = dict(cell="mingru", input_size=4, hidden_size=3, num_layers=1, bidirectional=False, out_features=4)
    assert parameter_formula_text(**sizes) == "2 · (3·4 + 3) + (4·3 + 4) = 46"  # 2·15 + 16
    assert int(parameter_shapes(**sizes)["count"].sum()) == 46


def test_a_linear_recurrence_refuses_the_orthogonal_w_hh_it_does_not_have():
    from rnn_core import ModelConfig

    with pytest.raises(ValueError, match="orthogonal initialisation shapes W_hh, and a minGRU has none"):
        ModelConfig(cell="mingru", init="orthogonal")
    assert ModelConfig(cell="minlstm", init="constant", init_value=0.5).cell == "minlstm"
