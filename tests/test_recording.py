"""layer.record(x): shapes, agreement with forward, gates from the textbook equations, ‖∂L/∂h_t‖."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.testing import assert_close

import rnn_core
from tests.reference import CELLS, make_pair, random_hx, state_tensors, weighted_loss

TOL = {"atol": 1e-5, "rtol": 1e-5}
GATES = {"rnn_tanh": [], "rnn_relu": [], "lstm": ["input", "forget", "cell", "output"], "gru": ["reset", "update", "new"]}


@pytest.mark.parametrize("unbatched", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("cell", list(CELLS))
def test_recording_shapes_and_agreement_with_forward(cell, bidirectional, batch_first, unbatched):
    layers, seq, batch, hidden = 2, 5, 3, 4
    _, ours = make_pair(cell, input_size=2, hidden_size=hidden, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    if unbatched:
        x, batch = torch.randn(seq, 2), 1
    else:
        x = torch.randn((batch, seq, 2) if batch_first else (seq, batch, 2))
    rec = ours.record(x)
    output, state = ours(x)
    assert torch.equal(rec.output, output)
    for s_rec, s_fwd in zip(state_tensors(rec.final_state), state_tensors(state), strict=True):
        assert torch.equal(s_rec, s_fwd)

    rows = layers * (2 if bidirectional else 1)
    assert rec.hidden.shape == (rows, batch, seq, hidden)
    assert (rec.cell is not None) == (cell == "lstm")
    if rec.cell is not None:
        assert rec.cell.shape == rec.hidden.shape
    assert list(rec.gates) == GATES[cell]
    for gate in rec.gates.values():
        assert gate.shape == rec.hidden.shape

    # the last layer's h_t are the output, both directions in input time order
    out = output.reshape(seq, 1, -1) if unbatched else (output if batch_first else output.transpose(0, 1)).transpose(0, 1)
    out = out.transpose(0, 1)  # (B, T, D*H)
    top = rec.row(layers - 1, 0)
    assert_close(rec.hidden[top], out[..., :hidden], **TOL)
    if bidirectional:
        assert_close(rec.hidden[top + 1], out[..., hidden:], **TOL)
    # h_n is the forward direction's last step and the reverse direction's first
    h_n = rec.h_n if not unbatched else rec.h_n.unsqueeze(1)
    for row in range(rows):
        last = 0 if row % 2 == 1 and bidirectional else seq - 1
        assert_close(h_n[row], rec.hidden[row, :, last], **TOL)


def test_recording_rows_name_layer_and_direction():
    rec = rnn_core.GRU(2, 3, num_layers=3, bidirectional=True).record(torch.randn(4, 2))
    assert [rec.row(layer, d) for layer in range(3) for d in range(2)] == list(range(6))
    with pytest.raises(ValueError, match="layer must be between 0 and 2, got 3"):
        rec.row(3)
    with pytest.raises(ValueError, match="direction"):
        rnn_core.GRU(2, 3).record(torch.randn(4, 2)).row(0, 1)


def sigmoid(v):
    return 1 / (1 + torch.exp(-v))


def textbook_lstm(x, w_ih, w_hh, b_ih, b_hh):
    """The LSTM equations written with explicit per-gate blocks, for one sequence x (T, I)."""
    H = w_hh.shape[1]
    W = {
        g: (w_ih[k * H : (k + 1) * H], w_hh[k * H : (k + 1) * H], b_ih[k * H : (k + 1) * H] + b_hh[k * H : (k + 1) * H])
        for k, g in enumerate("ifgo")
    }
    h, c = torch.zeros(H), torch.zeros(H)
    out = {name: [] for name in ("input", "forget", "cell", "output", "c", "h")}
    for x_t in x:
        pre = {g: Wi @ x_t + Wh @ h + b for g, (Wi, Wh, b) in W.items()}
        i, f, g, o = sigmoid(pre["i"]), sigmoid(pre["f"]), torch.tanh(pre["g"]), sigmoid(pre["o"])
        c = f * c + i * g
        h = o * torch.tanh(c)
        for name, value in zip(("input", "forget", "cell", "output", "c", "h"), (i, f, g, o, c, h)):
            out[name].append(value)
    return {name: torch.stack(v) for name, v in out.items()}


def textbook_gru(x, w_ih, w_hh, b_ih, b_hh):
    H = w_hh.shape[1]
    blocks = lambda w: [w[k * H : (k + 1) * H] for k in range(3)]  # noqa: E731
    (W_ir, W_iz, W_in), (W_hr, W_hz, W_hn) = blocks(w_ih), blocks(w_hh)
    (b_ir, b_iz, b_in), (b_hr, b_hz, b_hn) = blocks(b_ih), blocks(b_hh)
    h = torch.zeros(H)
    out = {name: [] for name in ("reset", "update", "new", "h")}
    for x_t in x:
        r = sigmoid(W_ir @ x_t + b_ir + W_hr @ h + b_hr)
        z = sigmoid(W_iz @ x_t + b_iz + W_hz @ h + b_hz)
        n = torch.tanh(W_in @ x_t + b_in + r * (W_hn @ h + b_hn))
        h = (1 - z) * n + z * h
        for name, value in zip(("reset", "update", "new", "h"), (r, z, n, h)):
            out[name].append(value)
    return {name: torch.stack(v) for name, v in out.items()}


@pytest.mark.parametrize("cell,textbook", [("lstm", textbook_lstm), ("gru", textbook_gru)])
def test_gates_equal_the_textbook_equations_in_every_layer_and_direction(cell, textbook):
    _, ours = make_pair(cell, input_size=3, hidden_size=4, num_layers=2, bidirectional=True, batch_first=True)
    x = torch.randn(2, 6, 3)  # (B, T, I)
    rec = ours.record(x)
    with torch.no_grad():
        for b in range(2):
            layer_input = x[b]  # (T, I)
            for layer in range(2):
                outs = []
                for direction, suffix in enumerate(["", "_reverse"]):
                    params = [getattr(ours, f"{kind}_l{layer}{suffix}") for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
                    seq = layer_input.flip(0) if direction else layer_input
                    expected = {k: (v.flip(0) if direction else v) for k, v in textbook(seq, *params).items()}
                    row = rec.row(layer, direction)
                    for gate in GATES[cell]:
                        assert_close(rec.gates[gate][row, b], expected[gate], **TOL)
                    assert_close(rec.hidden[row, b], expected["h"], **TOL)
                    if cell == "lstm":
                        assert_close(rec.cell[row, b], expected["c"], **TOL)
                    outs.append(expected["h"])
                layer_input = torch.cat(outs, dim=-1)


def split_grad_norms(theirs: nn.Module, x: torch.Tensor, loss_fn) -> torch.Tensor:
    """‖∂loss/∂h_t‖ computed independently of rnn_core, with torch's fused single-layer modules.

    For each (layer, direction, t): run that direction up to t, cut the graph there and
    make h_t a fresh leaf, run on from it, rebuild the whole network's output and final
    states around it, and read the leaf's gradient. x is time-major (T, B, I).
    """
    cls, D, L = type(theirs), 2 if theirs.bidirectional else 1, theirs.num_layers
    H, T, lstm = theirs.hidden_size, x.size(0), isinstance(theirs, nn.LSTM)
    extra = {"nonlinearity": theirs.nonlinearity} if isinstance(theirs, nn.RNN) else {}

    def single(layer, direction):
        suffix = "_reverse" if direction else ""
        w = {f"{k}_l0": getattr(theirs, f"{k}_l{layer}{suffix}") for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        m = cls(w["weight_ih_l0"].shape[1], H, **extra)
        m.load_state_dict({k: v.detach() for k, v in w.items()})
        return m

    def run_direction(layer, direction, inp, cut=None):
        """Returns (outputs (T,B,H) in input order, final (h, c|None), leaf or None)."""
        m = single(layer, direction)
        seq = inp.flip(0) if direction else inp
        if cut is None:
            out, state = m(seq)
            leaf = None
        else:
            s = T - 1 - cut if direction else cut  # step index in the direction's own order
            out_a, state_a = m(seq[: s + 1])
            h_a, c_a = state_a if lstm else (state_a, None)
            leaf = h_a.detach().requires_grad_(True)  # (1, B, H)
            if s + 1 < T:
                out_b, state = m(seq[s + 1 :], (leaf, c_a.detach()) if lstm else leaf)
                out = torch.cat([out_a[:s].detach(), leaf, out_b])
            else:
                out, state = torch.cat([out_a[:s].detach(), leaf]), ((leaf, c_a.detach()) if lstm else leaf)
        h, c = state if lstm else (state, None)
        return (out.flip(0) if direction else out), (h[0], None if c is None else c[0]), leaf

    norms = torch.zeros(L * D, T)
    for layer in range(L):
        for direction in range(D):
            for t in range(T):
                inp, finals, leaf = x, [], None
                for k in range(L):
                    outs = []
                    for d in range(D):
                        cut = t if (k, d) == (layer, direction) else None
                        out, final, got = run_direction(k, d, inp, cut)
                        leaf = got if got is not None else leaf
                        outs.append(out)
                        finals.append(final)
                    inp = torch.cat(outs, dim=-1)
                h_n = torch.stack([f[0] for f in finals])
                state = (h_n, torch.stack([f[1] for f in finals])) if lstm else h_n
                (grad,) = torch.autograd.grad(loss_fn(inp, state), leaf)
                norms[layer * D + direction, t] = grad.norm()
    return norms


@pytest.mark.parametrize(
    "cell,layers,bidirectional",
    [("lstm", 2, True), ("gru", 2, False), ("gru", 1, True), ("rnn_tanh", 3, False), ("rnn_relu", 2, True), ("lstm", 1, False)],
)
def test_hidden_grad_norm_equals_an_independent_computation(cell, layers, bidirectional):
    theirs, ours = make_pair(cell, input_size=3, hidden_size=4, num_layers=layers, bidirectional=bidirectional)
    x = torch.randn(5, 2, 3)  # (T, B, I)
    rec = ours.record(x)
    weighted_loss(rec.output, rec.final_state).backward()
    expected = split_grad_norms(theirs, x, weighted_loss)
    assert_close(rec.hidden_grad_norm(), expected, **TOL)


def test_hidden_grad_norm_of_a_given_loss_leaves_grads_alone():
    _, ours = make_pair("lstm", input_size=3, hidden_size=4, num_layers=2, batch_first=True)
    rec = ours.record(torch.randn(2, 7, 3))
    last_step_loss = rec.output[:, -1].pow(2).sum()
    norms = rec.hidden_grad_norm(last_step_loss)
    assert all(p.grad is None for p in ours.parameters())
    last_step_loss.backward()
    assert_close(rec.hidden_grad_norm(), norms)
    # a loss at the last step alone reaches no later step: the top layer's gradient at step t < T-1
    # arrives only through the recurrence, so it is smaller than at T-1 here
    assert norms[1, -1] > 0 and norms.shape == (2, 7)


def test_hidden_grad_norm_in_parts_equals_each_part_alone():
    """Copies of a batch stacked into one, each with a loss of its own: one backward pass, the norms of each loss."""
    _, ours = make_pair("lstm", input_size=3, hidden_size=4, num_layers=2, bidirectional=True, batch_first=True)
    x = torch.randn(2, 6, 3)
    alone = ours.record(x)
    losses = [lambda out: out[:, -1].pow(2).sum(), lambda out: out[:, 2].sum(), lambda out: out.tanh().mean()]
    expected = torch.stack([alone.hidden_grad_norm(loss(alone.output)) for loss in losses])
    rec = ours.record(x.repeat(3, 1, 1))
    parts = rec.output.unflatten(0, (3, 2))
    total = sum(loss(part) for loss, part in zip(losses, parts, strict=True))
    assert_close(rec.hidden_grad_norm(total, parts=3), expected, **TOL)
    total.backward()  # the hooks' sums read in parts too
    assert_close(rec.hidden_grad_norm(parts=3), expected, **TOL)
    with pytest.raises(ValueError, match="a batch of 6 does not split into 4 equal parts"):
        rec.hidden_grad_norm(parts=4)


def test_loss_at_one_step_reaches_only_earlier_steps():
    _, ours = make_pair("gru", input_size=1, hidden_size=3, bidirectional=False)
    rec = ours.record(torch.randn(8, 1, 1))
    norms = rec.hidden_grad_norm(rec.output[4].sum())  # L_τ with τ = 4
    assert torch.all(norms[0, :5] > 0)
    assert torch.all(norms[0, 5:] == 0)


def test_vanishing_gradient_shows_in_a_contracting_rnn():
    """A tanh RNN with small recurrent weights: ‖∂L_T/∂h_t‖ shrinks geometrically as t moves back."""
    rnn = rnn_core.RNN(1, 8)
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(0.3 * torch.eye(8))
    rec = rnn.record(torch.randn(30, 1, 1))
    norms = rec.hidden_grad_norm(rec.output[-1].sum())[0]
    assert norms[-1] > 1e3 * norms[-10] > 0
    assert torch.all(norms[1:] >= norms[:-1])


def test_hidden_grad_norm_explains_when_there_is_no_gradient():
    _, ours = make_pair("rnn_tanh", input_size=3, hidden_size=4)
    rec = ours.record(torch.randn(5, 2, 3))
    with pytest.raises(RuntimeError, match="backward"):
        rec.hidden_grad_norm()
    with torch.no_grad():
        frozen = ours.record(torch.randn(5, 2, 3))
    assert frozen.hidden.shape == (1, 2, 5, 4)
    with pytest.raises(RuntimeError, match="no_grad"):
        frozen.hidden_grad_norm(frozen.output.sum())


def test_recorded_states_accept_an_initial_state():
    theirs, ours = make_pair("lstm", input_size=3, hidden_size=4, num_layers=2)
    hx = random_hx("lstm", (2, 2, 4), torch.Generator().manual_seed(0), requires_grad=False)
    x = torch.randn(5, 2, 3)
    rec = ours.record(x, hx)
    out, (h_n, c_n) = theirs(x, hx)
    assert_close(rec.output, out, **TOL)
    assert_close(rec.c_n, c_n, **TOL)
    assert_close(rec.cell[:, :, -1], c_n, **TOL)
