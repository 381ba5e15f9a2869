"""What a training process and the server say to each other about a run: :class:`Update`, plain data (arrays, numbers,
dataclasses of arrays), and a model's weights as one flat array. Nothing crosses as a model object."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from rnn_core.inspect.probes import ProbeSnapshot
from rnn_core.train.trainer import Divergence


@dataclass
class Update:
    """What the server learns about one run. Plain data: arrays, numbers, dataclasses of arrays."""

    run: int
    step: int = 0
    rows: np.ndarray = field(default_factory=lambda: np.zeros((0, 7)))  # (k, 7): history rows since the last update
    snapshots: list[ProbeSnapshot] = field(default_factory=list)  # snapshots kept since the last update, in step order
    weights: tuple | None = None  # (names and shapes, every value as one float32 array): see flat_weights
    prediction: np.ndarray | None = None  # the model's outputs on the probe batch at ``step``
    running: bool = False
    stop_at: int | None = None
    diverged: Divergence | None = None
    steps_per_second: float = 0.0
    sharing: int = 1  # runs taking turns on this worker
    now: ProbeSnapshot | None = None  # asked for with "now"
    error: str | None = None  # the run could not be built or forked: a sentence for the page


def flat_weights(state_dict: dict[str, torch.Tensor]) -> tuple[list[tuple[str, tuple[int, ...]]], np.ndarray]:
    """A state_dict as names with shapes and one float32 array: one buffer to send, not a pickle per tensor."""
    layout = [(name, tuple(t.shape)) for name, t in state_dict.items()]
    values = torch.cat([t.detach().reshape(-1).float() for t in state_dict.values()]) if state_dict else torch.zeros(0)
    return layout, values.numpy().copy()


def unflat_weights(weights: tuple[list[tuple[str, tuple[int, ...]]], np.ndarray]) -> dict[str, torch.Tensor]:
    layout, values = weights
    out, start = {}, 0
    for name, shape in layout:
        size = math.prod(shape)
        out[name] = torch.from_numpy(values[start : start + size].copy()).reshape(shape)
        start += size
    return out
