"""The computations behind the errata's corrections (rnn_core.lessons.errata), one small function each.

Each builds what it needs (a forward pass, a gradient, a layer's shapes, a FLOP count) and returns plain numbers, so
that the errata can state them and tests/test_errata.py can check each one against its own computation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from rnn_core.lessons.by_hand import ONES_EXAMPLES, all_ones_rnn, stacked_by_hand
from rnn_core.lessons.notes import ScalarWeights, scalar_autograd, scalar_forward, scalar_relu_gradients
from rnn_core.train.models import count_parameters

WORKED_INPUTS = [float(x) for x in range(1, 11)]  # the worked example's inputs 1…10

@dataclass(frozen=True)
class WorkedNumbers:
    targets: int  # steps with a target
    h: list[float]  # h_t, t = 1…
    y_hat: list[float]
    losses: list[float]
    notes_grads: dict[str, float]  # the notes' BPTT: the direct path only, with (1 − h)² for the derivative of tanh
    direct_grads: dict[str, float]  # the direct path only, with 1 − h²
    true_grads: dict[str, float]  # autograd


def worked_numbers() -> WorkedNumbers:
    weights = ScalarWeights()
    forward = scalar_forward(weights, WORKED_INPUTS)
    _, autograd = scalar_autograd(weights, WORKED_INPUTS)
    error = (forward["ŷ_t"] - forward["y_t"]).to_numpy() * weights.w_hy  # ∂L_t/∂h_t
    h, h_prev, x = forward["h_t"].to_numpy(), forward["h_{t-1}"].to_numpy(), forward["x_t"].to_numpy()

    def direct(derivative: np.ndarray) -> dict[str, float]:
        return {name: float((error * derivative * term).sum()) for name, term in (("w_hh", h_prev), ("w_xh", x), ("b_h", np.ones_like(x)))}

    return WorkedNumbers(
        len(forward), forward["h_t"].tolist(), forward["ŷ_t"].tolist(), forward["L_t"].tolist(),
        direct((1 - h) ** 2), direct(1 - h**2), {k: autograd[k] for k in ("w_hh", "w_xh", "b_h")},
    )  # fmt: skip


def window_count(length: int, window: int) -> int:
    """How many windows of ``window`` steps slide over ``length`` steps one step at a time (torch's unfold)."""
    return torch.zeros(length).unfold(0, window, 1).size(0)


def linear_chain_gradient(w_h: float = 0.7, w_y: float = 1.3, h_0: float = 0.9, y: float = 2.0, length: int = 6) -> tuple[float, float]:
    """h_t = w_h h_{t−1} (w_x = 0), ŷ = w_y h_L, l = (y − ŷ)²: (autograd's ∂l/∂w_y, 2(ŷ − y)·w_h^L·h_0)."""
    weight = torch.tensor(w_y, dtype=torch.float64, requires_grad=True)
    h = torch.tensor(h_0, dtype=torch.float64)
    for _ in range(length):
        h = w_h * h
    y_hat = weight * h
    ((y - y_hat) ** 2).backward()
    return weight.grad.item(), 2 * (y_hat.item() - y) * w_h**length * h_0


def multiplications(n: int = 7, m: int = 5) -> int:
    """The multiplications of one layer from n inputs to m outputs, counted by torch (a multiply-add is 2 FLOPs)."""
    layer = nn.Linear(n, m, bias=False)
    with FlopCounterMode(display=False) as counter:
        layer(torch.zeros(1, n))
    return counter.get_total_flops() // 2


def minibatch_gradient_sizes(sizes=(1, 1000), draws: int = 50) -> dict[int, float]:
    """The mean ‖∇‖ of a batch-mean loss (linear regression, 4 weights, fixed seed) for each batch size M."""
    generator = torch.Generator().manual_seed(0)
    w = torch.randn(4, generator=generator).requires_grad_(True)
    X = torch.randn(100_000, 4, generator=generator)
    Y = X @ torch.ones(4)
    sizes_seen = {}
    for M in sizes:
        norms = []
        for k in range(draws):
            rows = slice(k * M % (len(X) - M), k * M % (len(X) - M) + M)
            (grad,) = torch.autograd.grad(F.mse_loss(X[rows] @ w, Y[rows]), w)
            norms.append(grad.norm().item())
        sizes_seen[M] = float(np.mean(norms))
    return sizes_seen


def view_fails_past_one_sequence() -> tuple[bool, bool]:
    """Whether ``output.view(-1, H)`` works on a batch-first nn.RNN's output for 1 sequence, and for 8."""
    rnn = nn.RNN(1, 10, 2, batch_first=True)
    return tuple(rnn(torch.zeros(n, 20, 1))[0].is_contiguous() for n in (1, 8))  # view needs a contiguous tensor


def parameters_and_outputs(batch: int) -> tuple[int, int]:
    """nn.RNN(4, 3) on a batch of ``batch`` sequences of 5 steps: (its parameter count, the numbers in its output)."""
    rnn = nn.RNN(4, 3)
    return count_parameters(rnn), rnn(torch.zeros(5, batch, 4))[0].numel()


def missing_tanh_difference() -> float:
    """max |(W I + b) − tanh(W I + b)| for nn.RNN(4, 3) at one step, I = [x; h]: how far the form without φ is off."""
    generator = torch.Generator().manual_seed(0)  # the same layer and inputs every time, whoever calls
    rnn = nn.RNN(4, 3)
    x, h = torch.randn(4, generator=generator), torch.randn(3, generator=generator)
    with torch.no_grad():
        for p in rnn.parameters():
            p.copy_((2 * torch.rand(p.shape, generator=generator) - 1) / 3**0.5)  # PyTorch's U(−1/√H, 1/√H), H = 3
        linear = torch.cat([rnn.weight_ih_l0, rnn.weight_hh_l0], 1) @ torch.cat([x, h]) + rnn.bias_ih_l0 + rnn.bias_hh_l0
        return float((linear - rnn(x[None], h[None])[1][0]).abs().max())


def bidirectional_is_side_by_side() -> bool:
    """A bidirectional nn.RNN equals two one-way RNNs on the same input, the second reading it reversed, concatenated."""
    both, forward, backward, x = nn.RNN(3, 5, bidirectional=True), nn.RNN(3, 5), nn.RNN(3, 5), torch.randn(4, 2, 3)
    state = both.state_dict()
    forward.load_state_dict({k: v for k, v in state.items() if not k.endswith("_reverse")})
    backward.load_state_dict({k.removesuffix("_reverse"): v for k, v in state.items() if k.endswith("_reverse")})
    with torch.no_grad():
        side_by_side = torch.cat([forward(x)[0], backward(x.flip(0))[0].flip(0)], dim=-1)
        return torch.allclose(both(x)[0], side_by_side, atol=1e-6)


def spectral_radius_example(entry: float = 0.9, power: int = 20) -> tuple[float, float]:
    """W = [[entry, entry], [entry, entry]]: every entry below 1, yet (ρ(W), ‖W^power‖)."""
    W = torch.full((2, 2), entry, dtype=torch.float64)
    return float(torch.linalg.eigvals(W).abs().max()), float(torch.linalg.matrix_power(W, power).norm())


def float32_fake_target() -> tuple[float, float]:
    """The ReLU demo at w_h = 10, L = 10: the float32 loss, and the true ∂/∂h_0 (float64)."""
    f32 = scalar_relu_gradients(10.0, lengths=(10,)).iloc[0]
    f64 = scalar_relu_gradients(10.0, lengths=(10,), dtype=torch.float64).iloc[0]
    return float(f32["loss"]), float(f64["∂/∂h_0"])


def stacked_weights() -> tuple[tuple[int, int], tuple[int, int], bool]:
    """nn.RNN(4, 3, num_layers=2): the shapes of W_ih of layers 1 and 2, and whether layer 2 is layer 1 written out again."""
    rnn = nn.RNN(4, 3, num_layers=2, batch_first=True)
    x = torch.randn(1, 5, 4)
    with torch.no_grad():
        same = torch.allclose(stacked_by_hand(rnn, x), rnn(x)[0], atol=1e-6)
    return tuple(rnn.weight_ih_l0.shape), tuple(rnn.weight_ih_l1.shape), same


def tanh_saturates_at() -> float:
    """The smallest x (to 0.01) at which float32's tanh(x) is exactly 1, so that 1 − h² = 0 and no gradient passes."""
    low, high = 1.0, 30.0  # tanh(1) < 1, tanh(30) == 1 in float32
    while high - low > 0.01:
        middle = (low + high) / 2
        low, high = (low, middle) if torch.tanh(torch.tensor(middle)) == 1 else (middle, high)
    return high


def all_ones_outputs(example: str) -> list[float]:
    with torch.no_grad():
        return all_ones_rnn()(ONES_EXAMPLES[example])[0].flatten().tolist()
