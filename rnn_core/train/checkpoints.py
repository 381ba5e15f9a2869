"""Checkpoints: a trained model as plain data that ``torch.load(..., weights_only=True)`` reads back safely.

A checkpoint holds the configuration (a JSON-able dict), the training step, the model's ``state_dict``,
the history rows, and the user's own text or series when the task was built on one. It holds no
pickled objects, so a crafted file cannot run code; and it holds no optimiser state, so training
resumes from the weights with a fresh optimiser. Reading validates everything before a model is
touched: a corrupt, foreign or crafted file raises ValueError with a sentence saying what is wrong.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from rnn_core.config import ExperimentConfig
from rnn_core.data.tasks import Task, make_task
from rnn_core.train.trainer import HISTORY_COLUMNS, Observer, Trainer

FORMAT, VERSION = "rnn-explorer-checkpoint", 1


@dataclass(frozen=True)
class Checkpoint:
    config: ExperimentConfig
    step: int
    state_dict: dict[str, Tensor]
    history: list[list[float]]  # one row per step, in HISTORY_COLUMNS order
    user_text: str | None = None
    user_series: np.ndarray | None = None
    column: str = "value"

    def task(self) -> Task:
        return make_task(self.config.task, user_text=self.user_text, user_series=self.user_series, column=self.column)


def save_checkpoint(trainer: Trainer) -> bytes:
    """The trainer's model, configuration, step and history, as the bytes of a ``.pt`` file."""
    task, config = trainer.task, trainer.config
    data = {
        "format": FORMAT,
        "version": VERSION,
        "config": config.to_dict(),
        "step": trainer.step,
        "state_dict": trainer.model.state_dict(),  # detached tensors; saved to bytes right here
        "history": trainer.records.rows().tolist(),
    }
    user = task.user_data()
    if "user_text" in user:
        data["user_text"] = user["user_text"]
    if "user_series" in user:
        data["user_series"], data["column"] = torch.from_numpy(np.asarray(user["user_series"], dtype=np.float64)), user["column"]
    buffer = io.BytesIO()
    torch.save(data, buffer)
    return buffer.getvalue()


def read_checkpoint(data: bytes) -> Checkpoint:
    """Parse and check a checkpoint file's bytes; ValueError says what is wrong with it."""
    if not data:
        raise ValueError("the file is empty")
    try:
        with warnings.catch_warnings():  # torch warns about odd pickle protocols: the checks below decide, not the log
            warnings.simplefilter("ignore")
            raw = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many kinds (UnpicklingError, RuntimeError, EOFError, zipfile errors) for bad files
        raise ValueError(f"the file is not a checkpoint that can be read safely ({type(e).__name__})") from e
    if not isinstance(raw, dict) or not _is(raw.get("format"), str) or raw["format"] != FORMAT:
        raise ValueError("the file is not an RNN Explorer checkpoint (a bare state_dict or another program's file?)")
    if not _is(raw.get("version"), int) or raw["version"] != VERSION:
        raise ValueError(f"the checkpoint has version {_show(raw.get('version'))}; this app reads version {VERSION}")
    config = ExperimentConfig.from_dict(_expect(raw, "config", dict))
    step = _expect(raw, "step", int)
    state_dict = _expect(raw, "state_dict", dict)
    for name, value in state_dict.items():
        if not isinstance(name, str) or not isinstance(value, Tensor) or value.dtype != torch.float32 or value.layout != torch.strided:
            raise ValueError(f"the weight {_show(name)} is not a float32 tensor")
        if not torch.isfinite(value).all():
            raise ValueError(f"the weight {name!r} holds infinite or NaN values")
    history = _expect(raw, "history", list)
    if len(history) > step or not all(_is(r, list) and len(r) == len(HISTORY_COLUMNS) and all(_is(v, float) for v in r) for r in history):
        raise ValueError("the checkpoint's training history is malformed")
    if any(not (float(r[0]).is_integer() and 1 <= r[0] <= step) for r in history):
        raise ValueError("the checkpoint's training history has steps that are not whole numbers from 1 to its step")
    series = raw.get("user_series")
    if series is not None and not (isinstance(series, Tensor) and series.ndim == 1 and _real_dtype(series.dtype)):
        raise ValueError("the checkpoint's series is malformed")
    user_text = raw.get("user_text")
    if user_text is not None and not isinstance(user_text, str):
        raise ValueError("the checkpoint's text is malformed")
    column = raw.get("column", "value")
    if not isinstance(column, str):
        raise ValueError("the checkpoint's column name is malformed")
    values = None if series is None else series.to(torch.float64).numpy()
    return Checkpoint(config, step, state_dict, [[float(v) for v in row] for row in history], user_text, values, column)


def restore_trainer(
    checkpoint: Checkpoint, check: Callable[[ExperimentConfig, Task], None] | None = None, observers: Sequence[Observer] = ()
) -> Trainer:
    """A trainer at the checkpoint's step, with its weights and history, watched by ``observers`` (e.g. probe
    snapshots, told of the restore). ``check`` may refuse the experiment (e.g. a server's size limits) before any model
    is built; the weights must fit the configuration exactly."""
    task = checkpoint.task()
    if check is not None:
        check(checkpoint.config, task)
    trainer = Trainer(checkpoint.config, task, observers=observers)
    expected = trainer.model.state_dict()
    missing, unexpected = set(expected) - set(checkpoint.state_dict), set(checkpoint.state_dict) - set(expected)
    if missing or unexpected:
        names = ", ".join(sorted(missing | unexpected)[:4])
        raise ValueError(f"the weights do not belong to the model its configuration describes (mismatched: {names})")
    for name, tensor in expected.items():
        if checkpoint.state_dict[name].shape != tensor.shape:
            got = tuple(checkpoint.state_dict[name].shape)
            raise ValueError(f"the weight {name} has shape {got}, but the configuration's model needs {tuple(tensor.shape)}")
    trainer.restore(checkpoint.state_dict, checkpoint.step, checkpoint.history)
    return trainer


def _real_dtype(dtype: torch.dtype) -> bool:
    return dtype.is_floating_point or (not dtype.is_complex and dtype != torch.bool)


def _is(value, kind: type) -> bool:
    """``isinstance`` as a checkpoint means it: True is no int, and an int is a float (history rows hold both)."""
    if isinstance(value, bool):
        return kind is bool
    if kind is float:
        return isinstance(value, int | float)
    return isinstance(value, kind)


def _show(value) -> str:
    """A value from a file, short enough for a sentence."""
    return repr(value)[:40] if isinstance(value, str | int | float | type(None)) else f"of type {type(value).__name__}"


def _expect(raw: dict, key: str, kind: type):
    value = raw.get(key)
    if not _is(value, kind) or (kind is int and value < 0):
        raise ValueError(f"the checkpoint's {key} is missing or malformed")
    return value
