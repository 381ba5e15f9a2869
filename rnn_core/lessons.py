"""The notes' worked examples, computed with rnn_core's own layers and autograd."""

from __future__ import annotations

import pandas as pd
import torch
import torch.nn.functional as F

from rnn_core.layers import RNN

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
