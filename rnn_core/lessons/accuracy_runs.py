"""What the lessons that train a few fixed models side by side share: each run's accuracy over training, smoothed alike."""

from __future__ import annotations

import pandas as pd

from rnn_core.config import ExperimentConfig
from rnn_core.data.tasks import make_task
from rnn_core.train.trainer import Trainer

SMOOTHING = 25  # steps in the running mean that the lessons' accuracy curves show


def accuracy_curve(config: ExperimentConfig, steps: int) -> pd.DataFrame:
    """Train ``config`` from its seed for ``steps`` steps: one row per step with the accuracy and its running mean."""
    trainer = Trainer(config, make_task(config.task))
    trainer.run(steps)
    return smoothed_accuracy(trainer.history)


def smoothed_accuracy(history: pd.DataFrame) -> pd.DataFrame:
    """A run's history as ``step, accuracy, smoothed``: the accuracy's running mean over SMOOTHING steps."""
    history = history[["step", "accuracy"]].copy()
    history["smoothed"] = history.accuracy.rolling(SMOOTHING, min_periods=1).mean()
    return history
