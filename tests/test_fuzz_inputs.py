"""Hostile input, fuzzed: links, checkpoint files and uploads, through the same pure code the app runs on them.

Each property says what must hold for every input: a link always opens an experiment this server can build
(and the link written back reopens it exactly); a file is either refused with a ValueError sentence or gives a
model that trains and can be looked at. Hypothesis runs a fixed set of cases (tests/fuzz.py) and, on a failure,
prints the smallest link or file that breaks the rule.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rnn_core.config import USER_DATA_CHOICES, ExperimentConfig, ModelConfig, TaskConfig, TrainConfig
from rnn_core.data.tasks import make_task
from rnn_core.data.texts import check_user_text, decode_upload, numeric_columns
from rnn_core.inspect.probes import take_snapshot
from rnn_core.train.checkpoints import read_checkpoint, restore_trainer, save_checkpoint
from rnn_core.train.trainer import Trainer
from tests.fuzz import FUZZ, PARAMETER_NAMES, json_values, links
from ui.link_params import buildable, config_from_params, config_to_params, refusal
from ui.settings import Limits

LIMITS = Limits()  # the shipped defaults, not this machine's environment


# ---- links ----------------------------------------------------------------------------------------------------


@settings(FUZZ, max_examples=500)
@given(links())
@example({"text_source": "custom"})  # the link that broke every page: AttributeError in the limits check
@example({"task": "sine", "text_source": "custom"})
@example({"task": "characters", "text_source": "custom", "seq_len": "3"})
@example({"task": "series", "seq_len": "500"})
@example({"task": "next_number", "count_to": "5", "seq_len": "200"})
@example({"task": "copy", "bidirectional": "1", "delay": "200", "hidden_size": "256", "num_layers": "4", "batch_size": "256"})
def test_every_link_opens_an_experiment_this_server_builds_and_its_own_link_reopens_it(params):
    config, steps, _, problems = config_from_params(params)
    config = buildable(config, problems, check=LIMITS.check)
    assert refusal(config, LIMITS.check) is None
    assert not config.task.uses_user_data  # a link never asks for data it cannot carry
    assert steps >= 0 and all(isinstance(p, str) and p for p in problems)
    assert all(any(f"`{name}`" in p for p in problems) for name in params if name not in PARAMETER_NAMES)  # each named
    again, again_steps, _, again_problems = config_from_params(config_to_params(config, steps))
    assert (again, again_steps, again_problems) == (config, steps, [])


def test_user_data_choices_in_a_link_cost_only_themselves():
    for field_name, (value, what) in USER_DATA_CHOICES.items():
        name = "task" if field_name == "name" else field_name
        config, _, _, problems = config_from_params({name: value, "cell": "gru"})
        assert config == ExperimentConfig(model=ModelConfig(cell="gru"))
        assert problems == [f"`{name}={value}`: a link cannot carry {what}, so the default stands in: add yours under Task"]


# ---- checkpoints ------------------------------------------------------------------------------------------------

TEXT_MODEL = ExperimentConfig(
    task=TaskConfig(name="characters", text_source="custom", seq_len=6), model=ModelConfig(cell="lstm", hidden_size=3)
)
SERIES_MODEL = ExperimentConfig(task=TaskConfig(name="series", seq_len=5), model=ModelConfig(cell="gru", hidden_size=2, num_layers=2))
PLAIN_MODEL = ExperimentConfig(
    task=TaskConfig(name="adding", seq_len=6), model=ModelConfig(cell="rnn_tanh", hidden_size=3, bidirectional=True), train=TrainConfig()
)
USER = {TEXT_MODEL: {"user_text": "abcab cab"}, SERIES_MODEL: {"user_series": np.arange(12.0), "column": "x"}, PLAIN_MODEL: {}}


def _file(config: ExperimentConfig) -> bytes:
    trainer = Trainer(config, make_task(config.task, **USER[config]))
    trainer.run(2)
    return save_checkpoint(trainer)


GOOD_FILES = {config: _file(config) for config in USER}


def opens_or_is_refused(data: bytes) -> None:
    """What the sidebar's loader does with a file: read it, restore it under the server's limits, then train a
    step and look inside, as the next page would. Only a ValueError (a sentence for the page) may stop it."""
    try:
        checkpoint = read_checkpoint(data)
        trainer = restore_trainer(checkpoint, check=LIMITS.check)
    except ValueError as e:
        assert str(e)
        return
    assert trainer.step == checkpoint.step and len(trainer.history) == len(checkpoint.history)
    trainer.run(1)
    if trainer.model.recurrent:
        take_snapshot(trainer.model, trainer.task, trainer.probe, trainer.step)


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes_are_refused(data):
    with pytest.raises(ValueError):
        read_checkpoint(data)


@settings(FUZZ, max_examples=200)
@given(st.sampled_from(list(GOOD_FILES)), st.data())
def test_truncated_or_flipped_files_are_refused_or_open(config, data):
    good = GOOD_FILES[config]
    if data.draw(st.booleans(), label="truncate"):
        broken = good[: data.draw(st.integers(0, len(good) - 1), label="cut at")]
    else:
        broken = bytearray(good)
        for at in data.draw(st.lists(st.integers(0, len(good) - 1), min_size=1, max_size=4), label="flip at"):
            broken[at] ^= data.draw(st.integers(1, 255), label="with")
        broken = bytes(broken)
    opens_or_is_refused(broken)


def _tensor_like(original: torch.Tensor):
    """A replacement for a weight: the wrong shape, dtype or layout, or values no model should hold."""
    if not isinstance(original, torch.Tensor) or original.layout != torch.strided:  # replaced by an earlier mutation
        original = torch.ones(2, 3)
    shape = st.lists(st.integers(0, 4), max_size=3).map(tuple)
    return st.one_of(
        shape.map(lambda s: torch.zeros(s)),
        st.sampled_from([torch.float64, torch.float16, torch.int64, torch.bool, torch.complex64]).map(original.to),
        st.sampled_from([math.nan, math.inf, -math.inf, 1e38, -1e38, 0.0]).map(lambda v: torch.full_like(original, v)),
        st.just(original.to_sparse()) if original.dim() == 2 else st.just(original.t()),
        json_values(),
    )


@st.composite
def mutated_checkpoints(draw) -> dict:
    """A real checkpoint's contents with a few fields changed, dropped or added: what a crafted file can hold."""
    config = draw(st.sampled_from(list(GOOD_FILES)))
    raw = torch.load(io.BytesIO(GOOD_FILES[config]), weights_only=True)
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["top", "config", "state_dict", "history"]))
        if where == "top":
            key = draw(st.sampled_from([*raw, "extra"]))
            if draw(st.booleans()):
                raw.pop(key, None)
            else:
                raw[key] = draw(st.one_of(json_values(), st.just(torch.ones(3)), st.just(torch.ones(2, 2, dtype=torch.int64))))
        elif where == "config" and isinstance(raw.get("config"), dict):
            section = draw(st.sampled_from([*raw["config"], "extra"]))
            target = raw["config"].get(section)
            if isinstance(target, dict) and draw(st.booleans()):
                target[draw(st.sampled_from([*target, "extra"]))] = draw(json_values())
            else:
                raw["config"][section] = draw(json_values())
        elif where == "state_dict" and isinstance(raw.get("state_dict"), dict) and raw["state_dict"]:
            name = draw(st.sampled_from(sorted(raw["state_dict"])))
            if draw(st.integers(0, 4)) == 0:
                del raw["state_dict"][name]
            else:
                raw["state_dict"][name] = draw(_tensor_like(raw["state_dict"][name]))
        elif where == "history" and isinstance(raw.get("history"), list) and raw["history"]:
            row = draw(st.integers(0, len(raw["history"]) - 1))
            raw["history"][row] = draw(st.one_of(json_values(), st.lists(st.floats(), min_size=7, max_size=7)))
    return raw


@settings(FUZZ, max_examples=300)
@given(mutated_checkpoints())
def test_files_with_mutated_fields_are_refused_or_open(raw):
    buffer = io.BytesIO()
    torch.save(raw, buffer)
    opens_or_is_refused(buffer.getvalue())


# ---- uploads --------------------------------------------------------------------------------------------------


def trains_on_text(text: str, seq_len: int) -> None:
    """What the sidebar does with an uploaded or pasted text: build the task, check the limits, train a step."""
    config = ExperimentConfig(task=TaskConfig(name="characters", text_source="custom", seq_len=seq_len), model=ModelConfig(hidden_size=4))
    try:
        task = make_task(config.task, user_text=text)
        LIMITS.check(config, task)
    except ValueError as e:
        assert str(e)
        return
    assert task.user_data() == {"user_text": text} and 1 <= task.seq_len <= seq_len
    assert Trainer(config, task).run(1) == 1


@FUZZ
@given(st.binary(max_size=2000), st.integers(1, 200))
@example(b"\xef\xbb\xbf", 4)  # a byte-order mark and nothing else
@example(b"ab", 40)
def test_uploaded_bytes_become_a_text_or_a_reason(data, seq_len):
    try:
        text = decode_upload(data)
    except ValueError as e:
        assert str(e)
        return
    assert isinstance(text, str)
    trains_on_text(text, seq_len)


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-32", "latin-1", "cp1252", "shift_jis", "koi8-r", "ascii"]


@FUZZ
@given(st.text(max_size=300), st.sampled_from(ENCODINGS), st.integers(1, 50))
def test_texts_in_any_encoding_are_read_as_utf8_or_refused(text, encoding, seq_len):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return  # a text this encoding cannot write
    try:
        decoded = decode_upload(data)
    except ValueError as e:
        assert str(e)
        return
    if encoding in ("utf-8", "utf-8-sig") or text.isascii() and encoding != "utf-16" and encoding != "utf-32":
        assert decoded == text
    trains_on_text(decoded, seq_len)


@FUZZ
@given(st.text(max_size=400), st.integers(1, 60))
def test_any_pasted_text_trains_or_is_refused(text, seq_len):
    trains_on_text(text, seq_len)


CELL_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["", "NA", "null", "1,5", "1e999", "-", '"3"', "True"]),
    st.text(max_size=6),
)


@st.composite
def csv_files(draw) -> bytes:
    """CSV files of random shapes: header or none, ragged rows, any separator, numbers mixed with anything."""
    columns = draw(st.integers(1, 4))
    rows = draw(st.lists(st.lists(CELL_VALUES, min_size=0, max_size=columns + 1), max_size=60))
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    header = draw(st.lists(st.text(max_size=6), min_size=columns, max_size=columns)) if draw(st.booleans()) else []
    lines = [sep.join(header)] if header else []
    lines += [sep.join(row) for row in rows]
    return "\n".join(lines).encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"])), errors="replace")


@FUZZ
@given(csv_files(), st.integers(1, 30))
@example(b"v\n1\n2\n3\n", 1)
@example(b"a,b\n1e308,1e308\n-1e308,1e308\n1e308,-1e308\n", 1)  # finite numbers whose mean and spread overflow
def test_csv_uploads_give_series_that_train_or_a_reason(data, seq_len):
    try:
        columns = numeric_columns(data)
    except ValueError as e:
        assert str(e)
        return
    assert columns and all(isinstance(name, str) for name in columns)
    for name, values in columns.items():
        assert values.ndim == 1 and len(values) >= 2 and np.isfinite(values).all()
        config = ExperimentConfig(task=TaskConfig(name="series", seq_len=seq_len), model=ModelConfig(cell="gru", hidden_size=3))
        try:
            task = make_task(config.task, user_series=values, column=name)
        except ValueError as e:
            assert str(e)
            continue
        assert Trainer(config, task).run(1) == 1
        assert np.isfinite(task.values.numpy()).all()


def test_a_csv_read_back_is_the_numbers_written():
    frame = pd.DataFrame({"t": np.arange(5), "label": list("abcde"), "y": [0.5, None, 2.5, 3.5, 4.5]})
    columns = numeric_columns(frame.to_csv(index=False).encode())
    assert list(columns) == ["t", "y"]
    np.testing.assert_array_equal(columns["y"], [0.5, 2.5, 3.5, 4.5])
    assert check_user_text("abc", 2) == "abc"
