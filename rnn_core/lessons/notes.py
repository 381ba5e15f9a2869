"""The notes' worked examples, computed with rnn_core's own layers and autograd."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace

import pandas as pd
import torch
import torch.nn.functional as F

from rnn_core.nn.by_cell import fused_layer
from rnn_core.nn.cell_facts import CELLS, STATE_SIZE
from rnn_core.nn.layers import RNN

DEMO_LENGTHS = (1, 2, 3, 4, 5, 10)


def scalar_relu_gradients(w_h: float, lengths=DEMO_LENGTHS, dtype: torch.dtype = torch.float32) -> pd.DataFrame:
    """The vanishing/exploding demo: h_t = relu(w_h h_{t-1} + 0·x_t), h_0 = 1 learnable, ŷ = w_y h_L, w_y = 1.

    The target is set one below the prediction, so the MSE is 1 and ∂loss/∂ŷ = 2: the gradients are then
    ∂/∂h_0 = 2 w_h^L, ∂/∂w_h = 2 L w_h^(L-1), ∂/∂w_y = 2 w_h^L. In float32 a prediction of 10^10 and
    10^10 − 1 are the same number, so that "target" equals the prediction and every gradient is exactly 0.
    """
    rows = []
    for length in lengths:
        rnn = RNN(1, 1, nonlinearity="relu", bias=False, dtype=dtype)
        with torch.no_grad():
            rnn.weight_ih_l0.zero_()
            rnn.weight_hh_l0.fill_(w_h)
        h_0 = torch.ones(1, 1, dtype=dtype, requires_grad=True)
        w_y = torch.ones((), dtype=dtype, requires_grad=True)
        out, _ = rnn(torch.ones(length, 1, dtype=dtype), h_0)  # unbatched (L, 1)
        y_hat = w_y * out[-1, 0]
        target = y_hat.detach() - 1
        loss = F.mse_loss(y_hat, target)
        loss.backward()
        rows.append(
            {
                "length L": length,
                "ŷ": y_hat.item(),
                "target": target.item(),
                "loss": loss.item(),
                "∂/∂h_0": h_0.grad.item(),
                "∂/∂w_h": rnn.weight_hh_l0.grad.item(),
                "∂/∂w_y": w_y.grad.item(),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# The scalar worked example: h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h), ŷ_t = W_hy h_t + b_y, L_t = ½(ŷ_t − y_t)²


@dataclass(frozen=True)
class ScalarWeights:
    """The worked example's parameters; the notes' values are the defaults."""

    w_hh: float = 0.5
    w_xh: float = 0.8
    b_h: float = 0.0
    w_hy: float = 1.2
    b_y: float = 0.0
    h_0: float = 0.0

    def step(self, grads: dict[str, float], lr: float) -> ScalarWeights:
        """One gradient-descent step θ ← θ − α ∂L/∂θ (h_0 is not learned)."""
        return replace(self, **{name: getattr(self, name) - lr * g for name, g in grads.items()})


PARAMETERS = ("w_hh", "w_xh", "b_h", "w_hy", "b_y")


def scalar_forward(weights: ScalarWeights, xs: list[float]) -> pd.DataFrame:
    """The forward table for targets y_t = x_{t+1}: one row per step that has a target (len(xs) − 1 rows)."""
    if len(xs) < 2:
        raise ValueError(f"give at least two inputs: the target at step t is the input at t+1 (got {len(xs)})")
    rows, h = [], weights.h_0
    for t in range(len(xs) - 1):
        h_prev = h
        h = math.tanh(weights.w_hh * h_prev + weights.w_xh * xs[t] + weights.b_h)
        y_hat = weights.w_hy * h + weights.b_y
        y = xs[t + 1]
        rows.append({"t": t + 1, "x_t": xs[t], "h_{t-1}": h_prev, "h_t": h, "ŷ_t": y_hat, "y_t": y, "L_t": 0.5 * (y_hat - y) ** 2})
    return pd.DataFrame(rows)


def scalar_bptt(weights: ScalarWeights, forward: pd.DataFrame) -> pd.DataFrame:
    """Backpropagation through time by hand, every term per step.

    δ_t = ∂L/∂h_t = (ŷ_t − y_t)·W_hy + δ_{t+1}·(1 − h_{t+1}²)·W_hh  (the second term is the path through h_{t+1});
    a_t = δ_t·(1 − h_t²) is the gradient at the pre-activation; then
    ∂L/∂W_hh = Σ a_t h_{t−1}, ∂L/∂W_xh = Σ a_t x_t, ∂L/∂b_h = Σ a_t, ∂L/∂W_hy = Σ (ŷ_t − y_t) h_t, ∂L/∂b_y = Σ (ŷ_t − y_t).
    """
    n = len(forward)
    err = (forward["ŷ_t"] - forward["y_t"]).to_numpy()
    h = forward["h_t"].to_numpy()
    delta = [0.0] * n
    for t in reversed(range(n)):
        later = delta[t + 1] * (1 - h[t + 1] ** 2) * weights.w_hh if t + 1 < n else 0.0
        delta[t] = err[t] * weights.w_hy + later
    a = [delta[t] * (1 - h[t] ** 2) for t in range(n)]
    return pd.DataFrame(
        {
            "t": forward["t"],
            "ŷ_t − y_t": err,
            "δ_t = ∂L/∂h_t": delta,
            "a_t = δ_t(1 − h_t²)": a,
            "W_hh term a_t·h_{t−1}": [a[t] * forward["h_{t-1}"].iloc[t] for t in range(n)],
            "W_xh term a_t·x_t": [a[t] * forward["x_t"].iloc[t] for t in range(n)],
            "b_h term a_t": a,
            "W_hy term (ŷ_t − y_t)·h_t": err * h,
            "b_y term ŷ_t − y_t": err,
        }
    )


def bptt_sums(bptt: pd.DataFrame) -> dict[str, float]:
    """The gradient of L = Σ L_t for each parameter: the sum of its column of terms."""
    columns = {
        "w_hh": "W_hh term a_t·h_{t−1}",
        "w_xh": "W_xh term a_t·x_t",
        "b_h": "b_h term a_t",
        "w_hy": "W_hy term (ŷ_t − y_t)·h_t",
        "b_y": "b_y term ŷ_t − y_t",
    }
    return {name: float(bptt[column].sum()) for name, column in columns.items()}


def scalar_autograd(weights: ScalarWeights, xs: list[float]) -> tuple[float, dict[str, float]]:
    """The same loss and gradients from PyTorch's autograd, through rnn_core.RNN, in float64."""
    rnn = RNN(1, 1, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_hh_l0.fill_(weights.w_hh)
        rnn.weight_ih_l0.fill_(weights.w_xh)
        rnn.bias_ih_l0.fill_(weights.b_h)
        rnn.bias_hh_l0.zero_()
    w_hy = torch.tensor(weights.w_hy, dtype=torch.float64, requires_grad=True)
    b_y = torch.tensor(weights.b_y, dtype=torch.float64, requires_grad=True)
    x = torch.tensor(xs[:-1], dtype=torch.float64).unsqueeze(-1)  # (T, 1), unbatched
    h, _ = rnn(x, torch.full((1, 1), weights.h_0, dtype=torch.float64))
    y_hat = w_hy * h[:, 0] + b_y
    loss = 0.5 * ((y_hat - torch.tensor(xs[1:], dtype=torch.float64)) ** 2).sum()
    loss.backward()
    grads = {
        "w_hh": rnn.weight_hh_l0.grad.item(),
        "w_xh": rnn.weight_ih_l0.grad.item(),
        "b_h": rnn.bias_ih_l0.grad.item(),
        "w_hy": w_hy.grad.item(),
        "b_y": b_y.grad.item(),
    }
    return loss.item(), grads


# ---------------------------------------------------------------------------------------------
# Shapes and parameter counts, as PyTorch has them

def tensor_shapes(
    cell: str,
    input_size: int,
    hidden_size: int,
    num_layers: int,
    bidirectional: bool,
    batch_first: bool,
    batch: int,
    seq_len: int,
    out_features: int,
) -> pd.DataFrame:
    """Every tensor going in and out, with the shapes a real torch module produces (checked by running it)."""
    module = fused_layer(cell, input_size, hidden_size, num_layers, batch_first=batch_first, bidirectional=bidirectional)
    D = 2 if bidirectional else 1
    x = torch.zeros((batch, seq_len, input_size) if batch_first else (seq_len, batch, input_size))
    output, state = module(x)
    facts = CELLS[cell]
    h_n, c_n = state if facts.has_cell_state else (state, None)
    head = torch.nn.Linear(D * hidden_size, out_features)(output)
    N, L, H = "N", "L", "H_out"
    state_symbols = f"(D·num_layers, {N}, {H}" + (", state_size)" if facts.mode == "S6" else ")")
    kind = {"LRU": "complex state x", "S6": "state h (H × state_size per sequence)"}.get(facts.mode, "hidden state h")
    output_is = "y_t" if facts.own_state else "h_t"
    rows = [
        ("input x", x.shape, f"({N}, {L}, H_in)" if batch_first else f"({L}, {N}, H_in)", "the sequence"),
        ("h_0", h_n.shape, state_symbols, f"initial {kind} (zeros if not given); batch_first never applies"),
    ]
    if c_n is not None:
        rows.append(("c_0", c_n.shape, f"(D·num_layers, {N}, {H})", "initial cell state"))
    rows += [
        ("output", output.shape, f"({N}, {L}, D·{H})" if batch_first else f"({L}, {N}, D·{H})", f"{output_is} of the last layer"),
        ("h_n", h_n.shape, state_symbols, f"the {kind} at the last step of every layer and direction"),
    ]
    if c_n is not None:
        rows.append(("c_n", c_n.shape, f"(D·num_layers, {N}, {H})", "c at the last step of every layer and direction"))
    rows.append(("head(output)", head.shape, "(…, out_features)", "a Linear layer on every step's output"))
    return pd.DataFrame(
        [(n, " × ".join(map(str, s)), f, m) for n, s, f, m in rows], columns=["tensor", "shape", "in symbols", "what it is"]
    )


def parameter_shapes(cell: str, input_size: int, hidden_size: int, num_layers: int, bidirectional: bool, out_features: int) -> pd.DataFrame:
    """Every weight and bias by its PyTorch name, its shape and size, recurrent layers then the head."""
    D = 2 if bidirectional else 1
    modules = {
        "rnn": fused_layer(cell, input_size, hidden_size, num_layers, bidirectional=bidirectional),
        "head": torch.nn.Linear(D * hidden_size, out_features),
    }
    rows = [
        (f"{prefix}.{name}", " × ".join(map(str, p.shape)), p.numel()) for prefix, m in modules.items() for name, p in m.named_parameters()
    ]
    return pd.DataFrame(rows, columns=["parameter", "shape", "count"])


def parameter_formula_text(cell: str, input_size: int, hidden_size: int, num_layers: int, bidirectional: bool, out_features: int) -> str:
    """The count written out with these numbers: per layer D·G·(H·H_in + H + H·H + H), then the head k·D·H + k."""
    G, D, H, k = CELLS[cell].blocks, 2 if bidirectional else 1, hidden_size, out_features
    parts, total = [], 0
    for layer in range(num_layers):
        h_in = input_size if layer == 0 else D * H
        total += CELLS[cell].layer_parameters(h_in, H, D, STATE_SIZE)
        if CELLS[cell].own_state:  # the LRU and the S6 layer: their own parameters, shape by shape
            factor = f"{D} · " if D != 1 else ""
            shapes = CELLS[cell].parameter_shapes(h_in, H, True, STATE_SIZE).values()
            parts.append(f"{factor}({' + '.join('·'.join(map(str, shape)) for shape in shapes)})")
            continue
        factor = " · ".join(str(f) for f in (D, G) if f != 1)
        recurrent = f" + {H}·{H} + {H}" if CELLS[cell].reads_state else ""  # the linear recurrences have no W_hh, b_hh
        parts.append(f"{factor + ' · ' if factor else ''}({H}·{h_in} + {H}{recurrent})")
    head = k * D * H + k
    return " + ".join(parts) + f" + ({k}·{D * H} + {k}) = {total + head}"


# ---------------------------------------------------------------------------------------------
# The "hello" character model: one training step seen on the output scores


@dataclass(frozen=True)
class HelloStep:
    """One gradient step of a character model on "hello", seen where the loss meets the scores.

    Tables have one row per input position ("h", "e", "l", "l") and one column per vocabulary character.
    """

    vocab: list[str]
    inputs: list[str]
    targets: list[str]
    one_hot: pd.DataFrame
    scores_before: pd.DataFrame
    probabilities: pd.DataFrame
    score_gradient: pd.DataFrame  # ∂L/∂scores from autograd; equals (softmax − one-hot)/T
    expected_gradient: pd.DataFrame  # (softmax − one-hot)/T, written out
    scores_after: pd.DataFrame
    loss_before: float
    loss_after: float


def hello_step(model, task, lr: float) -> HelloStep:
    """Take one SGD step of ``lr`` on a copy of ``model`` (a SequenceModel on the "hello" task); the model is unchanged."""
    batch = task.probe_batch(1)
    x, y = batch.x[0], batch.y[0]  # (T,), (T,)
    inputs = [task.vocab[int(i)] for i in x]
    targets = [task.vocab[int(i)] for i in y]
    index = [f"{c} → ?" for c in inputs]

    def frame(values) -> pd.DataFrame:
        return pd.DataFrame(values.detach().numpy(), index=index, columns=task.vocab)

    trained = copy.deepcopy(model).train()
    scores, _ = trained(x.unsqueeze(0))  # (1, T, V)
    scores.retain_grad()
    loss = F.cross_entropy(scores[0], y)
    loss.backward()
    probs = torch.softmax(scores[0], dim=-1)  # (T, V)
    one_hot = F.one_hot(y, len(task.vocab)).double()
    with torch.no_grad():
        for p in trained.parameters():
            p -= lr * p.grad
        after, _ = trained(x.unsqueeze(0))
        loss_after = F.cross_entropy(after[0], y).item()
    return HelloStep(
        vocab=list(task.vocab),
        inputs=inputs,
        targets=targets,
        one_hot=frame(F.one_hot(x, len(task.vocab)).float()),
        scores_before=frame(scores[0]),
        probabilities=frame(probs),
        score_gradient=frame(scores.grad[0]),
        expected_gradient=frame((probs.double() - one_hot) / len(y)),
        scores_after=frame(after[0]),
        loss_before=loss.item(),
        loss_after=loss_after,
    )
