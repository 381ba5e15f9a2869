"""Links and exports in the core: a configuration survives its query parameters; CSVs reload with the right values."""

from __future__ import annotations

import io
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

from rnn_core.config import ExperimentConfig
from rnn_core.data.tasks import make_task
from rnn_core.inspect.compare import summarise, unique_labels
from rnn_core.inspect.exports import export_rows, gates_table, gradients_table, hidden_states_table, runs_table, step_loss_table, to_csv
from rnn_core.inspect.probes import take_snapshot
from rnn_core.train.trainer import Trainer
from ui.link_params import FIELDS, NOT_IN_LINKS, SECTIONS, changed_settings, config_from_params, config_to_params, without

CHANGED = ExperimentConfig().with_changes(
    task={"name": "copy", "delay": 30, "symbols": 6, "noise": 0.25},
    model={"cell": "gru", "hidden_size": 64, "num_layers": 2, "dropout": 0.1, "init": "orthogonal", "init_value": 1.5},
    train={"optimizer": "rmsprop", "lr": 0.0003, "batch_size": 16, "clip_norm": 0.0, "tbptt": 20},
    seed=1234,
)


def test_no_two_sections_share_a_parameter_name_and_links_stay_within_the_sidebar():
    assert len(FIELDS) == sum(len(fields(cls)) for cls in SECTIONS.values()) - len(NOT_IN_LINKS)
    assert "probe_batch" not in FIELDS and "momentum" not in FIELDS
    assert {("train", "momentum"), ("train", "probe_every"), ("train", "probe_batch"), ("model", "embedding_dim")} == NOT_IN_LINKS
    config, _, _, problems = config_from_params({"probe_batch": "64"})
    assert config == ExperimentConfig() and problems == ["`probe_batch` is not a setting a link can change"]


@pytest.mark.parametrize("config", [ExperimentConfig(), CHANGED], ids=["defaults", "changed"])
def test_a_configuration_survives_its_link(config):
    params = config_to_params(config, steps=250, presenting=True)
    assert all(isinstance(v, str) for v in params.values())
    assert config_from_params(params) == (config, 250, True, [])


def test_a_link_names_only_what_differs_from_the_defaults():
    assert config_to_params(ExperimentConfig()) == {}
    params = config_to_params(ExperimentConfig().with_changes(task={"name": "copy"}, model={"bidirectional": True}, seed=7))
    assert params == {"task": "copy", "bidirectional": "1", "seed": "7"}
    assert config_to_params(CHANGED)["lr"] == "0.0003"


def test_every_bad_parameter_falls_back_alone_and_says_why():
    params = {
        "task": "chess",
        "delay": "30",
        "hidden_size": "lots",
        "lr": "nan",
        "seed": "-1",
        "steps": "-5",
        "colour": "red",
        "cell": "gru",
    }
    config, steps, presenting, problems = config_from_params(params)
    assert config == ExperimentConfig().with_changes(task={"delay": 30}, model={"cell": "gru"})
    assert (steps, presenting) == (0, False)
    assert len(problems) == 6
    text = " ".join(problems)
    for reason in ("`task=chess`", "not a whole number", "not a finite number", "`seed=-1`", "`steps=-5`", "`colour` is not a setting"):
        assert reason in text


@pytest.fixture(scope="module")
def trained():
    config = ExperimentConfig().with_changes(
        task={"name": "adding", "seq_len": 12}, model={"cell": "lstm", "hidden_size": 5, "num_layers": 2, "bidirectional": True}
    )
    trainer = Trainer(config, make_task(config.task))
    trainer.run(15)
    return trainer, take_snapshot(trainer.model, trainer.task, trainer.probe, trainer.step)


def reload(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(to_csv(frame)))


def test_hidden_states_csv_reloads_every_value_in_place(trained):
    trainer, snap = trained
    table = reload(hidden_states_table(snap, num_directions=2))
    assert list(table.columns) == ["layer", "direction", "sequence", "t", "unit", "h", "c"]
    LD, B, T, H = snap.hidden.shape
    assert len(table) == LD * B * T * H == 2 * 2 * 4 * 12 * 5
    row = table.query("layer == 2 and direction == 'reverse' and sequence == 3 and t == 7 and unit == 4").iloc[0]
    assert row.h == pytest.approx(float(snap.hidden[3, 2, 6, 4]), rel=1e-7)
    assert row.c == pytest.approx(float(snap.cell[3, 2, 6, 4]), rel=1e-7)
    pivot = table.query("layer == 1 and direction == 'forward' and sequence == 1").pivot(index="t", columns="unit", values="h")
    np.testing.assert_allclose(pivot.to_numpy(), snap.hidden[0, 0], rtol=1e-7)


def test_gates_csv_has_a_column_per_gate(trained):
    _, snap = trained
    table = reload(gates_table(snap, num_directions=2))
    assert list(table.columns) == ["layer", "direction", "sequence", "t", "unit", "input", "forget", "cell", "output"]
    forget = table.query("layer == 1 and direction == 'reverse' and sequence == 2").pivot(index="t", columns="unit", values="forget")
    np.testing.assert_allclose(forget.to_numpy(), snap.gates["forget"][1, 1], rtol=1e-7)


def test_gradient_norms_csv_per_layer_direction_and_step(trained):
    _, snap = trained
    table = reload(gradients_table(snap, num_directions=2))
    columns = ["layer", "direction", "t", "tau", "grad_norm_total_loss", "grad_norm_loss_at_tau", "step_jacobian_spectral_radius"]
    assert list(table.columns) == columns + ["input_sensitivity"]
    assert set(table.tau) == {snap.loss_step + 1}
    second = table.query("layer == 2 and direction == 'forward'")
    np.testing.assert_allclose(second.grad_norm_total_loss, snap.grad_norm[2], rtol=1e-7)
    np.testing.assert_allclose(second.grad_norm_loss_at_tau, snap.grad_norm_last[2], rtol=1e-7)
    np.testing.assert_allclose(second.step_jacobian_spectral_radius, snap.jacobian_radius[2], rtol=1e-7)
    np.testing.assert_allclose(second.input_sensitivity, snap.input_sensitivity, rtol=1e-7)
    np.testing.assert_allclose(reload(step_loss_table(snap)).loss, snap.step_loss, rtol=1e-7)


def test_training_history_and_kept_runs_reload(trained):
    trainer, _ = trained
    history = reload(trainer.history)
    assert list(history.columns) == list(trainer.history.columns)
    np.testing.assert_allclose(history.loss, trainer.history.loss, rtol=1e-7)
    runs = unique_labels([summarise(trainer), summarise(trainer)])
    assert [r.label for r in runs] == ["LSTM, H=5, seed 0, 15 steps", "LSTM, H=5, seed 0, 15 steps #2"]
    table = reload(runs_table(runs))
    assert len(table) == 30 and table.run.nunique() == 2 and set(table.cell) == {"lstm"}
    np.testing.assert_allclose(table.loss[15:], trainer.history.loss, rtol=1e-7)


def test_a_setting_can_be_put_back_to_its_default_alone():
    assert changed_settings(CHANGED)[:4] == ["task", "noise", "delay", "symbols"]
    assert without(CHANGED, "delay").task.delay == 10 and without(CHANGED, "delay").model == CHANGED.model


def test_a_big_models_table_holds_the_layer_on_screen(trained, monkeypatch):
    _, snap = trained
    assert export_rows(snap.hidden, shown=3) == [0, 1, 2, 3]  # small: every layer and direction
    monkeypatch.setattr("rnn_core.inspect.exports.MAX_TABLE_ROWS", 100)
    rows = export_rows(snap.hidden, shown=3)
    table = hidden_states_table(snap, num_directions=2, rows=rows)
    assert rows == [3] and set(zip(table.layer, table.direction)) == {(2, "reverse")}
    np.testing.assert_array_equal(table.h.to_numpy().reshape(snap.hidden[3].shape), snap.hidden[3])
