"""Runs side by side: the same task and seed with each cell, summarised for overlays."""

from __future__ import annotations

import pytest

from rnn_core.config import ExperimentConfig, ModelConfig, TaskConfig, TrainConfig
from rnn_core.data.tasks import make_task
from rnn_core.inspect.compare import summarise, train_cells
from rnn_core.train.trainer import Trainer

CONFIG = ExperimentConfig(task=TaskConfig(name="sine", seq_len=10), model=ModelConfig(hidden_size=8), train=TrainConfig(probe_every=1000))


def test_train_cells_trains_each_cell_on_the_same_task_and_seed():
    task = make_task(CONFIG.task)
    runs = train_cells(CONFIG, task, steps=15)
    assert [r.label for r in runs] == ["RNN (tanh) (seed 0)", "LSTM (seed 0)", "GRU (seed 0)"]
    assert [r.config.model.cell for r in runs] == ["rnn_tanh", "lstm", "gru"]
    assert all(r.steps == 15 and r.final.step == 15 for r in runs)
    assert {r.config.with_changes(model={"cell": "lstm"}) for r in runs} == {CONFIG}  # only the cell differs
    again = Trainer(CONFIG.with_changes(model={"cell": "gru"}), task)
    again.run(15)
    assert again.history.loss.tolist() == runs[2].history.loss.tolist()  # same seed, same curve
    with pytest.raises(ValueError, match="steps must be between 1 and 5000, got 0"):
        train_cells(CONFIG, task, steps=0)


def test_a_summary_is_a_copy_that_training_does_not_change():
    trainer = Trainer(CONFIG, make_task(CONFIG.task))
    trainer.run(5)
    run = summarise(trainer)
    trainer.run(5)
    assert run.steps == 5 and len(run.history) == 5 and run.label == "LSTM, H=8, seed 0, 5 steps"
    mlp = Trainer(CONFIG.with_changes(model={"cell": "mlp"}), make_task(CONFIG.task))
    mlp.run(2)
    assert summarise(mlp).final is None
