"""The sidebar's model builder: widgets → a draft ExperimentConfig → a new model, when the user says so.

Each widget is built by :func:`control` from its field's :class:`~rnn_core.config.Setting` (label, choices and their
titles, range or values, step, help); what is left here is the layout, which field shows when, and the server's
limits. Widgets keep their values under ``cfg__<section>__<field>`` keys (ui/keys.py), seeded from the applied
configuration whenever a key is missing (Streamlit drops the state of widgets a run does not draw). A draft that
differs from the applied configuration rebuilds at once while nothing is trained yet; after that, only on the
user's click.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import streamlit as st

from rnn_core.config import BATCH_SIZES, HIDDEN_SIZES, SECTIONS, ExperimentConfig, TaskConfig
from rnn_core.data.tasks import TASK_CLASSES, make_task
from rnn_core.data.texts import decode_upload, numeric_columns
from rnn_core.nn.cell_facts import CELLS
from ui import settings
from ui.keys import USER_COLUMN, USER_COLUMNS, USER_TEXT
from ui.keys import config_widget as key
from ui.presentation import presenting
from ui.settings import raise_hint
from ui.state import Experiment

CONTROLLED = SECTIONS | {"run": ExperimentConfig}  # widget sections -> the configuration class whose fields they set


def up_to(options, limit: int) -> list[int]:
    """The options this server allows, and the limit itself when it falls between two of them."""
    return sorted({o for o in options if o <= limit} | {limit})


def span(section: str, name: str, low, high) -> tuple:
    """A widget's usual range, widened to hold its current value: a link or a checkpoint may bring any value the
    configuration accepts, and a widget given a value outside its range would stop the page."""
    value = type(low)(st.session_state[key(section, name)])
    return min(low, value), max(high, value)


def including(section: str, name: str, options: list) -> list:
    """A select slider's options and its current value (for the same reason as :func:`span`)."""
    return sorted(set(options) | {st.session_state[key(section, name)]})


def control(section: str, name: str, *, label: str | None = None, low=None, high=None, values=None, step=None, help=None, **options):
    """The sidebar widget for one configuration field, as its Setting describes it: a select box for a choice, a check
    box for a flag, a select slider over ``values``, a number box (``entry``) or a slider over a span. The keyword
    arguments replace what depends on the server's limits or on other choices; ``options`` go to the widget as they
    are (``disabled``, ``format_func``)."""
    field = next(f for f in fields(CONTROLLED[section]) if f.name == name)
    facts = field.metadata["setting"]
    label, help, widget_key = label or facts.label, help if help is not None else facts.help, key(section, name)
    if facts.choices is not None:
        titles = facts.choices
        options.setdefault("format_func", titles.get if any(titles.values()) else str)
        return st.selectbox(label, list(titles), key=widget_key, help=help, **options)
    if isinstance(field.default, bool):
        return st.checkbox(label, key=widget_key, help=help, **options)
    if facts.values is not None:
        if facts.zero is not None:
            options.setdefault("format_func", lambda v: facts.zero if v == 0 else f"{v:g}")
        return st.select_slider(label, including(section, name, values or facts.values), key=widget_key, help=help, **options)
    low, high = facts.span[0] if low is None else low, facts.span[1] if high is None else high
    if facts.entry:
        return st.number_input(label, *span(section, name, low, high), step=step or facts.step, key=widget_key, help=help, **options)
    return st.slider(label, *span(section, name, low, high), step=step or facts.step, key=widget_key, help=help, **options)


def limit_help(field: str) -> str:
    return f"This server allows up to {getattr(settings.LIMITS, field):,}, so that every student's model stays live. {raise_hint(field)}"


def seed_widget_state(config: ExperimentConfig) -> None:
    """Give every missing widget key the applied configuration's value."""
    for section in SECTIONS:
        for f in fields(getattr(config, section)):
            st.session_state.setdefault(key(section, f.name), getattr(getattr(config, section), f.name))
    st.session_state.setdefault(key("run", "seed"), config.seed)


def revert_widgets(config: ExperimentConfig) -> None:
    """Put the widgets back to the applied configuration (an on_click callback: runs before the widgets exist)."""
    for section in SECTIONS:
        for f in fields(getattr(config, section)):
            st.session_state[key(section, f.name)] = getattr(getattr(config, section), f.name)
    st.session_state[key("run", "seed")] = config.seed


def draft_config() -> ExperimentConfig:
    """The configuration the widgets describe; ValueError if a value is out of range."""
    built = {name: cls(**{f.name: st.session_state[key(name, f.name)] for f in fields(cls)}) for name, cls in SECTIONS.items()}
    return ExperimentConfig(**built, seed=int(st.session_state[key("run", "seed")]))


def task_widgets() -> None:
    """The task and the options it reads (``Task.options``); the user's own data where the task trains on it."""
    name = control("task", "name", format_func=lambda n: TASK_CLASSES[n].title)
    options = TASK_CLASSES[name].options
    limits = settings.LIMITS
    if "delay" in options:
        control("task", "delay", high=max(3, min(100, limits.seq_len - 1)), help=limit_help("seq_len"))
    if "symbols" in options:
        control("task", "symbols")
    if "seq_len" in options:
        control("task", "seq_len", high=limits.seq_len, help=limit_help("seq_len"))
    for field_name in ("period", "noise", "horizon", "count_to", "text_source"):
        if field_name in options:
            control("task", field_name)
    asked = TaskConfig(name=name, text_source=st.session_state[key("task", "text_source")])
    if asked.uses_user_text:
        user_text_widgets()
    if asked.uses_user_series:
        user_series_widgets()


def user_text_widgets() -> None:
    upload = st.file_uploader("Upload a UTF-8 text file", type=["txt", "md", "csv", "py"], key="upload_text")
    if upload is not None:
        try:
            st.session_state[USER_TEXT] = decode_upload(upload.getvalue())
        except ValueError as e:
            st.error(f"That file was not used: {e}.")
    pasted = st.text_area("…or paste text", value=st.session_state.get(USER_TEXT, ""), height=120, key="paste_text")
    if pasted and pasted != st.session_state.get(USER_TEXT):
        st.session_state[USER_TEXT] = pasted
    text, seq_len = st.session_state.get(USER_TEXT) or "", st.session_state[key("task", "seq_len")]
    if 2 < len(text) <= seq_len:  # Characters shortens the sequences to fit: say so rather than do it silently
        st.info(
            f"Your text has {len(text)} characters, fewer than a sequence of {seq_len} steps needs ({seq_len + 1}): "
            f"each training sequence is the whole text, {len(text) - 1} steps long."
        )


def user_series_widgets() -> None:
    upload = st.file_uploader("Upload a CSV file", type=["csv", "txt"], key="upload_csv")
    if upload is not None:
        try:
            st.session_state[USER_COLUMNS] = numeric_columns(upload.getvalue())
        except ValueError as e:
            st.error(f"That file was not used: {e}.")
    columns = st.session_state.get(USER_COLUMNS)
    if columns:
        st.selectbox("Column", list(columns), key=USER_COLUMN)
    else:
        st.info("Upload a CSV file with at least one numeric column.")


def model_widgets(task_name: str) -> None:
    limits = settings.LIMITS
    cell = control("model", "cell")
    control("model", "hidden_size", values=up_to(HIDDEN_SIZES, limits.hidden_size), help=limit_help("hidden_size"))
    control("model", "num_layers", high=limits.layers, help=limit_help("layers"))
    allows = TASK_CLASSES[task_name].allows_bidirectional
    if not allows:
        st.session_state[key("model", "bidirectional")] = False
    control("model", "bidirectional", disabled=not allows or cell == "mlp")
    control("model", "dropout", disabled=st.session_state[key("model", "num_layers")] == 1)
    control("model", "init")
    init = st.session_state[key("model", "init")]
    if init == "constant":
        control("model", "init_value")
    elif init == "orthogonal":
        control(
            "model",
            "init_value",
            label="Gain of W_hh",
            low=0.1,
            step=0.1,
            help="Every eigenvalue of an orthogonal W_hh scaled by the gain has |λ| = gain: below 1 a plain RNN's gradients "
            "start vanishing, above 1 exploding.",
        )
    if cell in CELLS and CELLS[cell].memory_gate:
        control("model", "memory_gate_bias")
    if cell == "mlp":
        control("model", "window")
    if cell in CELLS and CELLS[cell].mode == "S6":
        control("model", "state_size")
    if TASK_CLASSES[task_name].tokens:
        control("model", "encoding")


def training_widgets(task_name: str) -> None:
    limits = settings.LIMITS
    control("train", "optimizer")
    control("train", "lr")
    control("train", "batch_size", values=up_to(BATCH_SIZES, limits.batch_size), help=limit_help("batch_size"))
    control("train", "clip_norm")
    control("train", "tbptt")
    if TASK_CLASSES[task_name].streams:
        control("train", "stateful")
    control("run", "seed")


def user_data_changed(exp: Experiment, user_text: str | None, user_series, column: str | None) -> bool:
    """Whether the user's text or series differs from what the current task was built on (it is not in the config)."""
    task, config = exp.task, exp.config.task
    if config.uses_user_text:
        return user_text is not None and user_text != task.text
    if config.uses_user_series and user_series is not None:
        return column != task.column or not np.array_equal(user_series, task.raw)
    return False


def model_builder(exp: Experiment) -> None:
    """Draw the builder and apply the draft when that loses nothing or the user asks."""
    seed_widget_state(exp.config)
    with st.expander("Task", expanded=not presenting()):
        task_widgets()
    with st.expander("Model", expanded=not presenting()):
        model_widgets(st.session_state[key("task", "name")])
    with st.expander("Training", expanded=False):
        training_widgets(st.session_state[key("task", "name")])
    try:
        draft = draft_config()
        columns = st.session_state.get(USER_COLUMNS) or {}
        column = st.session_state.get(USER_COLUMN)
        user_text, user_series = st.session_state.get(USER_TEXT), columns.get(column)
        if draft == exp.config and not user_data_changed(exp, user_text, user_series, column):
            return
        task = make_task(draft.task, user_text=user_text, user_series=user_series, column=column or "value")
        settings.LIMITS.check(draft, task)
    except ValueError as e:
        st.error(str(e)[:1].upper() + str(e)[1:] + ".")
        return
    if exp.trainer.step == 0 and not exp.running:
        exp.rebuild(draft, task)
        return
    st.warning(f"These settings need a new model. The current one (trained for {exp.trainer.step} steps) stays until you choose.")
    left, right = st.columns(2)
    left.button("Rebuild", on_click=exp.rebuild, args=(draft, task), type="primary", key="rebuild")
    right.button("Keep model", on_click=revert_widgets, args=(exp.config,), key="revert")
