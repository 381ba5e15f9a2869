"""Tables the views show, as pandas DataFrames: what a model predicts, and what its parameters are (and the heading
over them).

Each function imports pandas itself: a server's first page shows no table, and need not wait for pandas' import."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from rnn_core.config import CELL_TITLES
from rnn_core.data.tasks import Batch, Task
from rnn_core.train.models import count_parameters

if TYPE_CHECKING:
    import pandas as pd


def prediction_table(task: Task, batch: Batch, prediction: torch.Tensor, sample: int) -> pd.DataFrame:
    """One probe sequence of a classification task, step by step: input, target, the model's answer and its confidence.

    Many-to-many: one column per step (steps that do not count show no target). Many-to-one: one row per sequence.
    """
    import pandas as pd

    probs = torch.softmax(prediction.detach(), dim=-1)
    if task.many_to_one:
        rows = []
        for i in range(len(batch.y)):
            target = int(batch.y[i])
            rows.append(
                {
                    "sequence": i + 1,
                    "input": " ".join(task.input_labels(batch.x[i])),
                    "target": task.output_label(target),
                    "prediction": task.output_label(int(probs[i].argmax())),
                    "p(target)": round(float(probs[i, target]), 3),
                }
            )
        return pd.DataFrame(rows).set_index("sequence")
    inputs = task.input_labels(batch.x[sample])
    counted = batch.mask[sample]
    targets = [task.output_label(int(v)) if c else "" for v, c in zip(batch.y[sample], counted)]
    answers = [task.output_label(int(v)) for v in probs[sample].argmax(-1)]
    confidence = [f"{float(probs[sample, t, int(batch.y[sample, t])]):.2f}" if c else "" for t, c in enumerate(counted)]
    table = pd.DataFrame([inputs, targets, answers, confidence], index=["input x_t", "target y_t", "prediction", "p(target)"])
    table.columns = [f"t={t + 1}" for t in range(len(inputs))]
    return table


def model_heading(cell: str, model: nn.Module) -> str:
    """A model named by its cell and its size, as the Train page heads its table of parameters:
    "The model: LSTM, 4,513 parameters"."""
    return f"The model: {CELL_TITLES[cell]}, {count_parameters(model):,} parameters"


def parameter_table(model: nn.Module) -> pd.DataFrame:
    """Every parameter by its PyTorch name, with its shape and size."""
    import pandas as pd

    rows = [{"parameter": name, "shape": " × ".join(map(str, p.shape)), "count": p.numel()} for name, p in model.named_parameters()]
    return pd.DataFrame(rows)
