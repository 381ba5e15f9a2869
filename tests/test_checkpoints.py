"""Checkpoints: a round trip gives the same model, and every bad file is refused with a sentence, never run."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from rnn_core.config import ExperimentConfig, ModelConfig, TaskConfig, TrainConfig
from rnn_core.data.tasks import make_task
from rnn_core.inspect.probes import Snapshots, snapshots_of
from rnn_core.train.checkpoints import FORMAT, read_checkpoint, restore_trainer, save_checkpoint
from rnn_core.train.trainer import Trainer

SMALL = ExperimentConfig(
    task=TaskConfig(name="sine", seq_len=12), model=ModelConfig(cell="gru", hidden_size=6), train=TrainConfig(probe_every=10)
)


def trained(config=SMALL, steps=15, **user) -> Trainer:
    t = Trainer(config, make_task(config.task, **user))
    t.run(steps)
    return t


def file_of(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def test_a_round_trip_gives_the_same_predictions_step_and_history():
    t = trained()
    back = restore_trainer(read_checkpoint(save_checkpoint(t)), observers=[Snapshots()])
    assert back.config == t.config and back.step == 15
    assert torch.equal(back.model(t.probe.x)[0], t.model(t.probe.x)[0])
    np.testing.assert_array_equal(back.history.to_numpy(), t.history.to_numpy())
    assert snapshots_of(back).steps == [15]  # the insides of the loaded model, not of a fresh one
    assert back.run(5) == 5 and back.step == 20  # training goes on


@pytest.mark.parametrize("task,user", [
    (TaskConfig(name="characters", text_source="custom", seq_len=8), {"user_text": "abcabd abca, dcba!"}),
    (TaskConfig(name="series", seq_len=8), {"user_series": np.linspace(3.0, 9.0, 40), "column": "height"}),
])  # fmt: skip
def test_a_round_trip_keeps_the_users_own_data(task, user):
    config = SMALL.with_changes(task=task.__dict__)
    t = trained(config, steps=3, **user)
    back = restore_trainer(read_checkpoint(save_checkpoint(t)))
    assert torch.equal(back.model(t.probe.x)[0], t.model(t.probe.x)[0])
    if "user_text" in user:
        assert back.task.text == user["user_text"] and back.task.vocab == t.task.vocab
    else:
        np.testing.assert_array_equal(back.task.raw, user["user_series"])
        assert back.task.column == "height"


def good_raw() -> dict:
    return torch.load(io.BytesIO(save_checkpoint(trained(steps=2))), weights_only=True)


def with_changes(**changes) -> bytes:
    raw = good_raw()
    raw.update(changes)
    return file_of(raw)


def test_bad_files_are_refused_with_a_reason(tmp_path):
    valid = save_checkpoint(trained(steps=2))
    weights = good_raw()["state_dict"]
    cases = {
        b"": "the file is empty",
        b"\x00\x01 not a zip at all": "not a checkpoint that can be read safely",
        valid[: len(valid) // 2]: "not a checkpoint that can be read safely",  # truncated download
        file_of(weights): "not an RNN Explorer checkpoint",  # a bare state_dict
        file_of({"format": FORMAT, "version": 99}): "version 99",
        with_changes(config={"model": {"cells": "lstm"}}): "unknown model settings: cells",
        with_changes(config={"model": {"hidden_size": 100_000}}): "hidden_size must be between",
        with_changes(step=-3): "step is missing or malformed",
        with_changes(state_dict={**weights, "head.bias": torch.tensor([float("nan")])}): "infinite or NaN",
        with_changes(state_dict={**weights, "head.bias": torch.tensor([1], dtype=torch.int64)}): "not a float32 tensor",
        with_changes(history=[[1.0, 2.0]]): "history is malformed",
    }
    for data, reason in cases.items():
        with pytest.raises(ValueError, match=reason):
            read_checkpoint(data)


class RunsCodeWhenUnpickled:
    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))  # a plain pickle would create this file while loading


def test_a_crafted_file_that_would_run_code_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"
    crafted = file_of({"format": FORMAT, "version": 1, "config": {}, "payload": RunsCodeWhenUnpickled(marker)})
    with pytest.raises(ValueError, match="not a checkpoint that can be read safely"):
        read_checkpoint(crafted)
    assert not marker.exists()


def test_weights_of_another_architecture_are_refused_before_anything_changes():
    raw = good_raw()
    lstm = Trainer(SMALL.with_changes(model={"cell": "lstm"}), make_task(SMALL.task)).model.state_dict()
    raw["state_dict"] = lstm  # LSTM weights under a GRU configuration: same names, 4 gates instead of 3
    with pytest.raises(ValueError, match=r"weight rnn.weight_ih_l0 has shape \(24, 1\), but the configuration's model needs \(18, 1\)"):
        restore_trainer(read_checkpoint(file_of(raw)))
    raw["state_dict"] = {"rnn.weight_ih_l0": torch.zeros(18, 1)}
    with pytest.raises(ValueError, match="do not belong to the model its configuration describes"):
        restore_trainer(read_checkpoint(file_of(raw)))


def test_a_check_can_refuse_the_experiment_before_a_model_is_built():
    def too_big(config, task):
        raise ValueError(f"hidden size {config.model.hidden_size} is above the limit")

    with pytest.raises(ValueError, match="hidden size 6 is above the limit"):
        restore_trainer(read_checkpoint(save_checkpoint(trained(steps=1))), check=too_big)
