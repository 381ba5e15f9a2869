r"""The linear recurrences minGRU and minLSTM (Feng et al. 2024, "Were RNNs All We Needed?", arXiv 2410.01201), as
layers with the contract of ``rnn_core.LSTM``: the same constructor, inputs, outputs and :meth:`record`.

Both are h_t = a_t ⊙ h_{t-1} + b_t with a_t and b_t computed from x_t alone (no W_hh):

- minGRU: z_t = σ(W_z x_t + b_z), h̃_t = W_h x_t + b_h; a_t = 1 − z_t, b_t = z_t ⊙ h̃_t.
- minLSTM: f_t = σ(W_f x_t + b_f), i_t = σ(W_i x_t + b_i), h̃_t = W_h x_t + b_h; f′_t = f_t / (f_t + i_t),
  i′_t = i_t / (f_t + i_t); a_t = f′_t, b_t = i′_t ⊙ h̃_t.

Because the gates never read h_{t-1}, the whole sequence can be computed at once (:func:`linear_scan`: log₂ T
vectorised steps instead of T, what ``forward`` does where that is the faster way, see ``scan_pays``), and the step
Jacobian ∂h_t/∂h_{t-1} is the diagonal matrix diag(a_t). :meth:`record` runs the step-by-step loop, the teaching
path, which keeps every h_t and gate; both give the same answer (tests/test_linear_layers.py).

Parameters, in PyTorch's naming and row layout: ``weight_ih_l{k}[_reverse]`` ``(G·H, H_in)`` (``(G·H, D·H)`` above
the first layer) and ``bias_ih_l{k}[_reverse]`` ``(G·H,)``, rows [z | h̃] (G = 2) for minGRU and [f | i | h̃] (G = 3)
for minLSTM; initialised as torch initialises its recurrent layers, from U(−1/√H, 1/√H).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.autograd.function import once_differentiable

from rnn_core.nn.base import _RecurrentBase
from rnn_core.nn.cell_facts import CELLS, Cell

# Which way ``forward`` solves h_t = a_t ⊙ h_{t-1} + b_t, measured forward and backward on one CPU thread (python -m bench
# prints both): the scan does about log₂ T times the loop's arithmetic in log₂ T steps instead of T, so it wins when a
# step is small and there are many; with more than SCAN_MOST_NUMBERS numbers per step (batch × state, a complex one
# counting twice) memory traffic decides and the loop wins at every length. Measured with 32 sequences: minGRU (1,024
# numbers) the scan 1.1–1.8× as fast at T = 40–200, the LRU (2,048) 1.1–1.4×, the S6 layer (8,192) the loop 1.1–1.9×.
SCAN_FEWEST_STEPS = 32  # below, the loop's few steps cost less than the scan's set-up (every cell at T = 10: the loop 1.3–1.7×)
SCAN_MOST_NUMBERS = 2048


def scan_pays(a: Tensor, b: Tensor) -> bool:
    """Whether the scan is the faster way for these coefficients ``(T, ...)`` (see SCAN_MOST_NUMBERS)."""
    return scan_pays_for(a.size(0), b[0].numel() * (2 if b.is_complex() else 1))


def scan_pays_for(steps: int, numbers: int) -> bool:
    """The same for ``steps`` steps of ``numbers`` real numbers each (batch × state)."""
    return steps >= SCAN_FEWEST_STEPS and numbers <= SCAN_MOST_NUMBERS


def step_by_step(a: Tensor, b: Tensor, h0: Tensor) -> Tensor:
    """Every h_t of h_t = a_t ⊙ h_{t-1} + b_t, one step after another: ``a`` and ``b`` are ``(T, ...)``."""
    h, states = h0, []
    for a_t, b_t in zip(a, b):
        h = a_t * h + b_t
        states.append(h)
    return torch.stack(states)


def linear_scan(a: Tensor, b: Tensor, h0: Tensor) -> Tensor:
    """Every h_t of h_t = a_t ⊙ h_{t-1} + b_t at once; ``a`` and ``b`` are ``(T, ...)``, time first, ``h0`` one step.

    Its gradient is a scan too (:class:`_LinearScan`): the gradient reaching h_t is λ_t = g_t + a_{t+1} ⊙ λ_{t+1}, the
    same recurrence backwards in time, so backward costs what forward does instead of autograd's slices and copies of
    every doubling step (they took half of an S6 layer's training time).
    """
    return _LinearScan.apply(a, b, h0)


def _scan(a: Tensor, b: Tensor, h0: Tensor) -> Tensor:
    """The scan by doubling: after the step with distance d, (a_t, b_t) is the composition of the steps in
    (t − 2d, t], where composing (a, b) then (a′, b′) gives (a′a, a′b + b′). log₂ T steps of products and sums, the
    same operations as the loop in another order: no division and no logarithm, so a long sequence whose products of
    a_t vanish underflows to the same zeros as the loop does, never to a NaN."""
    shape = torch.broadcast_shapes(a.shape, b.shape, (1, *h0.shape))
    a, b = a.expand(shape).clone(), b.expand(shape).clone()  # worked on in place: no graph is kept here
    b[0] += a[0] * h0
    d = 1
    while d < a.size(0):
        b[d:] += a[d:] * b[:-d]  # the product is a new tensor, so b's overlapping rows are read before they change
        if 2 * d < a.size(0):  # the last step's products would not be read
            a[d:] = a[d:] * a[:-d]
        d *= 2
    return b


def _scan_back(c: Tensor, g: Tensor) -> Tensor:
    """λ_t = g_t + c_t ⊙ λ_{t+1}, every t from the last back (c_{T-1} = 0: nothing comes after the last step), by
    :func:`_scan`'s doubling run backwards in time on the arrays as they are: no reversed copies of them. ``c`` and
    ``g`` are worked on in place and λ is returned in ``g``'s memory."""
    d = 1
    while d < g.size(0):
        g[:-d] += c[:-d] * g[d:]  # the product is a new tensor: g's overlapping rows are read before they change
        if 2 * d < g.size(0):
            c[:-d] = c[:-d] * c[d:]
        d *= 2
    return g


class _LinearScan(torch.autograd.Function):
    """:func:`_scan` forward, and backward the adjoint recurrence by the same scan run backwards (complex states as
    torch defines their gradients: through the conjugates of a_t and h_{t-1})."""

    @staticmethod
    def forward(ctx, a: Tensor, b: Tensor, h0: Tensor) -> Tensor:
        h = _scan(a, b, h0)
        ctx.save_for_backward(a, h, h0)
        ctx.b_shape = b.shape
        return h

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: Tensor):
        a, h, h0 = ctx.saved_tensors
        next_a = h.new_empty(h.shape)  # conj(a_{t+1}): what λ_{t+1} is multiplied by to reach h_t
        next_a[:-1], next_a[-1] = a[1:].conj(), 0
        reach = _scan_back(next_a, grad.clone())  # λ_t, the whole gradient reaching h_t
        grad_a = grad_h0 = None
        if ctx.needs_input_grad[0]:  # λ_t ⊙ conj(h_{t-1}), h_{-1} being h0
            through = torch.empty_like(reach)
            torch.mul(reach[1:], h[:-1].conj(), out=through[1:])
            through[0] = reach[0] * h0.conj()
            grad_a = through.sum_to_size(a.shape)
        grad_b = reach.sum_to_size(ctx.b_shape) if ctx.needs_input_grad[1] else None
        if ctx.needs_input_grad[2]:
            grad_h0 = (a[0].conj() * reach[0]).sum_to_size(h0.shape)
        return grad_a, grad_b, grad_h0


class _LinearRecurrence(_RecurrentBase):
    """What every linear recurrence s_t = a_t ⊙ s_{t-1} + b_t, y_t = readout(s_t, x_t) shares: a_t and b_t computed
    from the whole input at once (:meth:`coefficients`), the scan that ``forward`` runs, the loop that :meth:`record`
    runs, and the output read from the states (:meth:`read_out`; y_t = h_t for minGRU and minLSTM)."""

    cell: Cell

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
        *,
        state_size: int = 0,
    ) -> None:
        super().__init__(
            self.cell.mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device, dtype,
            state_size=state_size,
        )  # fmt: skip

    def direction_weights(self, k: int) -> tuple[Tensor, None, Tensor | None, None]:
        """Layer-direction ``k``'s ``(w_ih, None, b_ih, None)``: there is no W_hh."""
        p = self.direction_parameters(k)
        return p["weight_ih"], None, p.get("bias_ih"), None

    def projected(self, x: Tensor, k: int) -> Tensor:
        """W_ih x_t + b_ih at every step at once: minGRU's and minLSTM's gate pre-activations, ``(..., G·H)``."""
        w_ih, _, b_ih, _ = self.direction_weights(k)
        return F.linear(x, w_ih, b_ih)

    def coefficients(self, x: Tensor, k: int) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
        """From layer-direction ``k``'s input ``(..., H_in)``: a_t and b_t, each ``(..., *state_shape)``, and the gates
        to record, each ``(..., H)``."""
        raise NotImplementedError

    def read_out(self, states: Tensor, x: Tensor, k: int) -> Tensor:
        """The output y_t of every step from the states and the input: the state itself unless a cell says otherwise."""
        return states

    def _run_direction(self, x: Tensor, state: tuple[Tensor, ...], k: int, reverse: bool, keep: bool):
        x = x.contiguous()  # (T, B, H_in): a batch-first input arrives transposed, which F.linear would copy per product
        a, b, gates = self.coefficients(x, k)  # each (T, B, *state_shape)
        if keep:  # step by step, the teaching path: every state kept in the graph for ∂L/∂s_t
            s, steps = state[0], [None] * x.size(0)
            for t in range(x.size(0) - 1, -1, -1) if reverse else range(x.size(0)):
                s = a[t] * s + b[t]
                steps[t] = s
            states = torch.stack(steps)
        else:  # all steps at once when the scan pays, else the same loop without keeping anything
            order = (lambda v: v.flip(0)) if reverse else (lambda v: v)
            solve = linear_scan if scan_pays(a, b) else step_by_step
            states = order(solve(order(a), order(b), state[0]))
        y = self.read_out(states, x, k)
        final = (states[0] if reverse else states[-1],)
        if not keep:
            return y, final, None
        records = []
        for t in range(x.size(0)):
            kept = {"h_graph": steps[t], "h": y[t].detach()} | {g: v[t].detach() for g, v in gates.items()}
            if self.facts.own_state:
                kept["state"] = steps[t].detach()
            records.append(kept)
        return y, final, records


class MinGRU(_LinearRecurrence):
    r"""minGRU: h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t, z_t = σ(W_z x_t + b_z), h̃_t = W_h x_t + b_h.

    Arguments, inputs and outputs as :class:`rnn_core.GRU`; parameters ``weight_ih_l{k}[_reverse]`` ``(2H, ·)`` and
    ``bias_ih_l{k}[_reverse]`` ``(2H,)``, rows [z | h̃]. Gates recorded: ``update`` (z_t), ``candidate`` (h̃_t).

    Example:
        >>> layer = MinGRU(input_size=3, hidden_size=4, batch_first=True)
        >>> output, h_n = layer(torch.randn(2, 5, 3))
        >>> output.shape, h_n.shape
        (torch.Size([2, 5, 4]), torch.Size([1, 2, 4]))
    """

    cell = CELLS["mingru"]

    def coefficients(self, x: Tensor, k: int) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
        pre_z, candidate = self.projected(x, k).chunk(2, dim=-1)
        z = torch.sigmoid(pre_z)
        return 1 - z, z * candidate, {"update": z, "candidate": candidate}


class MinLSTM(_LinearRecurrence):
    r"""minLSTM: h_t = f′_t ⊙ h_{t-1} + i′_t ⊙ h̃_t, with f_t = σ(W_f x_t + b_f), i_t = σ(W_i x_t + b_i),
    h̃_t = W_h x_t + b_h and f′_t, i′_t = f_t, i_t divided by f_t + i_t.

    Arguments, inputs and outputs as :class:`rnn_core.GRU` (one state: no c_t); parameters ``weight_ih_l{k}[_reverse]``
    ``(3H, ·)`` and ``bias_ih_l{k}[_reverse]`` ``(3H,)``, rows [f | i | h̃]. Gates recorded: ``forget`` (f_t),
    ``input`` (i_t), ``candidate`` (h̃_t), before the normalisation.
    """

    cell = CELLS["minlstm"]

    def coefficients(self, x: Tensor, k: int) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
        pre_f, pre_i, candidate = self.projected(x, k).chunk(3, dim=-1)
        f, i = torch.sigmoid(pre_f), torch.sigmoid(pre_i)
        total = f + i
        return f / total, i / total * candidate, {"forget": f, "input": i, "candidate": candidate}
