"""Deployment settings and limits, read once from environment variables; the defaults suit a shared class server.

Refresh:
  RNN_EXPLORER_REFRESH_SECONDS   how often live views redraw while training (default 1.0)
  RNN_EXPLORER_SLICE_SECONDS     with 0 training processes: how long each refresh trains before drawing (default 0.4)
  RNN_EXPLORER_TRAINING_SLOTS    training processes beside the server (default: CPU cores − 1, at least 1); each trains
                                 its runs in turn, a short quantum each (rnn_core/runs/worker.py). 0 trains inside the
                                 server's own process, only while a page refreshes (the tests use it)

  RNN_EXPLORER_SHARE_RUNS        1 (default): sessions that train the same experiment from scratch follow one run
                                 (rnn_core/runs/sharing.py); 0: every session trains its own

Limits (one student's model must not slow the server for everyone; raise them when you run the app yourself):
  RNN_EXPLORER_MAX_HIDDEN_SIZE   hidden units per layer (default 256)
  RNN_EXPLORER_MAX_LAYERS        stacked layers (default 4)
  RNN_EXPLORER_MAX_SEQ_LEN       time steps per sequence, and the copy task's delay (default 200)
  RNN_EXPLORER_MAX_BATCH_SIZE    sequences per training batch (default 256)
  RNN_EXPLORER_MAX_STEPS         training steps in one run (default 20000)
  RNN_EXPLORER_MAX_TEXT_CHARS    characters of a user's own text (default 200000)
  RNN_EXPLORER_MAX_STEP_COST     multiply-adds in one training step (default 5e9: about a quarter of a second on one core)
Upload size is Streamlit's own server.maxUploadSize in .streamlit/config.toml (2 MB).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # app.py reads the settings before it imports torch (rnn_core/runs/processes.py)
    from rnn_core.config import ExperimentConfig
    from rnn_core.data.tasks import Task

ENV_PREFIX = "RNN_EXPLORER_"
WHY = "a shared server keeps every model small enough to stay live for the whole class"


def _number(name: str, default: float, low: float, high: float, unit: str = "") -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError as e:
        raise ValueError(f"{name} must be a number{unit}, got {raw!r}") from e
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low:g} and {high:g}{unit}, got {value:g}")
    return value


REFRESH_SECONDS = _number("RNN_EXPLORER_REFRESH_SECONDS", 1.0, 0.2, 30.0, " seconds")
SLICE_SECONDS = _number("RNN_EXPLORER_SLICE_SECONDS", 0.4, 0.05, 5.0, " seconds")
TRAINING_SLOTS = int(_number("RNN_EXPLORER_TRAINING_SLOTS", max(1, (os.cpu_count() or 2) - 1), 0, 1024))
WORKERS = TRAINING_SLOTS  # training processes; 0 trains in the server's own process (the tests, a notebook)
SHARE_RUNS = bool(_number("RNN_EXPLORER_SHARE_RUNS", 1, 0, 1))


@dataclass(frozen=True)
class Limits:
    """The largest experiment this deployment builds. Each field is read from RNN_EXPLORER_MAX_<FIELD>."""

    hidden_size: int = 256
    layers: int = 4
    seq_len: int = 200
    batch_size: int = 256
    steps: int = 20_000
    text_chars: int = 200_000
    step_cost: float = 5e9

    @classmethod
    def from_environment(cls) -> Limits:
        values = {}
        for f in fields(cls):
            default = getattr(cls, f.name)
            value = _number(env_name(f.name), default, 1, 1e15)
            values[f.name] = int(value) if isinstance(default, int) else value
        return cls(**values)

    def check(self, config: ExperimentConfig, task: Task) -> None:
        """ValueError, in a sentence that names the limit and why, if the experiment is larger than this server allows."""
        asked = {
            "hidden_size": ("Hidden size", config.model.hidden_size),
            "layers": ("The number of layers", config.model.num_layers),
            "seq_len": ("Sequence length", task.seq_len),
            "batch_size": ("Batch size", config.train.batch_size),
            "text_chars": ("Your text's length in characters", len(task.user_data().get("user_text", ""))),
        }
        for name, (label, value) in asked.items():
            limit = getattr(self, name)
            if value > limit:
                raise ValueError(f"{label}, {value:,}, is above this server's limit of {limit:,}: {WHY}. {raise_hint(name)}")
        from rnn_core.train.models import multiply_adds_per_step  # torch: not before the training processes start

        cost = multiply_adds_per_step(config.model, task, config.train.batch_size)
        if cost > self.step_cost:
            raise ValueError(
                f"This model needs about {cost / 1e9:.1f} billion multiply-adds per training step, and this server allows "
                f"{self.step_cost / 1e9:g} billion: {WHY}. Use fewer hidden units or layers, a shorter sequence or a smaller "
                f"batch. {raise_hint('step_cost')}"
            )


def env_name(field: str) -> str:
    return f"{ENV_PREFIX}MAX_{field.upper()}"


def raise_hint(field: str) -> str:
    return f"Running the app yourself? Set {env_name(field)} to raise it."


LIMITS = Limits.from_environment()
