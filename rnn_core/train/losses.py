"""The loss every task trains on, and its accuracy: one definition for training and for probes."""

from __future__ import annotations

import math

import torch.nn.functional as F
from torch import Tensor

from rnn_core.data.tasks import Task


def task_loss(task: Task, prediction: Tensor, target: Tensor, mask: Tensor) -> tuple[Tensor, float]:
    """Mean loss over the steps that count (MSE or cross-entropy), and accuracy (NaN for regression)."""
    if not task.many_to_one:
        prediction, target = prediction[mask], target[mask]  # (N, O), (N, O) or (N,)
    if task.kind == "regression":
        return F.mse_loss(prediction, target), math.nan
    loss = F.cross_entropy(prediction, target)
    accuracy = int((prediction.argmax(-1) == target).sum()) / target.numel()
    return loss, accuracy
