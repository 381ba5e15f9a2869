"""What every recurrent layer of rnn_core shares: torch's argument checks, parameters built from the cell table
(``cell_facts.Cell.parameter_shapes``), the input and state checks, the loop over layers and directions, and
:meth:`record`. A layer says how one direction runs (``_run_direction``); the torch-compatible three
(``layers.py``) apply their cell step by step, the linear recurrences (``linear_layers.py``) scan.
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
        *,
        state_size: int = 0,
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

        self.state_size = state_size  # the selective state-space layer's N; 0 for every other cell
        factory = {"device": device, "dtype": dtype}
        self._weight_names: list[tuple[str, ...]] = []  # per layer-direction, in registration order
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else hidden_size * self.num_directions
            shapes = BY_MODE[mode].parameter_shapes(layer_input_size, hidden_size, bias, state_size)
            for direction in range(self.num_directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                for stem, shape in shapes.items():
                    setattr(self, stem + suffix, nn.Parameter(torch.empty(shape, **factory)))
                self._weight_names.append(tuple(stem + suffix for stem in shapes))
        self.reset_parameters()

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def state_shape(self) -> tuple[int, ...]:
        """One sequence's state in one layer-direction: ``(H,)``; ``(H, N)`` for the selective state-space layer."""
        return (self.hidden_size,)

    def state_dtype(self, dtype: torch.dtype) -> torch.dtype:
        """The state's dtype for an input of ``dtype``: the same; complex for the LRU."""
        return dtype

    @property
    def facts(self) -> Cell:
        """What this layer's cell is: its gates, whether it has a cell state (rnn_core.nn.cell_facts)."""
        return BY_MODE[self.mode]

    @property
    def all_weights(self) -> list[list[nn.Parameter]]:
        """The parameters grouped per layer and direction, as in torch: ``[[w_ih, w_hh, b_ih, b_hh], ...]``."""
        return [[getattr(self, name) for name in names] for names in self._weight_names]

    def direction_parameters(self, k: int) -> dict[str, nn.Parameter]:
        """Layer-direction ``k``'s parameters by their stem (``"weight_ih"``, ``"nu_log"``, ...); k as in Recording.row."""
        suffix = f"_l{k // self.num_directions}" + ("_reverse" if k % self.num_directions else "")
        return {name.removesuffix(suffix): getattr(self, name) for name in self._weight_names[k]}

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
            state=_stack_steps([[s["state"] for s in run] for run in steps]) if self.facts.own_state else None,
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
        weight = next(self.parameters())
        if x.dtype != weight.dtype:
            raise ValueError(
                f"RNN input dtype ({x.dtype}) does not match weight dtype ({weight.dtype}). "
                f"Convert input: input.to({weight.dtype}), or convert model: model.to({x.dtype})"
            )
        if x.size(-1) != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {x.size(-1)}")
        if x.size(0) == 0:
            raise RuntimeError(f"Expected sequence length to be larger than 0 in {name}")
        expected = (self.num_layers * self.num_directions, x.size(1), *self.state_shape)
        kinds = 2 if self.facts.has_cell_state else 1
        state_dtype = self.state_dtype(x.dtype)
        if hx is None:
            zeros = torch.zeros(expected, dtype=state_dtype, device=x.device)
            return x, (zeros,) * kinds, batched
        states = _as_state_tuple(hx, kinds, name)
        want = len(expected) if batched else len(expected) - 1
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
            if s.dtype != state_dtype:
                raise ValueError(f"{name} expects hx of dtype {state_dtype} for input of dtype {x.dtype}, got {s.dtype}")
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
    """[layer-direction][t] of (B, H) -> (LD, B, T, H); of (B, H, N) -> (LD, B, T, H, N)."""
    return torch.stack([torch.stack(steps, dim=1) for steps in runs])
