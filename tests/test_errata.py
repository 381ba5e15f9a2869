"""The errata of the notes: each correction's value computed again here, independently, and the README's table in step."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import torch
from torch import nn

from rnn_core.lessons import errata as e
from rnn_core.lessons import errata_checks as checks
from ui.pages import PAGES

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_worked_example_numbers_and_the_notes_bptt_against_autograd():
    w = checks.worked_numbers()
    assert w.targets == 9 and len(w.losses) == 9  # inputs 1…10, targets x_{t+1}: the notes' (1, 10) has one too many
    h1, h2 = math.tanh(0.8), math.tanh(0.5 * math.tanh(0.8) + 1.6)
    assert w.h[:2] == pytest.approx([h1, h2]) and round(h2, 3) == 0.959  # the notes: 0.958
    assert round(1.2 * h2, 3) == round(w.y_hat[1], 3) == 1.151  # the notes: 1.150
    assert w.losses[0] == pytest.approx(0.5 * (1.2 * h1 - 2) ** 2) and round(w.losses[0], 3) == 0.724  # the notes: 0.719
    assert round(w.losses[1], 3) == 1.710  # the notes: 1.711
    assert w.true_grads == pytest.approx({"w_hh": -0.175251, "w_xh": -1.410084, "b_h": -1.095249}, abs=1e-6)
    assert w.notes_grads == pytest.approx({"w_hh": -0.002625, "w_xh": -0.170890, "b_h": -0.166852}, abs=1e-6)
    assert w.direct_grads["w_hh"] == pytest.approx(-0.174049, abs=1e-6)  # 1 − h² alone is not enough: the path is missing


def test_windows_multiplications_and_the_sign_of_the_loss_gradient():
    words = ["one", "two", "three", "four", "five"]
    assert checks.window_count(5, 2) == len([words[i : i + 2] for i in range(len(words) - 1)]) == 4  # not 5 / 2
    autograd, formula = checks.linear_chain_gradient()
    assert autograd == pytest.approx(formula) == pytest.approx(2 * (1.3 * 0.7**6 * 0.9 - 2) * 0.7**6 * 0.9)
    assert autograd < 0  # the notes' 2(y − ŷ) gives the opposite sign
    assert checks.multiplications(7, 5) == 35 and checks.multiplications(3, 4) == 12


def test_the_minibatch_mean_keeps_the_gradients_size():
    sizes = checks.minibatch_gradient_sizes()
    generator = torch.Generator().manual_seed(0)
    w = torch.randn(4, generator=generator)
    full = 2 * torch.linalg.vector_norm(w - torch.ones(4)).item()  # ∇ of E(x·w − x·1)², x ~ N(0, I): 2(w − 1)
    assert sizes[1000] == pytest.approx(full, rel=0.05) and sizes[1] > sizes[1000]


def test_shapes_counts_and_views_as_pytorch_has_them():
    one, eight = checks.view_fails_past_one_sequence()
    assert one and not eight
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        nn.RNN(1, 10, batch_first=True)(torch.zeros(8, 20, 1))[0].view(-1, 10)
    assert checks.parameters_and_outputs(1) == (27, 15) and checks.parameters_and_outputs(32) == (27, 480)
    assert checks.stacked_weights() == ((3, 4), (3, 3), True)
    assert checks.missing_tanh_difference() == pytest.approx(1.0308, abs=1e-4)  # fixed weights: the same for every caller
    assert checks.bidirectional_is_side_by_side()
    radius, norm = checks.spectral_radius_example()
    assert radius == pytest.approx(1.8) and norm == pytest.approx(1.8**20 / 2 * 2, rel=1e-9)  # W^n = 1.8^(n−1)·W, ‖W‖ = 1.8
    loss, true_grad = checks.float32_fake_target()
    assert loss == 0.0 and true_grad == pytest.approx(2e10)
    assert [round(v, 4) for v in checks.all_ones_outputs("[1, 2, −1, 1]: one sequence of 4 steps")] == [0.9951, 0.9999, 0.964, 0.9993]
    x = checks.tanh_saturates_at()
    assert torch.tanh(torch.tensor(x)) == 1 and torch.tanh(torch.tensor(x - 0.01)) < 1


def test_every_erratum_is_complete_and_points_at_a_real_page():
    titles = {p.title for p in PAGES}
    found = e.errata()
    assert len(found) >= 30 and {x.note for x in found} == set(e.NOTES)
    for x in found:
        assert x.kind in e.KINDS and x.place and x.says and x.correct
        assert not x.shown_on or x.shown_on in titles, x.shown_on
        assert not re.search(r"(?<![=\w])(True|False)\b", x.correct), x.correct  # a computed fact is said in words
    assert [x.note for x in found] == sorted(x.note for x in found)  # in the notes' order


def test_the_readme_table_is_the_one_the_app_computes():
    fresh = "python -c 'from rnn_core.lessons.errata import errata_markdown; print(errata_markdown())'"
    readme = README.read_text(encoding="utf-8")
    assert e.errata_markdown() in readme, f"the README's errata table is out of date: {fresh}"
    assert f"{len(e.errata())} slips, by note" in readme
