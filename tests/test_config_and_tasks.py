"""ExperimentConfig validation and round trips; every task's batches, labels and data checks."""

from __future__ import annotations

import json
import re
from dataclasses import MISSING, fields, replace

import numpy as np
import pytest
import torch

from rnn_core.config import CELLS, SECTIONS, TASK_NAMES, ExperimentConfig, ModelConfig, TaskConfig, TrainConfig
from rnn_core.data.task import PROBE_SEED
from rnn_core.data.tasks import TASK_CLASSES, make_task
from rnn_core.data.texts import arithmetic_text, brackets_text, check_user_text, decode_upload, grammar_text, numeric_columns


def test_config_round_trips_through_json_and_is_hashable():
    cfg = ExperimentConfig(task=TaskConfig(name="copy", delay=30), model=ModelConfig(cell="gru", hidden_size=64), seed=7)
    again = ExperimentConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert again == cfg and hash(again) == hash(cfg)
    assert cfg.with_changes(model={"cell": "lstm"}, seed=3).model.cell == "lstm"
    assert cfg.with_changes(model={"cell": "lstm"}).model.hidden_size == 64


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda: ModelConfig(hidden_size=0), "hidden_size must be between 1 and 1024, got 0"),
        (lambda: ModelConfig(cell="transformer"), "cell must be one of"),
        (lambda: TaskConfig(seq_len=5000), "seq_len must be between 1 and 1000, got 5000"),
        (lambda: TrainConfig(lr=-1), "lr must be between 0.0 and 1000.0, got -1"),
        (lambda: ExperimentConfig(seed=-1), "seed must be between"),
        (lambda: ExperimentConfig.from_dict({"model": {"colour": 1}}), "unknown model settings: colour"),
        (lambda: ExperimentConfig.from_dict({"extra": 1}), "unknown configuration keys: extra"),
    ],
)
def test_bad_settings_raise_with_the_value_and_the_limit(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_next_number_windows_are_the_notes():
    task = make_task(TaskConfig(name="next_number", count_to=20, seq_len=5))
    assert task.windows().tolist() == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12, 13, 14, 15], [16, 17, 18, 19, 20]]
    batch = task.sample(8, torch.Generator().manual_seed(0))
    assert batch.x.shape == batch.y.shape == (8, 5, 1)
    torch.testing.assert_close(batch.y, batch.x + 1 / 20)  # the next number, scaled by the largest
    assert batch.x.max() <= 1.0
    assert task.input_labels(batch.x[0]) == [str(n) for n in range(int(batch.x[0, 0, 0] * 20), int(batch.x[0, 0, 0] * 20) + 5)]
    with pytest.raises(ValueError, match="counting to 4 gives no window of 5"):
        make_task(TaskConfig(name="next_number", count_to=4, seq_len=5))


TASKS = {
    "next_number": ("regression", "many_to_many", (16, 12, 1), (16, 12, 1)),
    "sine": ("regression", "many_to_many", (16, 12, 1), (16, 12, 1)),
    "copy": ("classification", "many_to_many", (16, 8), (16, 8)),
    "adding": ("regression", "many_to_one", (16, 12, 2), (16, 1)),
    "parity": ("classification", "many_to_one", (16, 12, 1), (16,)),
    "characters": ("classification", "many_to_many", (16, 12), (16, 12)),
}


@pytest.mark.parametrize("name", list(TASKS))
def test_every_task_describes_itself_and_draws_reproducible_batches(name):
    task = make_task(TaskConfig(name=name, seq_len=12, delay=7, text_source="grammar"))
    kind, mode, x_shape, y_shape = TASKS[name]
    assert (task.kind, task.mode) == (kind, mode)
    assert len(task.description) > 80 and task.title
    a = task.sample(16, torch.Generator().manual_seed(5))
    b = task.sample(16, torch.Generator().manual_seed(5))
    assert a.x.shape == x_shape and a.y.shape == y_shape and a.mask.shape == x_shape[:2]
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    assert not torch.equal(a.x, task.sample(16, torch.Generator().manual_seed(6)).x)
    assert torch.equal(task.probe_batch(4).x, task.sample(4, torch.Generator().manual_seed(PROBE_SEED)).x)
    assert len(task.input_labels(a.x[0])) == a.x.shape[1]
    assert task.output_label(a.y.reshape(16, -1)[0, 0])


def test_copy_target_is_the_first_symbol_and_only_the_recall_step_counts():
    task = make_task(TaskConfig(name="copy", delay=6, symbols=3))
    batch = task.sample(32, torch.Generator().manual_seed(0))
    assert batch.x.shape == (32, 7) and task.input_size == 4 and task.output_size == 3
    assert torch.equal(batch.y[:, -1], batch.x[:, 0])
    assert torch.all(batch.x[:, -1] == task.go)
    assert batch.mask[:, -1].all() and not batch.mask[:, :-1].any()
    assert task.input_labels(batch.x[0])[-1] == "go"


def test_adding_target_is_the_sum_of_the_two_marked_values():
    batch = make_task(TaskConfig(name="adding", seq_len=10)).sample(64, torch.Generator().manual_seed(0))
    values, marks = batch.x[..., 0], batch.x[..., 1]
    assert torch.all(marks.sum(dim=1) == 2)
    assert torch.all(marks[:, :5].sum(dim=1) == 1)  # one mark in each half
    torch.testing.assert_close(batch.y[:, 0], (values * marks).sum(dim=1))


def test_parity_target_counts_the_ones():
    batch = make_task(TaskConfig(name="parity", seq_len=9)).sample(64, torch.Generator().manual_seed(0))
    assert torch.equal(batch.y, batch.x[..., 0].sum(dim=1).long() % 2)


def test_sine_target_is_the_value_horizon_steps_ahead():
    task = make_task(TaskConfig(name="sine", seq_len=30, period=10.0, horizon=3))
    batch = task.sample(4, torch.Generator().manual_seed(0))
    torch.testing.assert_close(batch.y[:, :-3], batch.x[:, 3:])  # without noise the target is the input shifted


def test_hello_has_the_notes_vocabulary_and_one_window():
    task = make_task(TaskConfig(name="characters", text_source="hello", seq_len=40))
    assert task.vocab == ["h", "e", "l", "o"] and task.seq_len == 4
    batch = task.sample(2, torch.Generator().manual_seed(0))
    assert task.decode(batch.x[0]) == "hell" and task.decode(batch.y[0]) == "ello"


def test_built_in_texts_hold_their_patterns():
    for line in brackets_text(3000).splitlines()[:-1]:
        depth = 0
        for c in line:
            depth += 1 if c == "(" else -1
            assert 0 <= depth <= 5
        assert depth == 0
    for line in arithmetic_text(3000).splitlines()[:-1]:
        left, total = line.split("=")
        a, b = left.split("+")
        assert int(a) + int(b) == int(total)
    for line in grammar_text(3000).splitlines()[:-1]:
        words = line.rstrip(".").split()
        subject, verb = words[-4], words[-3]
        assert subject.endswith("s") or subject == "children" or verb.endswith("s")
        assert not (verb.endswith("s") and (subject.endswith("s") or subject == "children"))
    assert brackets_text() == brackets_text()  # the same text on every machine


def test_custom_text_and_its_checks():
    task = make_task(TaskConfig(name="characters", text_source="custom", seq_len=8), user_text="abcabcabcabc")
    assert task.vocab == ["a", "b", "c"] and task.source == "custom"
    with pytest.raises(ValueError, match="needs your text"):
        make_task(TaskConfig(name="characters", text_source="custom"))
    with pytest.raises(ValueError, match="empty"):
        check_user_text("   ", 5)
    with pytest.raises(ValueError, match="single character"):
        check_user_text("aaaaaaaa", 5)
    with pytest.raises(ValueError, match="needs at least 11"):
        check_user_text("abc", 10)


def test_uploads_are_decoded_or_refused_with_a_reason():
    assert decode_upload("héllo".encode()) == "héllo"
    with pytest.raises(ValueError, match="empty"):
        decode_upload(b"")
    with pytest.raises(ValueError, match="binary"):
        decode_upload(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(ValueError, match="not UTF-8"):
        decode_upload("héllo".encode("latin-1"))


def test_csv_series_becomes_a_normalised_windowed_task():
    columns = numeric_columns(b"day,temp,label\n1,10.5,a\n2,11.0,b\n3,,c\n4,12.5,d\n5,13.0,e\n6,12.0,f\n")
    assert list(columns) == ["day", "temp"]
    np.testing.assert_array_equal(columns["temp"], [10.5, 11.0, 12.5, 13.0, 12.0])
    task = make_task(TaskConfig(name="series", seq_len=3), user_series=columns["temp"], column="temp")
    assert abs(float(task.values.mean())) < 1e-6 and abs(float(task.values.std(unbiased=False)) - 1) < 1e-5
    batch = task.sample(5, torch.Generator().manual_seed(0))
    assert batch.x.shape == (5, 3, 1)
    assert task.input_labels(torch.tensor([[0.0]]))[0] == f"{np.mean([10.5, 11.0, 12.5, 13.0, 12.0]):.4g}"
    with pytest.raises(ValueError, match="no numeric column"):
        numeric_columns(b"a,b\nx,y\n")
    with pytest.raises(ValueError, match="needs at least 11"):
        make_task(TaskConfig(name="series", seq_len=10), user_series=columns["temp"])
    with pytest.raises(ValueError, match="upload one"):
        make_task(TaskConfig(name="series"))


# ---- the task rules, one place each ----------------------------------------------------------------------------


def test_every_task_name_has_its_class_and_every_option_is_a_task_setting():
    assert tuple(TASK_CLASSES) == TASK_NAMES
    settings = {f.name for f in fields(TaskConfig)} - {"name"}
    for cls in TASK_CLASSES.values():
        assert set(cls.options) <= settings and cls.options
    assert [n for n, c in TASK_CLASSES.items() if c.allows_bidirectional] == ["adding", "parity"]
    assert [n for n, c in TASK_CLASSES.items() if c.tokens] == ["copy", "characters"]


@pytest.mark.parametrize("name", [n for n in TASK_NAMES if n != "series"])
def test_a_task_reads_its_options_and_nothing_else(name):
    """Changing a setting outside ``Task.options`` leaves the batches as they were: the sidebar hides exactly those."""
    base = TaskConfig(name=name, seq_len=12, text_source="grammar" if name == "characters" else "hello")
    options = TASK_CLASSES[name].options
    others = {"seq_len": 9, "period": 7.0, "noise": 0.3, "horizon": 3, "delay": 5, "symbols": 6, "count_to": 60, "text_source": "brackets"}
    for field_name, value in others.items():
        changed = make_task(replace(base, **{field_name: value})).sample(4, torch.Generator().manual_seed(0))
        batch = make_task(base).sample(4, torch.Generator().manual_seed(0))
        same = torch.equal(changed.x, batch.x) and torch.equal(changed.y, batch.y)
        assert same == (field_name not in options), field_name


def test_the_users_own_data_is_known_from_the_configuration_and_kept_by_the_task():
    text = TaskConfig(name="characters", text_source="custom")
    assert text.uses_user_text and text.uses_user_data and not text.uses_user_series
    assert not TaskConfig(name="sine", text_source="custom").uses_user_data  # the sine wave reads no text
    assert TaskConfig(name="series").uses_user_series
    assert make_task(text, user_text="abcab").user_data() == {"user_text": "abcab"}
    assert make_task(TaskConfig(name="characters")).user_data() == {}
    series = make_task(TaskConfig(name="series", seq_len=3), user_series=np.arange(6.0), column="t").user_data()
    assert series["column"] == "t" and series["user_series"].tolist() == [0, 1, 2, 3, 4, 5]
    assert make_task(TaskConfig(name="adding")).many_to_one and not make_task(TaskConfig(name="copy")).many_to_one


@pytest.mark.parametrize(
    "data,message",
    [
        ({"model": {"hidden_size": 3.5}}, "hidden_size must be a whole number, got 3.5"),
        ({"model": {"bidirectional": 1}}, "bidirectional must be true or false, got 1"),
        ({"train": {"lr": "fast"}}, "lr must be a number, got 'fast'"),
        ({"task": {"name": 7}}, "name must be a word, got 7"),
        ({"seed": True}, "seed must be a whole number, got True"),
        ({"task": [1, 2]}, "the task settings must be a mapping, got list"),
        ({"model": {"hidden_size": 10**5000}}, "hidden_size must be between 1 and 1024, got a number of about 5,000 digits"),
        ([1], "a configuration must be a mapping"),
    ],
)
def test_a_configuration_from_a_file_is_checked_for_types(data, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ExperimentConfig.from_dict(data)


def test_numbers_of_other_types_are_stored_as_the_fields_own():
    config = ExperimentConfig.from_dict({"model": {"hidden_size": np.int64(4)}, "train": {"lr": 1}})
    assert type(config.model.hidden_size) is int and type(config.train.lr) is float
    assert config == ExperimentConfig(model=ModelConfig(hidden_size=4), train=TrainConfig(lr=1.0))


def test_a_series_of_huge_finite_numbers_is_standardised_without_overflow():
    task = make_task(TaskConfig(name="series", seq_len=1), user_series=np.array([1e308, -1e308, 1e308]))
    np.testing.assert_allclose(task.values.numpy(), [0.70710677, -1.4142135, 0.70710677], rtol=1e-6)
    assert task.input_labels(torch.tensor([[0.0]]))[0] == f"{1e308 / 3:.4g}"


def test_every_setting_says_what_it_accepts_and_what_its_control_offers_within_that():
    for cls in (*SECTIONS.values(), ExperimentConfig):
        for f in fields(cls):
            if f.default is MISSING:  # a section of ExperimentConfig
                continue
            facts = f.metadata["setting"]
            if isinstance(f.default, bool):
                assert facts.bounds is facts.choices is None, f.name
                continue
            assert (facts.bounds is None) != (facts.choices is None), f.name  # a range or a list of choices, not both
            if facts.label is None:  # no control: a link cannot set it either
                continue
            if facts.choices is not None:
                assert f.default in facts.choices, f.name
                continue
            offered = facts.values or facts.span
            assert offered is not None, f"{f.name} has a control but offers nothing"
            assert all(facts.bounds[0] <= v <= facts.bounds[1] for v in offered), f.name
            assert facts.values is None or f.default in facts.values, f.name
    cell = {f.name: f for f in fields(ModelConfig)}["cell"].metadata["setting"]
    assert tuple(cell.choices) == CELLS and cell.choices["mlp"] == "MLP on windows"
