"""rnn_core.RNN/LSTM/GRU against torch.nn's: same values, gradients, parameters, errors."""

from __future__ import annotations

import copy
import warnings

import pytest
import torch
from torch import nn
from torch.testing import assert_close

import rnn_core
from tests.reference import CELLS, make_pair, random_hx, state_tensors, weighted_loss

TOL = {"atol": 1e-5, "rtol": 1e-5}
INPUT, HIDDEN, SEQ, BATCH = 3, 4, 6, 2


def leaf_copy(hx):
    if hx is None:
        return None
    if isinstance(hx, tuple):
        return tuple(s.detach().clone().requires_grad_(True) for s in hx)
    return hx.detach().clone().requires_grad_(True)


def forward_backward(module, x, hx):
    x_leaf = x.detach().clone().requires_grad_(True)
    hx_leaf = leaf_copy(hx)
    output, state = module(x_leaf, hx_leaf)
    weighted_loss(output, state).backward()
    return output, state, x_leaf, hx_leaf


def assert_same_run(theirs, ours, x, hx):
    out_t, state_t, x_t, hx_t = forward_backward(theirs, x, hx)
    out_o, state_o, x_o, hx_o = forward_backward(ours, x, hx)
    assert out_o.shape == out_t.shape
    assert_close(out_o, out_t, **TOL)
    for s_o, s_t in zip(state_tensors(state_o), state_tensors(state_t), strict=True):
        assert s_o.shape == s_t.shape
        assert_close(s_o, s_t, **TOL)
    assert_close(x_o.grad, x_t.grad, **TOL)
    if hx is not None:
        for h_o, h_t in zip(state_tensors(hx_o), state_tensors(hx_t), strict=True):
            assert_close(h_o.grad, h_t.grad, **TOL)
    for (name_o, p_o), (name_t, p_t) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        assert name_o == name_t
        assert_close(p_o.grad, p_t.grad, **TOL, msg=lambda m, n=name_o: f"gradient of {n}: {m}")


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("cell", list(CELLS))
def test_matches_torch_values_and_gradients(cell, num_layers, bidirectional, batch_first, bias):
    kwargs = dict(
        input_size=INPUT, hidden_size=HIDDEN, num_layers=num_layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional
    )
    theirs, ours = make_pair(cell, **kwargs)
    g = torch.Generator().manual_seed(7)
    x = torch.randn((BATCH, SEQ, INPUT) if batch_first else (SEQ, BATCH, INPUT), generator=g)
    hx = random_hx(cell, (num_layers * (2 if bidirectional else 1), BATCH, HIDDEN), g)
    assert_same_run(theirs, ours, x, hx)
    assert_same_run(theirs, ours, x, None)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("cell", list(CELLS))
def test_unbatched_input_matches_torch(cell, batch_first):
    theirs, ours = make_pair(cell, input_size=INPUT, hidden_size=HIDDEN, num_layers=2, bidirectional=True, batch_first=batch_first)
    g = torch.Generator().manual_seed(3)
    x = torch.randn(SEQ, INPUT, generator=g)  # (L, H_in): batch_first does not apply
    assert_same_run(theirs, ours, x, random_hx(cell, (4, HIDDEN), g))
    assert_same_run(theirs, ours, x, None)


@pytest.mark.parametrize("cell", list(CELLS))
def test_state_dict_round_trips_both_ways(cell):
    theirs, ours = make_pair(cell, input_size=INPUT, hidden_size=HIDDEN, num_layers=2, bidirectional=True)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for name, tensor in theirs.state_dict().items():
        assert ours.state_dict()[name].shape == tensor.shape
    with torch.no_grad():
        for p in ours.parameters():
            p.add_(0.25)
    back = CELLS[cell][0](**CELLS[cell][2], input_size=INPUT, hidden_size=HIDDEN, num_layers=2, bidirectional=True)
    back.load_state_dict(ours.state_dict())  # strict: same keys, no extras
    x = torch.randn(SEQ, BATCH, INPUT)
    assert_close(back(x)[0], ours(x)[0], **TOL)


@pytest.mark.parametrize("cell", list(CELLS))
def test_default_initialisation_is_torchs(cell):
    torch_cls, our_cls, extra = CELLS[cell]
    kwargs = dict(input_size=5, hidden_size=7, num_layers=2, bidirectional=True)
    torch.manual_seed(123)
    theirs = torch_cls(**extra, **kwargs)
    torch.manual_seed(123)
    ours = our_cls(**extra, **kwargs)
    for (n_t, p_t), (n_o, p_o) in zip(theirs.named_parameters(), ours.named_parameters(), strict=True):
        assert n_t == n_o
        assert torch.equal(p_t, p_o), n_t
    bound = 1 / 7**0.5
    assert all(p.abs().max() <= bound for p in ours.parameters())


@pytest.mark.parametrize("cell", list(CELLS))
def test_eval_mode_ignores_dropout_and_train_mode_applies_it(cell):
    theirs, ours = make_pair(cell, input_size=INPUT, hidden_size=HIDDEN, num_layers=3, dropout=0.5)
    x = torch.randn(SEQ, BATCH, INPUT)
    theirs.eval(), ours.eval()
    assert_same_run(theirs, ours, x, None)
    ours.train()
    torch.manual_seed(0)
    dropped, _ = ours(x)
    assert not torch.allclose(dropped, theirs(x)[0]), "dropout 0.5 between layers changed nothing in training mode"


@pytest.mark.parametrize("cell", list(CELLS))
def test_changing_dropout_attribute_takes_effect(cell):
    theirs, ours = make_pair(cell, input_size=INPUT, hidden_size=HIDDEN, num_layers=2)
    x = torch.randn(SEQ, BATCH, INPUT)
    ours.dropout = 0.9
    assert not torch.allclose(ours(x)[0], theirs(x)[0])
    ours.dropout = 0.0
    assert_same_run(theirs, ours, x, None)  # training mode, dropout 0: exact parity again


def test_dropout_only_between_layers():
    """The last layer's output is never dropped: one layer with dropout equals no dropout (torch warns alike)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        theirs, ours = make_pair("gru", input_size=INPUT, hidden_size=HIDDEN, num_layers=1, dropout=0.9)
    assert sum("dropout" in str(w.message) for w in caught) == 2  # one warning from each module
    x = torch.randn(SEQ, BATCH, INPUT)
    assert_close(ours(x)[0], theirs(x)[0], **TOL)


@pytest.mark.parametrize("cell", list(CELLS))
def test_forward_reads_reassigned_and_tied_parameters(cell):
    theirs, ours = make_pair(cell, input_size=HIDDEN, hidden_size=HIDDEN, num_layers=2)
    shared = nn.Parameter(torch.randn_like(ours.weight_hh_l0))
    for module in (theirs, ours):
        module.weight_hh_l0 = shared
        module.weight_hh_l1 = shared  # tied across layers
    x = torch.randn(SEQ, BATCH, HIDDEN)
    assert_same_run(theirs, ours, x, None)
    assert sum(1 for _ in ours.parameters()) == sum(1 for _ in theirs.parameters())


@pytest.mark.parametrize("cell", list(CELLS))
def test_parameter_order_matches_so_optimiser_state_transfers(cell):
    theirs, ours = make_pair(cell, input_size=INPUT, hidden_size=HIDDEN, num_layers=2, bidirectional=True)
    x = torch.randn(SEQ, BATCH, INPUT)
    optimisers = [torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9) for m in (theirs, ours)]
    for module, opt in zip((theirs, ours), optimisers):
        weighted_loss(*module(x)).backward()
        opt.step()
    fresh = CELLS[cell][1](**CELLS[cell][2], input_size=INPUT, hidden_size=HIDDEN, num_layers=2, bidirectional=True)
    fresh.load_state_dict(ours.state_dict())
    moved = torch.optim.SGD(fresh.parameters(), lr=0.01, momentum=0.9)
    moved.load_state_dict(copy.deepcopy(optimisers[0].state_dict()))  # torch's optimiser state, applied to ours
    for module, opt in ((theirs, optimisers[0]), (fresh, moved)):
        opt.zero_grad()
        weighted_loss(*module(x)).backward()
        opt.step()
    for p_t, p_o in zip(theirs.parameters(), fresh.parameters(), strict=True):
        assert_close(p_o, p_t, **TOL)


@pytest.mark.parametrize("cell", list(CELLS))
def test_float64_parity(cell):
    theirs, ours = make_pair(cell, input_size=INPUT, hidden_size=HIDDEN, num_layers=2, bidirectional=True)
    theirs.double(), ours.double()
    x = torch.randn(SEQ, BATCH, INPUT, dtype=torch.float64)
    assert_close(ours(x)[0], theirs(x)[0], atol=1e-12, rtol=1e-12)


def test_repr_matches_torch():
    for cell, (torch_cls, our_cls, extra) in CELLS.items():
        kwargs = dict(input_size=2, hidden_size=3, num_layers=2, batch_first=True, dropout=0.5, bidirectional=True, bias=False)
        assert repr(our_cls(**extra, **kwargs)) == repr(torch_cls(**extra, **kwargs)), cell
        assert repr(our_cls(**extra, input_size=2, hidden_size=3)) == repr(torch_cls(**extra, input_size=2, hidden_size=3))


BAD_ARGUMENTS = [
    dict(input_size=0, hidden_size=3),
    dict(input_size=2, hidden_size=0),
    dict(input_size=2, hidden_size=-1),
    dict(input_size=2.5, hidden_size=3),
    dict(input_size=2, hidden_size="3"),
    dict(input_size=2, hidden_size=3, num_layers=0),
    dict(input_size=2, hidden_size=3, num_layers=1.5),
    dict(input_size=2, hidden_size=3, dropout=1.5),
    dict(input_size=2, hidden_size=3, dropout=-0.1),
    dict(input_size=2, hidden_size=3, dropout=True),
    dict(input_size=2, hidden_size=3, dropout="0.1"),
    dict(input_size=2, hidden_size=3, bias=1),
    dict(input_size=2, hidden_size=3, batch_first="yes"),
]


@pytest.mark.parametrize("kwargs", BAD_ARGUMENTS, ids=lambda k: ",".join(f"{a}={v!r}" for a, v in k.items()))
@pytest.mark.parametrize("cell", list(CELLS))
def test_bad_constructor_arguments_raise_like_torch(cell, kwargs):
    torch_cls, our_cls, extra = CELLS[cell]
    with pytest.raises(Exception) as theirs:
        torch_cls(**extra, **kwargs)
    with pytest.raises(type(theirs.value)):
        our_cls(**extra, **kwargs)


def test_bad_nonlinearity_raises_value_error():
    with pytest.raises(ValueError, match="sigmoid"):
        rnn_core.RNN(2, 3, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="proj_size"):
        rnn_core.LSTM(2, 3, proj_size=2)


def bad_forward_calls(cell):
    """(input, hx) pairs that torch refuses, for a 1-layer module with input_size 3, hidden 4."""
    h = lambda *shape: random_hx(cell, shape, torch.Generator().manual_seed(0), requires_grad=False)  # noqa: E731
    return {
        "4-D input": (torch.randn(2, 3, 4, 3), None),
        "1-D input": (torch.randn(3), None),
        "wrong input_size": (torch.randn(5, 2, 7), None),
        "wrong hx batch": (torch.randn(5, 2, 3), h(1, 3, 4)),
        "wrong hx hidden": (torch.randn(5, 2, 3), h(1, 2, 5)),
        "wrong hx layers": (torch.randn(5, 2, 3), h(2, 2, 4)),
        "2-D hx for batched": (torch.randn(5, 2, 3), h(1, 4)),
        "3-D hx for unbatched": (torch.randn(5, 3), h(1, 1, 4)),
        "float64 input": (torch.randn(5, 2, 3, dtype=torch.float64), None),
        "empty sequence": (torch.randn(0, 2, 3), None),
    }


@pytest.mark.parametrize("case", list(bad_forward_calls("gru")))
@pytest.mark.parametrize("cell", list(CELLS))
def test_bad_forward_inputs_raise_like_torch(cell, case):
    theirs, ours = make_pair(cell, input_size=3, hidden_size=4)
    x, hx = bad_forward_calls(cell)[case]
    with pytest.raises(Exception) as expected:
        theirs(x, hx)
    with pytest.raises(type(expected.value)):
        ours(x, hx)


def test_lstm_hx_must_be_a_pair():
    with pytest.raises(TypeError, match=r"\(h_0, c_0\)"):
        rnn_core.LSTM(3, 4)(torch.randn(5, 2, 3), torch.zeros(1, 2, 4))


def test_batch_of_zero_works_like_torch():
    theirs, ours = make_pair("lstm", input_size=3, hidden_size=4)
    x = torch.randn(5, 0, 3)
    assert ours(x)[0].shape == theirs(x)[0].shape == (5, 0, 4)
