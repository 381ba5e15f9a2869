"""A shared server's limits, and bad input of every kind: a sentence in the page, never a traceback, nothing lost."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnn_core.config import ExperimentConfig, ModelConfig, TaskConfig, TrainConfig
from rnn_core.data.tasks import make_task
from rnn_core.train.checkpoints import save_checkpoint
from rnn_core.train.trainer import Trainer
from tests.app.test_train_page import experiment, sidebar_step
from ui import settings
from ui.keys import config_widget as key
from ui.settings import Limits


def trained_for(app, presses: int = 2):
    for _ in range(presses):
        app.button(key="step").click().run()
    exp = experiment(app)
    weights = [p.detach().clone() for p in exp.trainer.model.parameters()]
    return exp, exp.trainer.step, weights


def unchanged(app, exp, step, weights) -> bool:
    """The session still has the same experiment, model weights, step and history."""
    now = experiment(app)
    same = all(torch.equal(a, b) for a, b in zip(weights, now.trainer.model.parameters()))
    return now is exp and now.trainer.step == step == len(now.trainer.history) and same


def all_messages(app) -> str:
    return " ".join(e.value for e in [*app.error, *app.sidebar.error, *app.warning, *app.sidebar.warning])


# ---- limits -------------------------------------------------------------------------------------------------


def test_a_run_stops_at_the_servers_step_limit_and_says_so(app, monkeypatch):
    monkeypatch.setattr(settings, "LIMITS", Limits(steps=25))
    for _ in range(3):
        app.button(key="step").click().run()
    assert sidebar_step(app) == "25"
    assert app.button(key="train").disabled and app.button(key="step").disabled
    caption = app.sidebar.caption[0].value
    assert caption.startswith("stopped: 25 steps is this server's limit for one run") and "RNN_EXPLORER_MAX_STEPS" in caption
    app.button(key="reset").click().run()
    assert sidebar_step(app) == "0" and not app.button(key="train").disabled


def test_a_model_too_costly_for_the_server_is_refused_with_the_reason(app, monkeypatch):
    monkeypatch.setattr(settings, "LIMITS", Limits(step_cost=1e8))
    exp, step, weights = trained_for(app, 0)
    app.sidebar.select_slider(key=key("model", "hidden_size")).set_value(128).run()
    message = app.sidebar.error[0].value
    assert "billion multiply-adds per training step" in message and "allows 0.1 billion" in message
    assert "RNN_EXPLORER_MAX_STEP_COST" in message
    assert experiment(app).config.model.hidden_size == 32 and unchanged(app, exp, step, weights)


def test_the_widgets_offer_only_what_the_server_allows(app, monkeypatch):
    monkeypatch.setattr(settings, "LIMITS", Limits(hidden_size=100, layers=2, seq_len=60, batch_size=64))
    app.run()
    hidden = app.sidebar.select_slider(key=key("model", "hidden_size"))
    assert hidden.options[-2:] == ["64", "100"]  # the limit itself is offered
    assert "up to 100" in hidden.help and "RNN_EXPLORER_MAX_HIDDEN_SIZE" in hidden.help
    assert app.sidebar.slider(key=key("model", "num_layers")).max == 2
    assert app.sidebar.slider(key=key("task", "seq_len")).max == 60
    assert app.sidebar.select_slider(key=key("train", "batch_size")).options[-1] == "64"


def test_limits_read_from_the_environment_and_reject_nonsense(monkeypatch):
    monkeypatch.setenv("RNN_EXPLORER_MAX_HIDDEN_SIZE", "1024")
    monkeypatch.setenv("RNN_EXPLORER_MAX_STEP_COST", "2e10")
    limits = Limits.from_environment()
    assert limits.hidden_size == 1024 and limits.step_cost == 2e10 and limits.layers == Limits().layers
    monkeypatch.setenv("RNN_EXPLORER_MAX_LAYERS", "many")
    with pytest.raises(ValueError, match="RNN_EXPLORER_MAX_LAYERS must be a number, got 'many'"):
        Limits.from_environment()


def test_a_users_text_longer_than_the_limit_is_refused(app, monkeypatch):
    monkeypatch.setattr(settings, "LIMITS", Limits(text_chars=100))
    app.sidebar.selectbox(key=key("task", "name")).set_value("characters").run()
    app.sidebar.selectbox(key=key("task", "text_source")).set_value("custom").run()
    app.sidebar.text_area(key="paste_text").set_value("abc " * 30).run()
    assert app.sidebar.error[0].value.startswith("Your text's length in characters, 120, is above this server's limit of 100")


# ---- bad uploads --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content,reason",
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks binary"),
        ("café".encode("latin-1"), "not UTF-8 text (byte 3 cannot be decoded)"),
        (b"x", "The text has 1 character"),
        (b"zzzzzzzz", "single character"),
    ],
)
def test_bad_text_uploads_say_why_and_keep_the_model(app, content, reason):
    app.sidebar.selectbox(key=key("task", "name")).set_value("characters").run()
    exp, step, weights = trained_for(app)
    app.sidebar.selectbox(key=key("task", "text_source")).set_value("custom").run()  # needs text: the model waits
    app.sidebar.file_uploader(key="upload_text").upload("notes.txt", content, "text/plain").run()
    assert not app.exception
    assert reason in all_messages(app)
    assert unchanged(app, exp, step, weights)


def test_a_text_shorter_than_the_sequence_says_how_long_the_sequences_become(app):
    app.sidebar.selectbox(key=key("task", "name")).set_value("characters").run()
    app.sidebar.selectbox(key=key("task", "text_source")).set_value("custom").run()
    app.sidebar.text_area(key="paste_text").set_value("hello world").run()
    assert not app.sidebar.error
    assert app.sidebar.info[0].value == (
        "Your text has 11 characters, fewer than a sequence of 40 steps needs (41): each training sequence is the whole text, "
        "10 steps long."
    )
    assert experiment(app).task.seq_len == 10
    app.button(key="step").click().run()
    assert experiment(app).trainer.step == 10


def test_a_huge_text_upload_is_refused_by_the_limit(app, monkeypatch):
    monkeypatch.setattr(settings, "LIMITS", Limits(text_chars=1000))
    app.sidebar.selectbox(key=key("task", "name")).set_value("characters").run()
    app.sidebar.selectbox(key=key("task", "text_source")).set_value("custom").run()
    app.sidebar.file_uploader(key="upload_text").upload("book.txt", b"all work and no play " * 5000, "text/plain").run()
    assert "105,000, is above this server's limit of 1,000" in all_messages(app)


@pytest.mark.parametrize(
    "content,reason",
    [(b"", "the file is empty"), (b"name,city\nada,london\nalan,wilmslow\n", "no numeric column"), (b"\x00\x01\x02", "binary")],
)
def test_bad_csv_uploads_say_why(app, content, reason):
    app.sidebar.selectbox(key=key("task", "name")).set_value("series").run()
    app.sidebar.file_uploader(key="upload_csv").upload("data.csv", content, "text/csv").run()
    assert not app.exception
    assert reason in all_messages(app)


def test_a_series_shorter_than_the_sequence_says_how_long_it_must_be(app):
    app.sidebar.selectbox(key=key("task", "name")).set_value("series").run()
    app.sidebar.file_uploader(key="upload_csv").upload("short.csv", b"v\n1\n2\n3\n4\n5\n", "text/csv").run()
    assert "the series has 5 numbers; a sequence length of 40 needs at least 41" in all_messages(app).lower()


# ---- absurd settings ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lr", [0.0, 1000.0])
def test_extreme_learning_rates_train_or_stop_with_a_reason(app, lr):
    """The slider offers 0.0001 to 1; a checkpoint (or a shared link) can carry any rate the core accepts."""
    config = ExperimentConfig(task=TaskConfig(name="sine", seq_len=10), model=ModelConfig(cell="rnn_relu"), train=TrainConfig(lr=lr))
    upload_checkpoint(app, save_checkpoint(Trainer(config, make_task(config.task))))
    assert experiment(app).config.train.lr == lr
    app.button(key="step").click().run()
    assert not app.exception
    trainer = experiment(app).trainer
    if lr == 0:
        assert trainer.step == 10 and trainer.diverged is None
    else:
        assert trainer.diverged is not None or trainer.step == 10  # Adam at lr 1000 may blow up: if so, it says why
        if trainer.diverged is not None:
            assert app.error[0].value.startswith("Training stopped at step")


@pytest.mark.parametrize("task", ["next_number", "sine", "adding", "parity", "characters"])
def test_the_smallest_models_and_sequences_train(app, task):
    app.sidebar.selectbox(key=key("task", "name")).set_value(task).run()
    app.sidebar.select_slider(key=key("model", "hidden_size")).set_value(1).run()
    app.sidebar.slider(key=key("task", "seq_len")).set_value(2).run()
    app.button(key="step").click().run()
    assert not app.exception and experiment(app).trainer.step == 10


@pytest.mark.parametrize("task", ["next_number", "sine", "adding", "parity", "characters", "copy"])
def test_sequence_length_one_works_or_is_refused_with_a_reason(task):
    """The sidebar's slider starts at 2; a link or a notebook can ask for 1."""
    config = ExperimentConfig(task=TaskConfig(name=task, seq_len=1, delay=1), model=ModelConfig(hidden_size=1))
    try:
        t = Trainer(config, make_task(config.task))
    except ValueError as e:
        assert str(e)  # a sentence, not a crash
        return
    assert t.run(3) == 3


# ---- checkpoints --------------------------------------------------------------------------------------------


def upload_checkpoint(app, data: bytes, name: str = "model.pt"):
    return app.sidebar.file_uploader(key="upload_checkpoint").upload(name, data).run()


def test_a_checkpoint_loads_into_a_new_session_with_its_settings(app):
    config = ExperimentConfig(task=TaskConfig(name="copy", delay=12), model=ModelConfig(cell="gru", hidden_size=16))
    source = Trainer(config, make_task(config.task))
    source.run(30)
    upload_checkpoint(app, save_checkpoint(source), "gru.pt")
    assert not app.exception
    assert app.sidebar.success[0].value == "Loaded gru.pt: trained for 30 steps."
    exp = experiment(app)
    assert exp.config == config and exp.trainer.step == 30 and sidebar_step(app) == "30"
    assert torch.equal(exp.trainer.model(source.probe.x)[0], source.model(source.probe.x)[0])
    assert app.sidebar.selectbox(key=key("model", "cell")).value == "gru"  # the widgets show what was loaded
    assert app.sidebar.slider(key=key("task", "delay")).value == 12
    assert not app.sidebar.warning  # no pending "these settings need a new model"
    app.button(key="step").click().run()
    assert experiment(app).trainer.step == 40


@pytest.mark.parametrize(
    "data,reason",
    [
        (b"", "the file is empty"),
        (b"PK\x03\x04 half a zip", "not a checkpoint that can be read safely"),
        (b"\x80\x04\x95 a pickle that runs code", "not a checkpoint that can be read safely"),
    ],
)
def test_a_bad_checkpoint_is_refused_and_the_model_survives(app, data, reason):
    exp, step, weights = trained_for(app)
    upload_checkpoint(app, data, "bad.pt")
    assert not app.exception
    message = app.sidebar.error[0].value
    assert message.startswith("bad.pt was not loaded") and reason in message and message.endswith("Your current model is unchanged.")
    assert unchanged(app, exp, step, weights)
    app.button(key="step").click().run()
    assert experiment(app).trainer.step == step + 10


def test_a_checkpoint_past_the_servers_limits_is_refused(app, monkeypatch):
    monkeypatch.setattr(settings, "LIMITS", Limits(hidden_size=16))
    big = ExperimentConfig(model=ModelConfig(hidden_size=64))
    exp, step, weights = trained_for(app)
    upload_checkpoint(app, save_checkpoint(Trainer(big, make_task(big.task))))
    assert "Hidden size, 64, is above this server's limit of 16" in app.sidebar.error[0].value
    assert unchanged(app, exp, step, weights)


def test_the_download_button_names_the_model():
    from ui.checkpoint import checkpoint_file_name
    from ui.state import new_experiment

    exp = new_experiment(ExperimentConfig(task=TaskConfig(name="copy")))
    exp.advance(max_steps=3)
    assert checkpoint_file_name(exp) == "rnn-explorer_copy_lstm-32x1_step-3.pt"
    assert np.isfinite(exp.trainer.history.loss).all()
