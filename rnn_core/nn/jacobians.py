"""The step Jacobian ∂s_t/∂s_{t−1} of every cell, written out from the equations in cells.py: the matrix whose
spectral radius along a sequence decides whether gradients vanish or explode."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnn_core.nn.recording import Recording


def recurrent_weights(layer: nn.Module) -> list[tuple[Tensor, Tensor | None]]:
    """``(W_hh, b_hh)`` of every layer-direction, detached (b_hh None without ``bias``): what a step Jacobian reads."""
    weights = []
    for k in range(layer.num_layers * layer.num_directions):
        _, w_hh, _, b_hh = layer.direction_weights(k)
        weights.append((w_hh.detach(), None if b_hh is None else b_hh.detach()))
    return weights


def sequence_step_jacobians(
    mode: str, directions: int, weights: list[tuple[Tensor, Tensor | None]], hidden: Tensor, cell: Tensor | None, gates: dict, steps: Tensor
) -> list[Tensor]:
    """The step Jacobians ∂s_t/∂s_{t−1} at ``steps`` of one sequence, one ``(N, S, S)`` batch per layer-direction, from
    ``(W_hh, b_hh)`` per layer-direction (:func:`recurrent_weights`) and the sequence's states and gates as a recording
    keeps them, each ``(LD, T, H)``.

    s is h for RNN and GRU, and (h, c) together for the LSTM, whose cell path is the one that can keep gradients alive.
    """
    H = hidden.size(-1)
    jacobians = []
    for k, (w_hh, b_hh) in enumerate(weights):
        new = (hidden[k],) if cell is None else (hidden[k], cell[k])  # each (T, H)
        zero = torch.zeros(1, H)
        # s_{t-1} in the direction's own order, starting from zero as record() did
        prev = tuple(torch.cat([zero, s[:-1]]) if k % directions == 0 else torch.cat([s[1:], zero]) for s in new)
        at_steps = {g: v[k, steps] for g, v in gates.items()}
        jacobians.append(step_jacobians(mode, w_hh, b_hh, tuple(s[steps] for s in prev), tuple(s[steps] for s in new), at_steps))
    return jacobians


def recorded_step_diagonals(layer: nn.Module, rec: Recording, steps: Tensor) -> list[Tensor]:
    """For a linear recurrence (``Cell.reads_state`` False), whose step Jacobian ∂s_t/∂s_{t−1} is the diagonal matrix
    diag(a_t): that diagonal at ``steps`` of the first sequence of ``rec``, one ``(N, S)`` per layer-direction.

        minGRU   a_t = 1 − z_t                S = H
        minLSTM  a_t = f_t / (f_t + i_t)      S = H
        LRU      a_t = λ, at every step        S = H, complex: its eigenvalues are λ itself
        S6       a_t = exp(Δ_t ⊗ A)            S = H·N, the state flattened channel by channel

    Its spectral radius is the largest |a_t|: no eigendecomposition is needed, so every step is measured.
    """
    diagonals = []
    for k in range(layer.num_layers * layer.num_directions):
        gates = {g: v[k, 0, steps] for g, v in rec.gates.items()}  # each (N, H)
        if layer.mode == "MINGRU":
            diagonals.append(1 - gates["update"])
        elif layer.mode == "MINLSTM":
            diagonals.append(gates["forget"] / (gates["forget"] + gates["input"]))
        elif layer.mode == "LRU":
            diagonals.append(layer.eigenvalues(k).detach().expand(len(steps), -1))
        elif layer.mode == "S6":
            a = -torch.exp(layer.direction_parameters(k)["A_log"].detach())  # (H, N)
            diagonals.append(torch.exp(gates["selection"].unsqueeze(-1) * a).flatten(-2))
        else:
            raise ValueError(f"the step Jacobian of mode {layer.mode!r} is not diagonal: use sequence_step_jacobians")
    return diagonals


def step_jacobians(mode: str, w_hh: Tensor, b_hh: Tensor | None, prev: tuple[Tensor, ...], new: tuple[Tensor, ...], gates) -> Tensor:
    """∂s_t/∂s_{t-1} of one cell at N steps at once, ``(N, S, S)``, written out from the equations in cells.py.

    ``prev`` and ``new`` are the states before and after each step, ``(h,)`` or ``(h, c)``, each ``(N, H)``, and
    ``gates`` the step's gates, each ``(N, H)``, as a Recording keeps them. Written out by hand because a snapshot
    wants it at every step: a few elementwise products on what the recording already holds take half a millisecond
    for the default model, where autograd (vmap of jacrev through the step) took 5 ms, a tenth of the snapshot. The
    tests check it against autograd for every cell. Rows are outputs, columns inputs; for the LSTM both are ordered (h, c):

        RNN   ∂h_t/∂h_{t-1} = diag(φ'(a_t)) W_hh, with φ' = 1 - h_t² (tanh) or [h_t > 0] (ReLU)
        GRU   ∂h_t/∂h_{t-1} = diag(z) + diag(h_{t-1} - n) ∂z + diag(1 - z) ∂n,
              ∂z = diag(z(1-z)) W_hz,  ∂n = diag(1 - n²) (diag(r) W_hn + diag((W_hn h_{t-1} + b_hn) r(1-r)) W_hr)
        LSTM  ∂c_t/∂h_{t-1} = diag(c_{t-1} f(1-f)) W_hf + diag(g i(1-i)) W_hi + diag(i(1-g²)) W_hg,  ∂c_t/∂c_{t-1} = diag(f)
              ∂h_t/∂h_{t-1} = diag(tanh(c_t) o(1-o)) W_ho + diag(o(1 - tanh²c_t)) ∂c_t/∂h_{t-1},
              ∂h_t/∂c_{t-1} = diag(o(1 - tanh²c_t) f)

    The linear recurrences' Jacobians are diagonal: :func:`recorded_step_diagonals`.
    """

    def rows(v: Tensor, w: Tensor) -> Tensor:
        return v.unsqueeze(-1) * w  # diag(v) @ w at every step

    if mode == "RNN_TANH":
        return rows(1 - new[0] ** 2, w_hh)
    if mode == "RNN_RELU":
        return rows((new[0] > 0).to(w_hh.dtype), w_hh)
    if mode == "GRU":
        (h_prev,) = prev
        r, z, n = gates["reset"], gates["update"], gates["new"]
        w_r, w_z, w_n = w_hh.chunk(3)
        hn = F.linear(h_prev, w_n, None if b_hh is None else b_hh.chunk(3)[2])  # W_hn h_{t-1} + b_hn, as the reset gate saw it
        dz = rows(z * (1 - z), w_z)
        dn = rows(1 - n**2, rows(r, w_n) + rows(hn * r * (1 - r), w_r))
        return torch.diag_embed(z) + rows(h_prev - n, dz) + rows(1 - z, dn)
    if mode != "LSTM":
        raise ValueError(f"no step Jacobian for mode {mode!r}")
    (_, c_prev), (_, c) = prev, new
    i, f, g, o = gates["input"], gates["forget"], gates["cell"], gates["output"]
    w_i, w_f, w_g, w_o = w_hh.chunk(4)
    tanh_c = torch.tanh(c)
    dh_dc = o * (1 - tanh_c**2)  # ∂h_t/∂c_t
    dc_dh = rows(c_prev * f * (1 - f), w_f) + rows(g * i * (1 - i), w_i) + rows(i * (1 - g**2), w_g)
    dh_dh = rows(tanh_c * o * (1 - o), w_o) + rows(dh_dc, dc_dh)
    top = torch.cat([dh_dh, torch.diag_embed(dh_dc * f)], dim=-1)
    return torch.cat([top, torch.cat([dc_dh, torch.diag_embed(f)], dim=-1)], dim=-2)  # (N, 2H, 2H)
