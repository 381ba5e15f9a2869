"""The slips in the course notes, each with the right statement and the numbers behind it computed (errata_checks).

The notes were read line by line against PyTorch and autograd. Every correction below is computed when it is asked
for: a forward pass, a gradient, a parameter count, a shape or a FLOP count, never a number typed in. The claims are
paraphrased, not quoted. ``shown_on`` names the app's page that shows the right value live, where one does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import torch
from torch import nn

from rnn_core.lessons.errata_checks import (
    all_ones_outputs,
    bidirectional_is_side_by_side,
    float32_fake_target,
    linear_chain_gradient,
    minibatch_gradient_sizes,
    missing_tanh_difference,
    multiplications,
    parameters_and_outputs,
    spectral_radius_example,
    stacked_weights,
    view_fails_past_one_sequence,
    window_count,
    worked_numbers,
)
from rnn_core.lessons.notes import scalar_relu_gradients
from rnn_core.train.trainer import seeded

NOTES = {
    "000": "the worked example (a one-unit RNN by hand)",
    "001": "the RNN slides (windowing, vanishing gradients, LSTM and GRU)",
    "002": "the RNN notebook (BPTT and the training loop)",
    "003": "the update equations",
    "004": "the nn.RNN slides (all-ones examples, shapes, bidirectional)",
}
KINDS = {"number": "wrong number", "formula": "wrong formula", "code": "wrong code", "wording": "misleading wording"}


@dataclass(frozen=True)
class Erratum:
    note: str  # which note: a key of NOTES
    place: str  # where in it
    says: str  # what it says, paraphrased
    correct: str  # what is right, with the numbers computed
    kind: str  # a key of KINDS
    shown_on: str = ""  # the title of the page that shows it, if one does


@cache
def errata() -> tuple[Erratum, ...]:
    """Every slip found, in the notes' order, with its correction computed now (once per process).

    The small layers it builds draw their weights from torch's global generator, which every session shares: under
    ``seeded`` (one thread at a time, the generator restored after), so no other run's seeded start is disturbed."""
    with seeded(0):
        return _errata()


def _errata() -> tuple[Erratum, ...]:
    w = worked_numbers()
    autograd_grad, right_sign = linear_chain_gradient()
    rnn = nn.RNN(1, 1, batch_first=True)
    weights = [name for name, p in rnn.named_parameters() if p.dim() == 2]
    biases = [name for name, p in rnn.named_parameters() if p.dim() == 1]
    one_sequence, eight = view_fails_past_one_sequence()
    (params_1, out_1), (params_32, out_32) = parameters_and_outputs(1), parameters_and_outputs(32)
    sizes = minibatch_gradient_sizes()
    radius, power_norm = spectral_radius_example()
    loss_f32, true_grad = float32_fake_target()
    small = scalar_relu_gradients(0.1, lengths=(10,)).iloc[0]
    first_shape, second_shape, stacked_same = stacked_weights()
    four_by_five = torch.arange(1.0, 21.0).view(4, 5, 1)
    with torch.no_grad():
        out3 = nn.RNN(1, 3, batch_first=True)(four_by_five)[0]
    negative = [f"{v:.4f}" for v in all_ones_outputs("[1, 2, −1, 1]: one sequence of 4 steps")]

    def grads(g: dict[str, float]) -> str:
        return ", ".join(f"{name} {g[key]:.4f}" for key, name in (("w_hh", "∂L/∂W_hh"), ("w_xh", "∂L/∂W_xh"), ("b_h", "∂L/∂b_h")))

    return (
        Erratum("000", "the parameters", "the input weight goes by four names (W_hx, W_xh, w_hn, w_zh)",
                "one weight, W_xh (PyTorch's weight_ih_l0)", "wording", "Worked example"),
        Erratum("000", "the forward pass", "runs the forward pass over steps (1, 10)",
                f"only {w.targets} steps have a target (y_t = x_{{t+1}}): {w.targets} losses, L⁽¹⁾ … L⁽⁹⁾", "number",
                "Worked example"),
        Erratum("000", "the first output", "writes ŷ⁽¹⁾ = W_hy(h⁽¹⁾ + b_y)",
                f"ŷ⁽¹⁾ = W_hy·h⁽¹⁾ + b_y = {w.y_hat[0]:.3f}; the two agree only because b_y = 0", "formula", "Worked example"),
        Erratum("000", "the second step", "h⁽²⁾ = 0.958 and ŷ⁽²⁾ = 1.150",
                f"h⁽²⁾ = tanh(0.5·{w.h[0]:.3f} + 0.8·2) = {w.h[1]:.3f}, ŷ⁽²⁾ = {w.y_hat[1]:.3f}", "number", "Worked example"),
        Erratum("000", "the losses", "L⁽¹⁾ = 0.719 and L⁽²⁾ = 1.711",
                f"L⁽¹⁾ = ½({w.y_hat[0]:.3f} − 2)² = {w.losses[0]:.3f}, L⁽²⁾ = {w.losses[1]:.3f} (1.711 comes from the rounded "
                "ŷ⁽²⁾)", "number", "Worked example"),
        Erratum("000", "BPTT", "the derivative of tanh written (1 − h)², and only the direct path from each h_t to its own loss",
                f"1 − h², and the path through h_{{t+1}}, h_{{t+2}}, … too: {grads(w.true_grads)} (autograd), where the "
                f"notes' formulas give {grads(w.notes_grads)}", "formula", "Worked example"),
        Erratum("001", "windowing", "the number of windows is dim(x)/W",
                f"windows sliding one step at a time: dim(x) − W + 1 ({window_count(5, 2)} for 5 words and W = 2, where "
                "dim(x)/W gives 2.5), or dim(x) with padding at the start, as the app's windowing MLP does", "formula"),
        Erratum("001", "the recurrence", "the initial state is called z₀", "h₀: the state is h throughout", "wording"),
        Erratum("001", "the vanishing-gradient derivation", "the output at step L has an extra w_x·x_L term, and h_L reads x_{L−1}",
                "ŷ_L = w_y·h_L, with h_L = w_h·h_{L−1} + w_x·x_L", "formula", "Vanishing by hand"),
        Erratum("001", "the vanishing-gradient derivation", "∂l/∂w_y = 2(y − ŷ)·w_h^L·h₀",
                f"2(ŷ − y)·w_h^L·h₀: for w_h = 0.7, w_y = 1.3, h₀ = 0.9, y = 2, L = 6 autograd gives {autograd_grad:.4f} "
                f"and 2(ŷ − y)·w_h^L·h₀ = {right_sign:.4f}; the notes' sign gives {-right_sign:+.4f}", "formula",
                "Vanishing by hand"),
        Erratum("001", "the vanishing-gradient derivation", "explodes when w_h > 1, vanishes when w_h < 1",
                f"|w_h| decides: w_h = −2 explodes too (|(−2)²⁰| = {abs((-2.0) ** 20):,.0f})", "wording", "Vanishing by hand"),
        Erratum("001", "the TinyRNN demo", "the target one below the prediction makes every loss 1",
                f"at w_h = 10, L = 10 the prediction is 10¹⁰, where float32 cannot tell 10¹⁰ − 1 from 10¹⁰: the loss is "
                f"{loss_f32:g} and every gradient exactly 0 (in float64 ∂/∂h₀ = {true_grad:.1e}); the zeros printed under "
                "“exploding” are this rounding, not a gradient", "code", "Vanishing by hand"),
        Erratum("001", "the TinyRNN demo", "the gradients at w_h = 0.1, L = 10 print as zeros",
                f"they are {small['∂/∂h_0']:.0e} (h₀, w_y) and {small['∂/∂w_h']:.0e} (w_h): six decimals round them away", "wording",
                "Vanishing by hand"),
        Erratum("001", "the GRU", "r_t is called the hidden gate",
                "the reset gate (PyTorch: reset, update, new); and PyTorch's GRU applies r after W_hn: a different model from "
                "the notes' form, whose z is PyTorch's 1 − z", "wording", "Gates"),
        Erratum("002", "the cost of a layer", "m + n + mn multiplications for n inputs and m outputs",
                f"n·m: {multiplications(7, 5)} for n = 7, m = 5, counted by PyTorch (m + n + mn would be 47)", "number"),
        Erratum("002", "minibatches", "a large minibatch makes the gradient small: the vanishing-gradient problem",
                f"the mean of M gradients keeps their size, only its noise falls (mean ‖∇‖ {sizes[1]:.1f} at M = 1, "
                f"{sizes[1000]:.1f} at M = 1000); gradients vanish through many steps in time", "wording", "Gradients"),
        Erratum("002", "the RNN", "the state-to-output weight is once called W_t", "W_y, as everywhere else in the note", "wording"),
        Erratum("002", "the model's code", "output.view(-1, hidden_dim) flattens the RNN's output",
                "with batch_first the output is a transposed view, which view can flatten only when it is contiguous: "
                f"for one sequence it {_is(one_sequence)}, for 8 it {_is(eight)}, and view raises an error; reshape works "
                "for any batch", "code"),
        Erratum("002", "the training loop", "loops over range(data) and says unsqueeze(0) adds a (1, batch_size) dimension",
                "range() needs an integer: loop over the windows; unsqueeze(0) adds a batch of one: "
                f"{tuple(torch.zeros(20, 1).shape)} → {tuple(torch.zeros(20, 1).unsqueeze(0).shape)}", "code"),
        Erratum("003", "minibatches", "a batch of m′ examples makes the parameters m′ times as many",
                f"the parameters stay {params_1} at batch 1 and {params_32} at batch 32; the outputs grow ({out_1} → {out_32} "
                "numbers)", "number", "Shapes and parameters"),
        Erratum("003", "one unit", "h_j is row j of W_xh times x", "that is one of three terms: h_j = tanh((W_xh x)_j + (W_hh h)_j + b_j)",
                "wording", "nn.RNN by hand"),
        Erratum("003", "the stacked matrix form", "h_t = W·I + b with W = [W_xh W_hh], I = [x_t; h_{t−1}]",
                f"h_t = tanh(W·I + b): without tanh the result is off by up to {missing_tanh_difference():.3f} on nn.RNN(4, 3)",
                "formula", "nn.RNN by hand"),
        Erratum("003", "stacked layers", "every layer written with the same W_xh, W_hh, b_h",
                f"each layer has its own; above the first, W_xh is H × H: {second_shape} against {first_shape} for "
                f"nn.RNN(4, 3, num_layers=2); the two layers written out this way {'equal' if stacked_same else 'differ from'} PyTorch's "
                "output", "wording",
                "nn.RNN by hand"),
        Erratum("004", "nn.RNN's parameters", "3 weight matrices, one of them an output layer",
                f"{len(weights)} weight matrices ({', '.join(weights)}) and {len(biases)} biases ({', '.join(biases)}); no "
                "output layer: nn.Linear adds one", "number", "Shapes and parameters"),
        Erratum("004", "the first example", "uses 5 past values to predict the next 2, and calls hidden_size the number of output steps",
                f"nothing predicts 2 values; hidden_size is the width of h_t: hidden_size 3 on (4, 5, 1) gives {tuple(out3.shape)}, "
                "one row per input step", "wording", "Shapes and parameters"),
        Erratum("004", "the first example", "1…20 cut into 4 batches of 5 rows",
                "view(4, 5, 1) with batch_first is one batch of 4 sequences, each 5 steps of 1 number, fed in one call", "wording",
                "nn.RNN by hand"),
        Erratum("004", "the first example", "the state_dict after fill_ prints 3 entries",
                f"{len(rnn.state_dict())}: {', '.join(rnn.state_dict())}", "code", "nn.RNN by hand"),
        Erratum("004", "the second example", "its code builds a fresh nn.RNN and prints 0.9951, 0.9999, 0.9640, 0.9993",
                f"those numbers ({', '.join(negative)}) need every weight and bias set to 1 and the input viewed as (1, 4, 1), "
                "which the snippet leaves out: as written its outputs are random", "code", "nn.RNN by hand"),
        Erratum("004", "the update equation", "headed “linear activation”",
                f"the function is tanh (nn.RNN's default nonlinearity: {nn.RNN(1, 1).nonlinearity})", "wording", "nn.RNN by hand"),
        Erratum("004", "the output layer", "b_ho described as weights of a layer",
                f"the output layer's bias, shape (k,): {tuple(nn.Linear(3, 4).bias.shape)} for k = 4", "wording",
                "Shapes and parameters"),
        Erratum("004", "bidirectional RNNs", "two RNNs stacked on top of each other",
                "side by side on the same input, one reading it reversed, outputs concatenated (which "
                f"{'equals' if bidirectional_is_side_by_side() else 'differs from'} nn.RNN(bidirectional=True)); stacking is "
                "num_layers", "wording", "Stacked and bidirectional"),
        Erratum("004", "vanishing and exploding", "W^t vanishes or explodes with the size of the entries of W",
                f"with its spectral radius: every entry 0.9, yet ρ = {radius:.1f} and ‖W²⁰‖ = {power_norm:.2e}", "wording", "Gradients"),
    )  # fmt: skip


def _is(true: bool) -> str:
    return "is" if true else "is not"


def errata_table() -> list[dict[str, str]]:
    """The errata as rows for a table: note, where, the notes say, correct, kind, shown on."""
    return [
        {"note": e.note, "where": e.place, "the notes say": e.says, "correct": e.correct, "kind": KINDS[e.kind], "shown on": e.shown_on}
        for e in errata()
    ]


def errata_markdown() -> str:
    """The errata as the README's Markdown table (tests/test_errata.py keeps the README's copy the same)."""
    lines = ["| note | where | the notes say | correct | shown on |", "|---|---|---|---|---|"]
    for e in errata():
        cells = (e.note, e.place, e.says, e.correct, e.shown_on or "–")
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)
