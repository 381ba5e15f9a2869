r"""Two linear recurrences whose state is not their output, as layers with the contract of ``rnn_core.LSTM``.

- :class:`LRU`, the linear recurrent unit (Orvieto et al. 2023, "Resurrecting Recurrent Neural Networks for Long
  Sequences", arXiv 2303.06349, Appendix A): x_t = λ ⊙ x_{t-1} + γ ⊙ (B u_t), y_t = Re(C x_t) + D u_t over H complex
  units, with λ = exp(−exp(ν) + i·exp(θ)) on a ring of radii [r_min, r_max] and γ = √(1 − |λ|²) at the start.
- :class:`SelectiveSSM`, the S6 core of Mamba (Gu and Dao 2023, arXiv 2312.00752, §3 and Algorithm 2; without the
  convolution and the gating branch, with a full-rank Δ): u_t = W_in x_t + b_in, Δ_t = softplus(W_Δ u_t + b_Δ),
  B_t = W_B u_t, C_t = W_C u_t, A = −exp(A_log); h_t = exp(Δ_t ⊗ A) ⊙ h_{t-1} + (Δ_t ⊙ u_t) ⊗ B_t (H × N),
  y_t = h_t C_t + D ⊙ u_t. Δ_t is the selection: a large Δ_t forgets the state and lets x_t in, a small one keeps
  the state and ignores x_t; it is recorded as the gate ``selection``.

Both are s_t = a_t ⊙ s_{t-1} + b_t with a_t, b_t from the input alone, so ``forward`` scans (:func:`linear_scan`) and
:meth:`record` loops, as for minGRU. ``forward`` returns ``(output, h_n)`` with h_n the final *state*, which ``hx``
takes back: complex ``(D·num_layers, N_batch, H)`` for the LRU, ``(D·num_layers, N_batch, H, state_size)`` for S6.
A :class:`Recording`'s ``hidden`` is y_t, its ``state`` the states, and ``hidden_grad_norm`` the gradient reaching them.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnn_core.nn.cell_facts import CELLS, STATE_SIZE
from rnn_core.nn.linear_layers import _LinearRecurrence


class LRU(_LinearRecurrence):
    r"""Linear recurrent unit: x_t = λ ⊙ x_{t-1} + γ ⊙ (B u_t), y_t = Re(C x_t) + D u_t, with λ, x_t, B, C complex.

    Arguments, inputs and outputs as :class:`rnn_core.GRU`, but the state ``hx``/``h_n`` is complex (complex64 for
    float32 weights), and ``bias`` changes nothing (the LRU has no bias). ``r_min``, ``r_max``, ``max_phase``: the ring
    λ starts on (the paper's long-range settings). Parameters per layer-direction: ``nu_log``, ``theta_log``,
    ``gamma_log`` ``(H,)``; ``B_re``, ``B_im`` ``(H, H_in)``; ``C_re``, ``C_im`` ``(H, H)``; ``D`` ``(H, H_in)``.

    Example:
        >>> layer = LRU(input_size=3, hidden_size=4, batch_first=True)
        >>> output, h_n = layer(torch.randn(2, 5, 3))
        >>> output.shape, h_n.shape, h_n.dtype
        (torch.Size([2, 5, 4]), torch.Size([1, 2, 4]), torch.complex64)
    """

    cell = CELLS["lru"]

    def __init__(self, *args, r_min: float = 0.9, r_max: float = 0.999, max_phase: float = 2 * math.pi, **kwargs) -> None:
        if not 0 <= r_min <= r_max < 1:
            raise ValueError(f"the LRU's ring needs 0 ≤ r_min ≤ r_max < 1, got r_min={r_min}, r_max={r_max}")
        self.r_min, self.r_max, self.max_phase = r_min, r_max, max_phase
        super().__init__(*args, **kwargs)

    def state_dtype(self, dtype: torch.dtype) -> torch.dtype:
        return torch.promote_types(dtype, torch.complex64)

    def reset_parameters(self) -> None:
        """The paper's ring initialisation: |λ|² uniform in [r_min², r_max²], arg λ uniform in [0, max_phase],
        γ = √(1 − |λ|²); B and C complex Gaussians scaled by 1/√(2·H_in) and 1/√H, D Gaussian by 1/√H_in."""
        with torch.no_grad():
            for k in range(len(self._weight_names)):
                p = self.direction_parameters(k)
                H, H_in = p["B_re"].shape
                like = {"dtype": p["nu_log"].dtype, "device": p["nu_log"].device}  # on "meta" (a twin) no number is drawn
                u1, u2 = torch.rand(H, **like), torch.rand(H, **like)
                p["nu_log"].copy_(torch.log(-0.5 * torch.log(u1 * (self.r_max**2 - self.r_min**2) + self.r_min**2)))
                p["theta_log"].copy_(torch.log(self.max_phase * u2.clamp(min=1e-4)))  # log(0) would be −∞
                p["gamma_log"].copy_(torch.log(torch.sqrt(1 - self.eigenvalues(k).abs() ** 2)))
                for name, scale in (("B_re", 2 * H_in), ("B_im", 2 * H_in), ("C_re", H), ("C_im", H), ("D", H_in)):
                    nn.init.normal_(p[name], std=1 / math.sqrt(scale))

    def eigenvalues(self, k: int) -> Tensor:
        """λ of layer-direction ``k``, ``(H,)`` complex: the eigenvalues of the step, which is diag(λ)."""
        p = self.direction_parameters(k)
        return torch.exp(torch.complex(-torch.exp(p["nu_log"]), torch.exp(p["theta_log"])))

    # B and C work on complex numbers as pairs of reals (torch's view_as_real and view_as_complex: (re, im) side by side
    # in memory): one real product each, where one product per part (and a complex tensor made of two) cost a fifth of
    # a training step in copies.

    def coefficients(self, x: Tensor, k: int) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
        p = self.direction_parameters(k)
        B = torch.stack([p["B_re"], p["B_im"]], dim=1).flatten(0, 1)  # (2H, H_in): rows Re B_1, Im B_1, Re B_2, ...
        Bu = torch.view_as_complex(F.linear(x, B).unflatten(-1, (-1, 2)))  # (..., H) complex
        b = torch.exp(p["gamma_log"]) * Bu  # γ ⊙ B u_t
        return self.eigenvalues(k).expand_as(b), b, {}

    def read_out(self, states: Tensor, x: Tensor, k: int) -> Tensor:
        p = self.direction_parameters(k)
        C = torch.stack([p["C_re"], -p["C_im"]], dim=-1).flatten(-2)  # (H, 2H): Re(C s) = C_re Re s − C_im Im s
        return F.linear(torch.view_as_real(states).flatten(-2), C) + F.linear(x, p["D"])  # Re(C x_t) + D u_t


class SelectiveSSM(_LinearRecurrence):
    r"""A selective state-space layer (S6): h_t = exp(Δ_t ⊗ A) ⊙ h_{t-1} + (Δ_t ⊙ u_t) ⊗ B_t, y_t = h_t C_t + D ⊙ u_t.

    Arguments, inputs and outputs as :class:`rnn_core.GRU`, plus ``state_size`` (N, the state per channel; default 8);
    the state ``hx``/``h_n`` is ``(D·num_layers, N_batch, H, N)``. ``bias=False`` leaves out b_in. Parameters per
    layer-direction: ``W_in`` ``(H, H_in)``, ``b_in`` ``(H,)``, ``W_delta`` ``(H, H)``, ``b_delta`` ``(H,)``,
    ``W_B``, ``W_C`` ``(N, H)``, ``A_log`` ``(H, N)``, ``D`` ``(H,)``. Gate recorded: ``selection`` (Δ_t).

    Example:
        >>> layer = SelectiveSSM(input_size=3, hidden_size=4, state_size=2)
        >>> rec = layer.record(torch.randn(5, 1, 3))
        >>> rec.hidden.shape, rec.state.shape, list(rec.gates)
        (torch.Size([1, 1, 5, 4]), torch.Size([1, 1, 5, 4, 2]), ['selection'])
    """

    cell = CELLS["s6"]

    def __init__(self, *args, state_size: int = STATE_SIZE, **kwargs) -> None:
        if not isinstance(state_size, int) or isinstance(state_size, bool) or state_size <= 0:
            raise ValueError(f"state_size must be a positive int, got {state_size!r}")
        super().__init__(*args, state_size=state_size, **kwargs)

    @property
    def state_shape(self) -> tuple[int, ...]:
        return (self.hidden_size, self.state_size)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", state_size={self.state_size}"

    def reset_parameters(self) -> None:
        """Mamba's: A = −(1, 2, …, N) in every channel (S4D-real), D = 1, Δ starting between 0.001 and 0.1
        (log-uniform, through b_Δ = softplus⁻¹(Δ)), W_Δ from U(±1/√H), the projections as ``nn.Linear``'s."""
        with torch.no_grad():
            for k in range(len(self._weight_names)):
                p = self.direction_parameters(k)
                H, N = p["A_log"].shape
                for name in ("W_in", "b_in", "W_delta", "W_B", "W_C"):
                    if name in p:
                        fan_in = p["W_in"].shape[1] if name in ("W_in", "b_in") else H
                        nn.init.uniform_(p[name], -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))
                like = {"dtype": p["b_delta"].dtype, "device": p["b_delta"].device}  # on "meta" (a twin) no number is drawn
                dt = torch.exp(torch.rand(H, **like) * (math.log(0.1) - math.log(0.001)) + math.log(0.001))
                p["b_delta"].copy_(dt + torch.log(-torch.expm1(-dt)))  # softplus(b_Δ) = dt
                p["A_log"].copy_(torch.log(torch.arange(1, N + 1, dtype=p["A_log"].dtype, device=p["A_log"].device)).expand(H, N))
                p["D"].fill_(1.0)

    def _inputs(self, x: Tensor, k: int) -> tuple[dict[str, Tensor], Tensor]:
        p = self.direction_parameters(k)
        return p, F.linear(x, p["W_in"], p.get("b_in"))  # u_t, (..., H)

    def coefficients(self, x: Tensor, k: int) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
        p, u = self._inputs(x, k)
        delta = F.softplus(F.linear(u, p["W_delta"], p["b_delta"]))  # (..., H)
        a = torch.exp(delta.unsqueeze(-1) * -torch.exp(p["A_log"]))  # exp(Δ_t ⊗ A), (..., H, N)
        b = (delta * u).unsqueeze(-1) * F.linear(u, p["W_B"]).unsqueeze(-2)  # (Δ_t ⊙ u_t) ⊗ B_t
        return a, b, {"selection": delta}

    def read_out(self, states: Tensor, x: Tensor, k: int) -> Tensor:
        p, u = self._inputs(x, k)
        return (states * F.linear(u, p["W_C"]).unsqueeze(-2)).sum(-1) + p["D"] * u  # h_t C_t + D ⊙ u_t
