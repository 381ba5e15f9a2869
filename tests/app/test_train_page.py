"""The sidebar (training controls and model builder) and the Train page, through AppTest."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.app.conftest import decode, plotly_figures
from ui.first_paint import EARLY_SPEC
from ui.keys import MODEL_DETAILS
from ui.keys import config_widget as key
from ui.state import TURNS


def sidebar_step(at) -> str:
    return at.sidebar.metric[0].value


def experiment(at):
    return at.session_state["experiment"]


def test_opens_on_the_train_page_ready_to_train(app):
    assert app.title[0].value == "Train"
    assert app.sidebar.markdown[0].value == "## RNN Explorer"
    assert sidebar_step(app) == "0"
    assert app.info[0].value.startswith("Press **Train**")
    assert "Sine wave." in app.markdown[0].value
    assert [f["layout"]["title"]["text"] for f in plotly_figures(app)] == ["Probe sequence #1: target and prediction"]


def test_step_trains_ten_steps_and_draws_the_loss_curve(app):
    app.button(key="step").click().run()
    assert not app.exception
    assert sidebar_step(app) == "10"
    loss_fig = plotly_figures(app)[0]
    assert loss_fig["layout"]["title"]["text"] == "Loss during training"
    history = experiment(app).trainer.history
    np.testing.assert_allclose(decode(loss_fig["data"][0]["y"]), history.loss.to_numpy(), rtol=1e-6)
    assert decode(loss_fig["data"][1]["x"]).tolist() == [0]  # the probe snapshot at step 0
    assert app.sidebar.markdown[0].value == "## RNN Explorer"  # the sidebar survives the rerun


def test_train_keeps_training_on_every_rerun_until_paused(app):
    assert not app.button(key="train").disabled and app.button(key="pause").disabled
    app.button(key="train").click().run()
    assert experiment(app).running
    assert app.button(key="train").disabled and not app.button(key="pause").disabled  # both stay drawn: no click is lost
    first = experiment(app).trainer.step
    app.run()  # each run is what a refresh tick does in the browser
    assert experiment(app).trainer.step > first > 0
    app.switch_page("pages/inside_a_layer.py").run()
    on_other_page = experiment(app).trainer.step
    assert on_other_page > first  # training goes on while another page is open
    app.switch_page("pages/train.py").run()
    app.button(key="pause").click().run()
    paused = experiment(app).trainer.step
    app.run()
    assert experiment(app).trainer.step == paused and not experiment(app).running
    assert app.button(key="pause").disabled and not app.button(key="train").disabled
    assert TURNS.idle  # every run gave its turn back: a click, a page change, a pause that waited for the worker


def test_reset_starts_again_from_the_same_seed(app):
    app.button(key="step").click().run()
    losses = experiment(app).trainer.history.loss.tolist()
    app.button(key="reset").click().run()
    assert sidebar_step(app) == "0"
    app.button(key="step").click().run()
    assert experiment(app).trainer.history.loss.tolist() == losses


def test_a_change_after_training_waits_for_the_users_choice(app):
    app.button(key="step").click().run()
    trained = experiment(app).trainer
    app.sidebar.selectbox(key=key("model", "cell")).set_value("gru").run()
    assert experiment(app).trainer is trained  # nothing thrown away yet
    assert app.sidebar.warning[0].value.startswith("These settings need a new model")
    app.sidebar.button(key="revert").click().run()
    assert app.sidebar.selectbox(key=key("model", "cell")).value == "lstm" and not app.sidebar.warning
    app.sidebar.selectbox(key=key("model", "cell")).set_value("gru").run()
    app.sidebar.button(key="rebuild").click().run()
    assert experiment(app).config.model.cell == "gru" and sidebar_step(app) == "0"


def test_changes_before_training_apply_at_once(app):
    app.sidebar.selectbox(key=key("model", "cell")).set_value("rnn_tanh").run()
    assert experiment(app).config.model.cell == "rnn_tanh" and not app.sidebar.warning


TASKS = ["next_number", "sine", "copy", "adding", "parity", "characters"]


@pytest.mark.parametrize("task", TASKS)
def test_every_task_trains_and_shows_its_answers(app, task):
    app.sidebar.selectbox(key=key("task", "name")).set_value(task).run()
    app.button(key="step").click().run()
    assert not app.exception, [e.message for e in app.exception]
    exp = experiment(app)
    assert exp.config.task.name == task and exp.trainer.step == 10
    assert app.markdown[0].value.startswith(f"**{exp.task.title}.**")
    if exp.task.kind == "classification":
        table = app.dataframe[0].value
        assert len(table.columns if exp.task.mode == "many_to_many" else table) > 0
        assert app.metric[2].label == "Accuracy"
    else:
        assert len(plotly_figures(app)) == 2  # the loss curve and the answers


@pytest.mark.parametrize("cell", ["rnn_tanh", "rnn_relu", "lstm", "gru", "mlp"])
def test_every_cell_type_trains(app, cell):
    app.sidebar.selectbox(key=key("model", "cell")).set_value(cell).run()
    app.button(key="step").click().run()
    assert not app.exception, [e.message for e in app.exception]
    assert experiment(app).config.model.cell == cell and sidebar_step(app) == "10"


def test_a_diverging_run_says_why_and_keeps_the_model(app):
    app.sidebar.selectbox(key=key("model", "cell")).set_value("rnn_relu").run()
    app.sidebar.selectbox(key=key("model", "init")).set_value("constant").run()
    app.sidebar.number_input(key=key("model", "init_value")).set_value(2.0).run()
    app.button(key="step").click().run()
    assert not app.exception
    assert app.error[0].value.startswith("Training stopped at step 1: the loss became infinite or NaN")
    assert "smaller weights" in app.error[0].value
    assert app.button(key="train").disabled
    assert app.sidebar.caption[0].value == "stopped: the run diverged"
    app.switch_page("pages/gates.py").run()
    assert app.error[0].value.startswith("Training stopped at step 1")  # every page says so at the top


def test_out_of_range_text_settings_explain_themselves(app):
    app.sidebar.selectbox(key=key("task", "name")).set_value("characters").run()
    app.sidebar.selectbox(key=key("task", "text_source")).set_value("custom").run()
    assert app.sidebar.error[0].value.startswith("The 'custom' text source needs your text")
    app.sidebar.text_area(key="paste_text").set_value("a").run()
    assert app.sidebar.error[0].value == "The text has 1 character; a sequence length of 1 needs at least 2."
    app.sidebar.text_area(key="paste_text").set_value("aaaa").run()
    assert "single character" in app.sidebar.error[0].value
    app.sidebar.text_area(key="paste_text").set_value("abracadabra " * 20).run()
    assert not app.sidebar.error and experiment(app).task.vocab[:3] == ["a", "b", "r"]


def test_the_models_table_is_drawn_only_when_its_expander_is_opened(app):
    """A first page without an st.dataframe spares a new server the half second of its first use."""
    details = next(e for e in app.expander if e.label.startswith("The model: LSTM"))
    assert not details.proto.expanded and not app.dataframe
    app.session_state[MODEL_DETAILS] = True  # what opening it does: it reruns with the state set
    app.run()
    table = app.dataframe[0].value
    assert table["parameter"].tolist()[:2] == ["rnn.weight_ih_l0", "rnn.weight_hh_l0"]
    assert any(c.value.startswith("Loss: mean squared error") for c in app.caption)


def test_a_sessions_first_run_sends_one_hidden_empty_chart_and_later_runs_none(app):
    """ui/first_paint.py: the browser loads Plotly while a new server imports torch. The chart is sent once, first."""
    specs = [json.loads(el.proto.spec) for el in app.get("plotly_chart")]
    assert specs[0] == EARLY_SPEC and specs.count(EARLY_SPEC) == 1
    assert "display: none" in app.get("html")[0].proto.body
    app.run()
    assert EARLY_SPEC not in [json.loads(el.proto.spec) for el in app.get("plotly_chart")]
