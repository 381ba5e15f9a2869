"""The sidebar's model builder: widgets → a draft ExperimentConfig → a new model, when the user says so.

Widgets keep their values under ``cfg__<section>__<field>`` keys, seeded from the applied
configuration whenever a key is missing (Streamlit drops the state of widgets a run does
not draw). A draft that differs from the applied configuration rebuilds at once while
nothing is trained yet; after that, only on the user's click.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import streamlit as st

from rnn_core.config import SECTIONS, ExperimentConfig, TaskConfig
from rnn_core.data.tasks import TASK_CLASSES, make_task
from rnn_core.data.texts import decode_upload, numeric_columns
from rnn_core.nn.cell_facts import CELLS
from rnn_core.train.models import CELL_TITLES
from ui import settings
from ui.presentation import presenting
from ui.settings import raise_hint
from ui.state import CONFIG_WIDGET_PREFIX, Experiment

TEXT_TITLES = {
    "hello": "hello (the notes)",
    "brackets": "Nested brackets",
    "arithmetic": "Sums like 12+7=19",
    "grammar": "Small grammar",
    "custom": "Your own text",
}
HIDDEN_SIZES = [1, 2, 3, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
BATCH_SIZES = [1, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
LEARNING_RATES = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]
USER_TEXT, USER_COLUMNS, USER_COLUMN = "user_text", "user_columns", "user_column"


def key(section: str, name: str) -> str:
    return f"{CONFIG_WIDGET_PREFIX}{section}__{name}"


def up_to(options: list[int], limit: int) -> list[int]:
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
    name = st.selectbox("Task", list(TASK_CLASSES), format_func=lambda n: TASK_CLASSES[n].title, key=key("task", "name"))
    options = TASK_CLASSES[name].options
    if "delay" in options:
        st.slider(
            "Delay (steps to remember)",
            *span("task", "delay", 2, max(3, min(100, settings.LIMITS.seq_len - 1))),
            key=key("task", "delay"),
            help=limit_help("seq_len"),
        )
    if "symbols" in options:
        st.slider("Symbols", *span("task", "symbols", 2, 10), key=key("task", "symbols"))
    if "seq_len" in options:
        st.slider(
            "Sequence length T",
            *span("task", "seq_len", 2, settings.LIMITS.seq_len),
            key=key("task", "seq_len"),
            help=limit_help("seq_len"),
        )
    if "period" in options:
        st.slider("Period (steps per cycle)", *span("task", "period", 4.0, 100.0), step=1.0, key=key("task", "period"))
    if "noise" in options:
        st.slider("Noise", *span("task", "noise", 0.0, 0.5), step=0.05, key=key("task", "noise"))
    if "horizon" in options:
        st.slider("Forecast horizon", *span("task", "horizon", 1, 20), key=key("task", "horizon"))
    if "count_to" in options:
        st.number_input("Count to", 3, 100_000, key=key("task", "count_to"))
    if "text_source" in options:
        st.selectbox("Text", list(TEXT_TITLES), format_func=TEXT_TITLES.get, key=key("task", "text_source"))
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
    cell = st.selectbox("Cell", list(CELL_TITLES), format_func=CELL_TITLES.get, key=key("model", "cell"))
    st.select_slider(
        "Hidden units H",
        including("model", "hidden_size", up_to(HIDDEN_SIZES, settings.LIMITS.hidden_size)),
        key=key("model", "hidden_size"),
        help=limit_help("hidden_size"),
    )
    st.slider("Layers", *span("model", "num_layers", 1, settings.LIMITS.layers), key=key("model", "num_layers"), help=limit_help("layers"))
    allows = TASK_CLASSES[task_name].allows_bidirectional
    if not allows:
        st.session_state[key("model", "bidirectional")] = False
    st.checkbox(
        "Bidirectional",
        key=key("model", "bidirectional"),
        disabled=not allows or cell == "mlp",
        help="Only for tasks that answer after the whole sequence: elsewhere reading ahead would see the answer.",
    )
    st.slider(
        "Dropout between layers",
        *span("model", "dropout", 0.0, 0.5),
        step=0.05,
        key=key("model", "dropout"),
        disabled=st.session_state[key("model", "num_layers")] == 1,
    )
    st.selectbox(
        "Initialisation",
        ["default", "orthogonal", "constant"],
        key=key("model", "init"),
        format_func={"default": "PyTorch default", "orthogonal": "Orthogonal W_hh × a gain", "constant": "Every weight = a constant"}.get,
    )
    init = st.session_state[key("model", "init")]
    if init == "constant":
        st.number_input("Constant", *span("model", "init_value", -10.0, 10.0), step=0.5, key=key("model", "init_value"))
    elif init == "orthogonal":
        st.number_input(
            "Gain of W_hh",
            *span("model", "init_value", 0.1, 10.0),
            step=0.1,
            key=key("model", "init_value"),
            help="Every eigenvalue of an orthogonal W_hh scaled by the gain has |λ| = gain: below 1 a plain RNN's gradients "
            "start vanishing, above 1 exploding.",
        )
    if cell in CELLS and CELLS[cell].memory_gate:
        st.slider(
            "Memory gate bias (forget / update)",
            *span("model", "memory_gate_bias", 0.0, 5.0),
            step=0.5,
            key=key("model", "memory_gate_bias"),
            help="Starts the LSTM's forget gate (GRU's update gate) open: 3 keeps about 95 % of the memory per step.",
        )
    if cell == "mlp":
        st.slider("Window (steps the MLP sees)", *span("model", "window", 1, 50), key=key("model", "window"))
    if TASK_CLASSES[task_name].tokens:
        st.selectbox(
            "Input encoding",
            ["onehot", "embedding"],
            key=key("model", "encoding"),
            format_func={"onehot": "One-hot", "embedding": "Learned embedding"}.get,
        )


def training_widgets() -> None:
    st.selectbox(
        "Optimiser",
        ["adam", "sgd", "rmsprop"],
        key=key("train", "optimizer"),
        format_func={"adam": "Adam", "sgd": "SGD with momentum", "rmsprop": "RMSprop"}.get,
    )
    st.select_slider("Learning rate", including("train", "lr", LEARNING_RATES), key=key("train", "lr"))
    st.select_slider(
        "Batch size",
        including("train", "batch_size", up_to(BATCH_SIZES, settings.LIMITS.batch_size)),
        key=key("train", "batch_size"),
        help=limit_help("batch_size"),
    )
    st.select_slider(
        "Clip gradient norm at",
        including("train", "clip_norm", [0.0, 0.1, 0.5, 1.0, 5.0, 10.0]),
        key=key("train", "clip_norm"),
        format_func=lambda v: "off" if v == 0 else f"{v:g}",
    )
    st.slider("Truncated BPTT length (0 = whole sequence)", *span("train", "tbptt", 0, 100), key=key("train", "tbptt"))
    st.number_input("Seed", 0, 2**31 - 1, key=key("run", "seed"))


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
        training_widgets()
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
