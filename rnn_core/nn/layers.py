"""Recurrent layers written out one time step at a time, drop-in for ``torch.nn.RNN``, ``LSTM`` and ``GRU``.

They take the same constructor arguments, own parameters of the same names,
shapes, order and default initialisation, accept the same inputs and return the
same outputs, so a ``state_dict`` moves between torch's modules and these both
ways. Unlike torch's fused kernels they apply the cell (``cells.py``) in a Python
loop over time, which is slower but lets :meth:`record` keep every h_t, c_t and
gate activation, and the total gradient reaching each h_t.

Not supported: ``PackedSequence`` input and the LSTM's ``proj_size``.
"""

from __future__ import annotations

import math
import numbers
import warnings

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnn_core.nn.cell_facts import BY_MODE, Cell
from rnn_core.nn.cells import STEP_FUNCTIONS
from rnn_core.nn.recording import Recording


class _RecurrentBase(nn.Module):
    """What every recurrent layer shares: argument checks, parameters (in torch's names and order; no W_hh for a cell
    that does not read its state), the loop over layers, directions and time."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        _check_arguments(input_size, hidden_size, num_layers, bias, batch_first, dropout)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = 0

        facts = BY_MODE[mode]
        gate_size = facts.blocks * hidden_size
        factory = {"device": device, "dtype": dtype}
        self._weight_names: list[tuple[str, ...]] = []  # per layer-direction, in torch's registration order
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else hidden_size * self.num_directions
            for direction in range(self.num_directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = {f"weight_ih{suffix}": (gate_size, layer_input_size)}
                if facts.reads_state:  # a linear recurrence's gates read x_t alone: no W_hh, no b_hh
                    shapes[f"weight_hh{suffix}"] = (gate_size, hidden_size)
                if bias:
                    shapes[f"bias_ih{suffix}"] = (gate_size,)
                    if facts.reads_state:
                        shapes[f"bias_hh{suffix}"] = (gate_size,)
                for name, shape in shapes.items():
                    setattr(self, name, nn.Parameter(torch.empty(shape, **factory)))
                self._weight_names.append(tuple(shapes))
        self.reset_parameters()

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def facts(self) -> Cell:
        """What this layer's cell is: its gates, whether it has a cell state (rnn_core.nn.cell_facts)."""
        return BY_MODE[self.mode]

    @property
    def all_weights(self) -> list[list[nn.Parameter]]:
        """The parameters grouped per layer and direction, as in torch: ``[[w_ih, w_hh, b_ih, b_hh], ...]``."""
        return [[getattr(self, name) for name in names] for names in self._weight_names]

    def direction_weights(self, k: int) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        """Layer-direction ``k``'s ``(w_ih, w_hh, b_ih, b_hh)``, the biases None without ``bias``; k as in Recording.row."""
        w_ih, w_hh, *biases = self.all_weights[k]
        b_ih, b_hh = biases if biases else (None, None)
        return w_ih, w_hh, b_ih, b_hh

    def reset_parameters(self) -> None:
        """PyTorch's default: every weight and bias from U(-1/√H, 1/√H), drawn in registration order."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def forward(self, input: Tensor, hx: Tensor | tuple[Tensor, Tensor] | None = None):
        """Same inputs and outputs as torch's module: ``(output, h_n)``, or ``(output, (h_n, c_n))`` for an LSTM."""
        output, final, _ = self._run(input, hx, keep=False)
        return output, final

    def record(self, input: Tensor, hx: Tensor | tuple[Tensor, Tensor] | None = None) -> Recording:
        """Run the same forward pass, keeping every state and gate: see :class:`Recording`."""
        output, final, steps = self._run(input, hx, keep=True)
        h_n, c_n = final if isinstance(final, tuple) else (final, None)
        return Recording(
            output=output,
            h_n=h_n,
            c_n=c_n,
            hidden=_stack_steps([[s["h"] for s in run] for run in steps]),
            cell=_stack_steps([[s["c"] for s in run] for run in steps]) if self.facts.has_cell_state else None,
            gates={g: _stack_steps([[s[g] for s in run] for run in steps]) for g in self.facts.gate_names},
            num_layers=self.num_layers,
            num_directions=self.num_directions,
            _steps=[[s["h_graph"] for s in run] for run in steps],
        )

    def _run(self, input: Tensor, hx, keep: bool):
        """The loop over layers and directions. Returns (output, final state, per-step records or None)."""
        x, states, batched = self._prepare(input, hx)  # x: (T, B, I); states: each (LD, B, H)
        finals: list[list[Tensor]] = [[] for _ in states]
        records: list[list[dict[str, Tensor]]] = []
        layer_input = x
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                out, final, steps = self._run_direction(layer_input, tuple(s[k] for s in states), k, direction == 1, keep)
                outputs.append(out)  # (T, B, H)
                for kind, s in zip(finals, final):
                    kind.append(s)
                records.append(steps)
            layer_input = torch.cat(outputs, dim=-1) if len(outputs) > 1 else outputs[0]  # (T, B, D*H)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, training=True)

        output = layer_input.transpose(0, 1) if self.batch_first else layer_input
        final_states = tuple(torch.stack(kind) for kind in finals)  # each (LD, B, H)
        if not batched:
            output = output.squeeze(0 if self.batch_first else 1)
            final_states = tuple(s.squeeze(1) for s in final_states)
        final = final_states if self.facts.has_cell_state else final_states[0]
        return output, final, records if keep else None

    def _run_direction(self, x: Tensor, state: tuple[Tensor, ...], k: int, reverse: bool, keep: bool):
        """One layer in one direction: the cell applied once per time step."""
        w_ih, w_hh, b_ih, b_hh = self.direction_weights(k)
        step = STEP_FUNCTIONS[self.mode]
        seq_len = x.size(0)
        # the input's share of every step, computed at once, then split (unbind: its backward stacks the steps' gradients
        # once, where indexing x_proj[t] would add a zero-filled (T, B, G*H) tensor per step)
        x_proj = F.linear(x, w_ih, b_ih).unbind(0)  # T tensors (B, G*H)
        outputs: list[Tensor | None] = [None] * seq_len  # filled in time order of the input, whatever the direction
        records: list[dict[str, Tensor]] = [{}] * seq_len
        for t in range(seq_len - 1, -1, -1) if reverse else range(seq_len):
            state, gates = step(x_proj[t], state, w_hh, b_hh)
            outputs[t] = state[0]  # (B, H)
            if keep:
                records[t] = _record_step(state, gates)
        return torch.stack(outputs), state, records if keep else None

    def _prepare(self, input: Tensor, hx):
        """Check the input and initial state like torch does; return time-major input and states of shape (LD, B, H)."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"rnn_core.{name} takes a Tensor as input (PackedSequence is not supported), got {type(input).__name__}")
        if input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D tensor instead")
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        x = input.transpose(0, 1) if self.batch_first else input  # (T, B, I)
        weight = self.weight_ih_l0
        if x.dtype != weight.dtype:
            raise ValueError(
                f"RNN input dtype ({x.dtype}) does not match weight dtype ({weight.dtype}). "
                f"Convert input: input.to({weight.dtype}), or convert model: model.to({x.dtype})"
            )
        if x.size(-1) != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {x.size(-1)}")
        if x.size(0) == 0:
            raise RuntimeError(f"Expected sequence length to be larger than 0 in {name}")
        expected = (self.num_layers * self.num_directions, x.size(1), self.hidden_size)
        kinds = 2 if self.facts.has_cell_state else 1
        if hx is None:
            zeros = torch.zeros(expected, dtype=x.dtype, device=x.device)
            return x, (zeros,) * kinds, batched
        states = _as_state_tuple(hx, kinds, name)
        want = 3 if batched else 2
        if any(s.dim() != want for s in states):
            dims = ", ".join(f"{s.dim()}-D" for s in states)
            layout = "batched 3-D" if batched else "unbatched 2-D"
            raise RuntimeError(f"For {layout} input, hx should also be {want}-D but got ({dims}) tensor")
        if not batched:
            states = tuple(s.unsqueeze(1) for s in states)
        for i, s in enumerate(states):
            if s.size() != expected:
                label = f"hidden[{i}]" if kinds == 2 else "hidden"
                raise RuntimeError(f"Expected {label} size {expected}, got {list(s.size())}")
        return x, states, batched


def _check_arguments(input_size, hidden_size, num_layers, bias, batch_first, dropout) -> None:
    """torch's constructor checks, with the same error types and messages that name the value."""
    if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
        raise ValueError(
            f"dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got {dropout!r}"
        )
    if dropout > 0 and num_layers == 1:
        warnings.warn(
            "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
            f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
            stacklevel=3,
        )
    for arg, value in (("bias", bias), ("batch_first", batch_first)):
        if not isinstance(value, bool):
            raise TypeError(f"{arg} should be of type bool, got: {type(value).__name__}")
    for arg, value in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{arg} should be of type int, got: {type(value).__name__}")
        if value <= 0:
            raise ValueError(f"{arg} must be greater than zero, got {value}")


def _as_state_tuple(hx, kinds: int, name: str) -> tuple[Tensor, ...]:
    if kinds == 2:
        if not isinstance(hx, (tuple, list)) or len(hx) != 2 or not all(isinstance(s, Tensor) for s in hx):
            raise TypeError(f"{name} expects hx as a tuple (h_0, c_0) of two Tensors, got {type(hx).__name__}")
        return tuple(hx)
    if not isinstance(hx, Tensor):
        raise TypeError(f"{name} expects hx as a Tensor, got {type(hx).__name__}")
    return (hx,)


def _record_step(state: tuple[Tensor, ...], gates: dict[str, Tensor]) -> dict[str, Tensor]:
    """Keep one step for a Recording: h as it is in the graph (for ∂L/∂h_t) and detached copies to show."""
    h = state[0]
    kept = {"h_graph": h, "h": h.detach()}
    if len(state) == 2:
        kept["c"] = state[1].detach()
    kept |= {g: a.detach() for g, a in gates.items()}
    return kept


def _stack_steps(runs: list[list[Tensor]]) -> Tensor:
    """[layer-direction][t] of (B, H) -> (LD, B, T, H)."""
    return torch.stack([torch.stack(steps, dim=1) for steps in runs])


class RNN(_RecurrentBase):
    r"""Elman RNN, step by step: h_t = φ(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), φ = tanh or relu.

    Args:
        input_size: features per input step, H_in.
        hidden_size: features in the hidden state, H.
        num_layers: stacked layers; layer k > 0 reads layer k-1's output. Default 1.
        nonlinearity: ``"tanh"`` or ``"relu"``. Default ``"tanh"``.
        bias: use ``b_ih`` and ``b_hh``. Default True.
        batch_first: input and output are ``(N, L, ·)`` instead of ``(L, N, ·)``; never affects states.
        dropout: dropout on every layer's output except the last's, in training mode. Default 0.
        bidirectional: add a layer reading the sequence backwards; outputs concatenate. Default False.

    Inputs: ``input`` of shape ``(L, H_in)``, ``(L, N, H_in)`` or, batch_first, ``(N, L, H_in)``;
    ``hx`` of shape ``(D*num_layers, H)`` or ``(D*num_layers, N, H)``, zeros if omitted (D = 2 if bidirectional).

    Outputs: ``output`` ``(L, D*H)``, ``(L, N, D*H)`` or ``(N, L, D*H)``: the last layer's h_t for every t;
    ``h_n`` ``(D*num_layers[, N], H)``: every layer's final h.

    Parameters: ``weight_ih_l{k}[_reverse]`` ``(H, H_in)`` for k = 0, else ``(H, D*H)``;
    ``weight_hh_l{k}[_reverse]`` ``(H, H)``; ``bias_ih_l{k}[_reverse]``, ``bias_hh_l{k}[_reverse]`` ``(H,)``.

    Example:
        >>> rnn = RNN(input_size=1, hidden_size=1, batch_first=True)
        >>> output, h_n = rnn(torch.ones(4, 5, 1))  # (N=4, L=5, H_in=1)
        >>> output.shape, h_n.shape
        (torch.Size([4, 5, 1]), torch.Size([1, 4, 1]))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        modes = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}
        if nonlinearity not in modes:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__(modes[nonlinearity], input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device, dtype)


class LSTM(_RecurrentBase):
    r"""Long short-term memory, step by step (equations in :func:`rnn_core.nn.cells.lstm_step`).

    Same arguments as :class:`RNN` without ``nonlinearity``; ``proj_size`` must stay 0.
    ``hx`` and the returned final state are tuples ``(h, c)`` of the shapes of :class:`RNN`'s h.
    Gate weights stack in rows ``(W_ii | W_if | W_ig | W_io)``: ``weight_ih_l0`` is ``(4*H, H_in)``.

    Example:
        >>> lstm = LSTM(input_size=4, hidden_size=3)
        >>> rec = lstm.record(torch.randn(5, 2, 4))  # (L=5, N=2, H_in=4)
        >>> rec.hidden.shape, sorted(rec.gates)
        (torch.Size([1, 2, 5, 3]), ['cell', 'forget', 'input', 'output'])
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ) -> None:
        if proj_size != 0:
            raise ValueError(f"rnn_core.LSTM does not support proj_size (got {proj_size}); use torch.nn.LSTM for projections")
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device, dtype)


class GRU(_RecurrentBase):
    r"""Gated recurrent unit, step by step (equations in :func:`rnn_core.nn.cells.gru_step`).

    Same arguments, inputs and outputs as :class:`RNN` without ``nonlinearity``.
    Gate weights stack in rows ``(W_ir | W_iz | W_in)``: ``weight_ih_l0`` is ``(3*H, H_in)``.
    """

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
    ) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device, dtype)
