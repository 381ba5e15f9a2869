"""What every task is: the :class:`Task` contract the app and the engine ask of it, its :class:`Batch`, and the helpers
the tasks share. The tasks themselves are in tasks.py.

Every batch is batch-first: inputs ``x`` are ``(B, T, I)`` floats, or ``(B, T)`` token ids
for tasks whose inputs are symbols (the model encodes them). Targets are ``(B, T, O)``
floats or ``(B, T)`` class ids for many-to-many tasks, ``(B, O)`` or ``(B,)`` for
many-to-one tasks. ``mask`` ``(B, T)`` marks the steps whose prediction counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

PROBE_SEED = 1234  # the probe batch is the same for every run of a task


@dataclass(frozen=True)
class Batch:
    x: Tensor
    y: Tensor
    mask: Tensor  # (B, T) bool: where a many-to-many prediction counts; all True for many-to-one


def every_step(batch: int, steps: int) -> Tensor:
    return torch.ones(batch, steps, dtype=torch.bool)


def read_windows(values: Tensor, positions: Tensor, steps: int) -> tuple[Tensor, Tensor]:
    """``steps + 1`` values from each position, ``(B, steps + 1)`` (inputs and next-step targets), and where the next
    window starts: ``steps`` further on. A window that runs past the end goes on from the start, as if the text or
    series were read again and again (a stateful run reads it that way)."""
    offsets = positions.unsqueeze(1) + torch.arange(steps + 1)
    return values[offsets % len(values)], (positions + steps) % len(values)


def shown_char(c: str) -> str:
    return {"\n": "⏎", " ": "␣", "\t": "⇥"}.get(c, c)


class Task:
    """What every task tells the app and the engine."""

    name: str
    title: str
    description: str
    kind: str  # "regression" or "classification"
    mode: str  # "many_to_many" or "many_to_one"
    input_size: int  # features per step, or vocabulary size when tokens is True
    output_size: int  # regression outputs, or number of classes
    seq_len: int
    # What the app and the engine ask of a task, each answered here and nowhere else (class attributes, so that the
    # sidebar can ask TASK_CLASSES[name] before a task is built):
    options: tuple[str, ...] = ("seq_len",)  # the TaskConfig fields this task reads; it ignores the others
    tokens: bool = False  # inputs are symbol ids that the model encodes (one-hot or a learned embedding)
    allows_bidirectional: bool = True  # False where reading ahead would see the answer
    streams: bool = False  # one long sequence cut into windows: a batch can continue the last (stream_start, stream_batch)

    @property
    def many_to_one(self) -> bool:
        """One answer after the whole sequence (targets ``(B, O)`` or ``(B,)``), rather than one per step."""
        return self.mode == "many_to_one"

    def user_data(self) -> dict:
        """The user's own data this task was built on, as :func:`make_task`'s keyword arguments ({} for built-in data):
        what a rebuild or a checkpoint needs besides the configuration."""
        return {}

    def sample(self, batch_size: int, generator: torch.Generator) -> Batch:
        """A batch of independent sequences: for a task that streams, the first batch of a fresh stream."""
        return self.stream_batch(self.stream_start(batch_size, generator), generator)[0]

    def stream_start(self, batch_size: int, generator: torch.Generator) -> Tensor:
        """Where each of ``batch_size`` rows starts reading the long sequence, ``(B,)``: a stateful run's first batch."""
        raise NotImplementedError(f"the {self.title} task is not one long sequence: its batches cannot continue one another")

    def stream_batch(self, positions: Tensor, generator: torch.Generator) -> tuple[Batch, Tensor]:
        """The ``seq_len`` steps from each row's position, and the positions where the next batch goes on."""
        raise NotImplementedError(f"the {self.title} task is not one long sequence: its batches cannot continue one another")

    def probe_batch(self, batch_size: int) -> Batch:
        """The fixed batch that probes look at: the same sequences at every step of every run."""
        return self.sample(batch_size, torch.Generator().manual_seed(PROBE_SEED))

    def input_labels(self, x: Tensor) -> list[str]:
        """A short label per step for one sequence's inputs, ``x`` shaped ``(T, I)`` or ``(T,)``."""
        return [f"{v:.2f}" for v in x.reshape(x.shape[0], -1)[:, 0].tolist()]

    def output_label(self, value) -> str:
        """A label for one prediction or target: a class id or a number."""
        return str(int(value)) if self.kind == "classification" else f"{float(value):.3f}"
