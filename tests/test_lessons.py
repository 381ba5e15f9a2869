"""The lessons' computations: BPTT by hand equals autograd for any numbers; shapes and counts are PyTorch's."""

from __future__ import annotations

import random

import pytest

from rnn_core.lessons.notes import (
    PARAMETERS,
    ScalarWeights,
    bptt_sums,
    parameter_formula_text,
    parameter_shapes,
    scalar_autograd,
    scalar_bptt,
    scalar_forward,
)


@pytest.mark.parametrize("seed", range(8))
def test_hand_written_bptt_equals_autograd_for_random_numbers(seed):
    rng = random.Random(seed)
    weights = ScalarWeights(*(rng.uniform(-2, 2) for _ in range(6)))
    xs = [rng.uniform(-3, 3) for _ in range(rng.randrange(2, 15))]
    forward = scalar_forward(weights, xs)
    loss, autograd = scalar_autograd(weights, xs)
    assert forward["L_t"].sum() == pytest.approx(loss, rel=1e-12)
    by_hand = bptt_sums(scalar_bptt(weights, forward))
    for name in PARAMETERS:
        assert by_hand[name] == pytest.approx(autograd[name], rel=1e-9, abs=1e-12), name


def test_leaving_out_the_path_through_later_states_gives_the_wrong_gradient():
    """What the notes' per-step formulas compute (each L_t through its own h_t only) is not the gradient of L."""
    weights, xs = ScalarWeights(), [float(x) for x in range(1, 11)]
    forward = scalar_forward(weights, xs)
    a_local = (forward["ŷ_t"] - forward["y_t"]) * weights.w_hy * (1 - forward["h_t"] ** 2)
    local = {"w_hh": float((a_local * forward["h_{t-1}"]).sum()), "b_h": float(a_local.sum())}
    _, autograd = scalar_autograd(weights, xs)
    for name, value in local.items():  # the full recursion matches to 1e-9; this misses by far more
        assert value != pytest.approx(autograd[name], rel=1e-3), name


def test_a_small_step_against_the_gradient_lowers_the_loss():
    weights, xs = ScalarWeights(), [float(x) for x in range(1, 11)]
    forward = scalar_forward(weights, xs)
    stepped = weights.step(bptt_sums(scalar_bptt(weights, forward)), lr=0.01)
    assert scalar_forward(stepped, xs)["L_t"].sum() < forward["L_t"].sum()
    assert stepped.h_0 == weights.h_0


@pytest.mark.parametrize("cell", ["rnn_tanh", "gru", "lstm"])
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, False), (3, True)])
def test_formula_text_totals_the_real_count(cell, layers, bidirectional):
    text = parameter_formula_text(cell, 5, 7, layers, bidirectional, 3)
    real = int(parameter_shapes(cell, 5, 7, layers, bidirectional, 3)["count"].sum())
    assert text.endswith(f"= {real}")


def test_hello_step_gradient_is_softmax_minus_one_hot_and_leaves_the_model_alone():
    from rnn_core.config import ExperimentConfig, ModelConfig, TaskConfig, TrainConfig
    from rnn_core.data.tasks import make_task
    from rnn_core.lessons.notes import hello_step
    from rnn_core.train.trainer import Trainer

    cfg = ExperimentConfig(
        task=TaskConfig(name="characters", text_source="hello"),
        model=ModelConfig(cell="rnn_tanh", hidden_size=3),
        train=TrainConfig(probe_every=1000),
    )
    t = Trainer(cfg, make_task(cfg.task))
    before = [p.detach().clone() for p in t.model.parameters()]
    step = hello_step(t.model, t.task, lr=0.1)
    assert step.inputs == ["h", "e", "l", "l"] and step.targets == ["e", "l", "l", "o"]
    assert (step.score_gradient - step.expected_gradient).abs().to_numpy().max() < 1e-6
    assert step.loss_after < step.loss_before
    assert all((p == q).all() for p, q in zip(t.model.parameters(), before))
