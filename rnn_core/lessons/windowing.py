"""Windowing against recurrence: an MLP on the last W steps sees a fixed context, pays parameters for every step of
it, and learns each position's weights apart; a recurrent layer carries a state, with the same weights at every step.

The copy task makes it plain: the answer at the end depends on the first step, ``DELAY`` steps back. A window shorter
than that never sees it and stays at chance; a window long enough learns, at the price of a first layer that grows with
every step of window; the LSTM learns with a parameter count that does not depend on the delay.
"""

from __future__ import annotations

import pandas as pd

from rnn_core.config import ExperimentConfig
from rnn_core.data.tasks import make_task
from rnn_core.lessons.accuracy_runs import accuracy_curve
from rnn_core.train.models import SequenceModel, count_parameters

DELAY = 20  # copy after 20 steps: the sequence is 21 steps long
STEPS = 400
BASE = ExperimentConfig().with_changes(task={"name": "copy", "delay": DELAY}, train={"lr": 0.01, "probe_every": 100_000})
MODELS = {  # label -> model settings: a window too short, a window long enough, and a recurrent layer
    "MLP, window 10": {"cell": "mlp", "window": 10},
    f"MLP, window {DELAY + 5}": {"cell": "mlp", "window": DELAY + 5},
    "LSTM": {"cell": "lstm", "memory_gate_bias": 3.0},
}


def config_of(label: str) -> ExperimentConfig:
    return BASE.with_changes(model=MODELS[label])


def parameter_count(config: ExperimentConfig) -> int:
    return count_parameters(SequenceModel(config.model, make_task(config.task)))


def context(config: ExperimentConfig) -> str:
    """How far back the model can see at the answer."""
    return f"the last {config.model.window} steps" if config.model.cell == "mlp" else "every step so far (its state)"


def windowing_runs(steps: int = STEPS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train each model of ``MODELS`` on copy after ``DELAY`` steps: (one row per step and model with the accuracy and
    its running mean (accuracy_curve), one row per model: what it sees, its parameters, its final accuracy)."""
    curves, summary = [], []
    for label in MODELS:
        config = config_of(label)
        history = accuracy_curve(config, steps).assign(model=label)
        curves.append(history)
        summary.append(
            {
                "model": label,
                "sees": context(config),
                "parameters": parameter_count(config),
                f"accuracy at step {steps}": history.smoothed.iloc[-1],
            }
        )
    return pd.concat(curves, ignore_index=True), pd.DataFrame(summary)


def parameters_by_window(windows) -> pd.DataFrame:
    """Parameters of the windowing MLP for each window, beside the LSTM's (the same for any delay or window)."""
    lstm = parameter_count(config_of("LSTM"))
    mlp = [parameter_count(BASE.with_changes(model={"cell": "mlp", "window": w})) for w in windows]
    return pd.DataFrame({"window W": list(windows), "MLP on windows": mlp, "LSTM": [lstm] * len(mlp)})


def weights_per_position(config: ExperimentConfig) -> pd.DataFrame:
    """Which weights meet a symbol seen k steps ago: the MLP's first layer has its own block for each position of the
    window; a recurrent layer applies the same W_ih at every step (and W_hh carries it on)."""
    model = SequenceModel(config.model, make_task(config.task))
    if config.model.cell == "mlp":
        first, window = model.rnn.layers[0].weight, config.model.window  # (H, W·I), oldest step first
        width = first.size(1) // window
        rows = []
        for k in range(window):
            start = (window - 1 - k) * width
            rows.append({"steps ago": k, "weights": f"columns {start}…{start + width - 1} of layers[0]", "numbers": first.size(0) * width})
        return pd.DataFrame(rows)
    w_ih = model.rnn.weight_ih_l0
    row = {"steps ago": "any", "weights": "weight_ih_l0, the same at every step", "numbers": w_ih.numel()}
    return pd.DataFrame(row, index=[0])
