"""What a recurrent layer saw and did at every time step: the data behind every picture of its insides.

A :class:`Recording` is returned by ``layer.record(x)`` (see ``layers.py``). It holds
tensors only and draws nothing; figure builders turn it into pictures.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

import torch
from torch import Tensor


@dataclass(frozen=True, eq=False)
class Recording:
    """Everything one forward pass of a recurrent layer computed, step by step.

    Shapes use ``LD = num_layers * num_directions``, ``B`` = batch (1 for unbatched
    input), ``T`` = sequence length, ``H`` = hidden size. Row ``k`` of every
    per-layer tensor belongs to layer ``k // num_directions``, direction
    ``k % num_directions`` (0 forward, 1 reverse), the order of torch's ``h_n``.

    Attributes:
        output: exactly what ``forward`` returns as its first value.
        h_n: the final hidden state, exactly as ``forward`` returns it.
        c_n: the final cell state for an LSTM, else ``None``.
        hidden: every h_t, ``(LD, B, T, H)``, time in input order for both
            directions (the reverse direction's h at index t is the state after it
            has read x_t ... x_{T-1}). Detached: for showing, not for losses.
        cell: every c_t of an LSTM, ``(LD, B, T, H)``, else ``None``. Detached.
        state: the recurrent state when it is not the output (``Cell.own_state``), else ``None``. Detached:
            the LRU's complex x_t ``(LD, B, T, H)`` (``.real``, ``.imag``, ``.abs()``), the selective state-space
            layer's h_t ``(LD, B, T, H, N)``. For these two, ``hidden`` holds the output y_t, and
            :meth:`hidden_grad_norm` measures the gradient reaching the state, the quantity carried through time.
        gates: gate activations after their nonlinearity, each ``(LD, B, T, H)``:
            LSTM ``input, forget, cell, output``; GRU ``reset, update, new``;
            empty for a plain RNN. Detached.
        num_layers, num_directions: the layer's structure, for indexing rows.
    """

    output: Tensor
    h_n: Tensor
    c_n: Tensor | None
    hidden: Tensor
    cell: Tensor | None
    gates: dict[str, Tensor]
    num_layers: int
    num_directions: int
    # the state carried through time as computed, still in the autograd graph: [layer-direction][t] -> (B, H) or (B, H, N)
    _steps: list[list[Tensor]] = field(repr=False)
    state: Tensor | None = None
    _grads: _GradientSums = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # A hook on every h_t sums the gradient that reaches it in any backward pass: the total ∂L/∂h_t.
        # The hooks close over the sums object, not over the recording, so no reference cycle is made.
        sums = _GradientSums([None] * sum(len(steps) for steps in self._steps))
        object.__setattr__(self, "_grads", sums)
        for i, h in enumerate(h for steps in self._steps for h in steps):
            if h.requires_grad:
                h.register_hook(partial(sums.add, i))

    @property
    def final_state(self) -> Tensor | tuple[Tensor, Tensor]:
        """The second value ``forward`` returns: ``h_n``, or ``(h_n, c_n)`` for an LSTM."""
        return self.h_n if self.c_n is None else (self.h_n, self.c_n)

    def row(self, layer: int, direction: int = 0) -> int:
        """Index of (layer, direction) along the first axis of ``hidden``, ``cell`` and ``gates``."""
        if not 0 <= layer < self.num_layers:
            raise ValueError(f"layer must be between 0 and {self.num_layers - 1}, got {layer}")
        if not 0 <= direction < self.num_directions:
            raise ValueError(f"direction must be between 0 and {self.num_directions - 1}, got {direction}")
        return layer * self.num_directions + direction

    def hidden_grad_norm(self, loss: Tensor | None = None, parts: int = 1) -> Tensor:
        """‖∂loss/∂h_t‖ for every layer, direction and step: shape ``(LD, T)``.

        The gradient is the *total* one, through every path from h_t to the loss:
        the output at step t, every later step of its own direction, and the layers
        above. The norm is taken over batch and hidden units together.

        Without ``loss``, reads the gradients left by the last ``loss.backward()``
        on a loss computed from ``output`` or the final states (they accumulate
        like ``.grad`` does). With ``loss``, computes them for that loss alone
        without touching any ``.grad``, so one recording can answer for several
        losses (e.g. the loss at each single step τ).

        With ``parts`` > 1 the batch is read as that many equal slices, each with
        norms of its own: shape ``(parts, LD, T)``. Slices never touch, so a batch
        stacked from copies of one batch, each copy carrying a different loss, gives
        the gradients of all those losses from a single backward pass (a step-by-step
        graph costs per operation, hardly per row, so the copies come almost free).
        """
        if self.hidden.size(1) % parts:
            raise ValueError(f"a batch of {self.hidden.size(1)} does not split into {parts} equal parts")
        flat = [h for steps in self._steps for h in steps]
        if loss is not None:
            if not any(h.requires_grad for h in flat):
                raise RuntimeError("this recording kept no gradient graph: record() ran under torch.no_grad()")
            with self._grads.paused():
                grads = torch.autograd.grad(loss, flat, retain_graph=True, allow_unused=True)
        else:
            grads = self._grads.sums
            if all(g is None for g in grads):
                raise RuntimeError(
                    "no gradient reached the recorded hidden states: call loss.backward() on a loss "
                    "computed from recording.output or its final states, or pass the loss to hidden_grad_norm(loss)"
                )
        grads = torch.stack([torch.zeros_like(h) if g is None else g.detach() for g, h in zip(grads, flat)])  # (LD*T, B, H)
        norms = torch.linalg.vector_norm(grads.reshape(len(flat), parts, -1), dim=-1).T  # (parts, LD*T): one call, not one per step
        norms = norms.reshape(parts, len(self._steps), len(self._steps[0]))  # (parts, LD, T)
        return norms[0] if parts == 1 else norms


@dataclass
class _GradientSums:
    """Running sums of the gradients reaching each recorded h_t, filled by tensor hooks."""

    sums: list[Tensor | None]
    listening: bool = True

    def add(self, i: int, grad: Tensor) -> None:
        if self.listening:
            self.sums[i] = grad.detach() if self.sums[i] is None else self.sums[i] + grad.detach()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Ignore the gradients of a pass the recording runs itself (hidden_grad_norm(loss))."""
        self.listening = False
        try:
            yield
        finally:
            self.listening = True
