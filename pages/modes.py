"""Inputs and outputs: many to one, many to many, one to many and sequence to sequence, each on a model trained here."""

import numpy as np
import pandas as pd
import streamlit as st

import ui  # noqa: F401  (a fresh server's first page: see ui/__init__.py)
from rnn_core.config import CELL_TITLES, TEXT_TITLES, USER_DATA_CHOICES
from rnn_core.data.tasks import make_task
from rnn_core.lessons import seq2seq
from rnn_core.lessons.accuracy_runs import SMOOTHING, smoothed_accuracy
from rnn_core.lessons.modes import (
    MANY_TO_ONE,
    MODES,
    TEXT_STEPS,
    aligned_table,
    diagram_columns,
    one_to_many_table,
    readout_table,
    text_config,
)
from rnn_core.train.trainer import Trainer
from rnn_core.viz import io_mode_diagram, loss_curve, overlay_lines, per_step_bars
from ui import settings
from ui.charts import show_figure
from ui.controls import open_tab
from ui.encoder_decoder import encoder_decoder
from ui.keys import MODES_SHOWN, MODES_TEXT_MODEL, MODES_VIEW, USER_TEXT
from ui.state import current_experiment, train_apart

OWN_TEXT = USER_DATA_CHOICES["text_source"][0]


@st.cache_data(show_spinner=False)
def many_to_one_run(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same for every student (fixed configuration and seed): trained once per server."""
    config, steps = MANY_TO_ONE[name]
    trainer = Trainer(config, make_task(config.task))
    trainer.run(steps)
    return trainer.history, readout_table(trainer.model, trainer.task)


def shown(name: str, button: str, key: str) -> bool:
    """Whether this session has asked for ``name``'s model: its button now, or earlier (the page keeps showing it)."""
    seen = st.session_state.setdefault(MODES_SHOWN, set())
    if st.button(button, key=key, type="primary"):
        seen.add(name)
    return name in seen


def diagram(mode: str, where) -> None:
    columns, feedback = diagram_columns(mode)
    show_figure(io_mode_diagram(f"{MODES[mode].title}, unrolled", columns, feedback), where)


def many_to_one() -> None:
    left, right = st.columns([2, 3])
    diagram("many_to_one", left)
    name = right.radio(
        "Task",
        list(MANY_TO_ONE),
        format_func=lambda n: make_task(MANY_TO_ONE[n][0].task).title,
        horizontal=True,
        key="modes_m2o",
        persist_state="page",
    )
    config, steps = MANY_TO_ONE[name]
    m2o = make_task(config.task)
    right.markdown(
        f"{m2o.description} The network reads all {m2o.seq_len} steps; the head reads only the last state h_T, and the "
        f"loss is counted there alone. Here: {CELL_TITLES[config.model.cell]}, {config.model.hidden_size} units, trained "
        f"{steps} steps (seed {config.seed}):"
    )
    with right:
        trained = shown(name, f"Train the model ({steps:,} steps)", "modes_m2o_train")
    if not trained:
        return
    with st.spinner(f"Training {steps:,} steps…"):
        history, readouts = many_to_one_run(name)
    left, right = st.columns(2)
    if m2o.kind == "regression":
        show_figure(loss_curve(history.step.to_numpy(), history.loss.to_numpy(), np.array([]), np.array([])), left)
    else:
        curve = smoothed_accuracy(history)
        title = f"Accuracy (mean of {SMOOTHING} steps); chance is 50 %"
        show_figure(overlay_lines({"accuracy": (curve.step, curve.smoothed)}, title, "training step", "accuracy", log_y=False), left)
    value = "the answer" if m2o.kind == "regression" else "P(odd)"
    series = {
        f"sequence {s} (target {rows.target.iloc[0]})": (rows.step.to_numpy(), rows.readout.to_numpy())
        for s, rows in readouts.groupby("sequence")
    }
    title = f"The head on every h_t: {value} if the sequence ended at t"
    show_figure(overlay_lines(series, title, "time step t", value, log_y=False), right)
    st.dataframe(readouts.pivot(index="sequence", columns="step", values="input"), width="stretch")
    st.caption(
        (
            "The inputs of the four sequences drawn; the two marked numbers carry a *. "
            if name == "adding"
            else "The bits of the four sequences drawn. "
        )
        + "Only the answer after the last step is trained: the head's reading of the states before it is what the "
        "model would say of a shorter sequence, which nothing asked it to get right."
        + (
            " Parity sits at chance for a long time, then jumps: every bit matters, and no partial answer is partly right."
            if name == "parity"
            else ""
        )
    )


def character_model() -> None:
    st.markdown(
        "A character model reads a text one character at a time and, at **every** step, scores each character for the next "
        "one: many to many, one answer per input, the loss L_t at every step. The same model then **writes**: given one "
        "start character, it draws the next from its scores and reads its own draw as the next input: one to many."
    )
    left, right = st.columns(2)
    diagram("many_to_many", left)
    diagram("one_to_many", right)
    sources = [s for s in TEXT_TITLES if s != OWN_TEXT] + [OWN_TEXT]
    source = st.selectbox(
        "Text", sources, format_func=TEXT_TITLES.get, index=sources.index("grammar"), key="modes_text", persist_state="page"
    )
    user_text = None
    if source == OWN_TEXT:
        user_text = (
            st.text_area("Your text", value=st.session_state.get(USER_TEXT, ""), height=100, key="modes_own_text", persist_state="page")
            or None
        )
    text_model_config = text_config(source)
    try:
        text_task = make_task(text_model_config.task, user_text=user_text)
        settings.LIMITS.check(text_model_config, text_task)
    except ValueError as e:
        st.error(f"This text cannot be used: {e}.")
        return
    if st.button(f"Train a character model on it ({TEXT_STEPS} steps)", key="modes_text_train", type="primary"):
        with st.spinner(f"Training {TEXT_STEPS} steps…"):
            st.session_state[MODES_TEXT_MODEL] = train_apart(text_model_config, text_task, TEXT_STEPS)
    run = st.session_state.get(MODES_TEXT_MODEL)
    if run is None or run.config != text_model_config or run.task.text != text_task.text:
        st.info(f"Press the button to train an LSTM of 64 units on this text ({len(text_task.text):,} characters, "
                f"{len(text_task.vocab)} distinct), then see it read and write.")  # fmt: skip
        return
    model, text_task = run.model, run.task
    if run.step < TEXT_STEPS:
        st.warning(f"Training stopped at step {run.step:,} of {TEXT_STEPS:,}: what follows is that model. Press the button again to retry.")

    st.subheader("Many to many: an answer at every step")
    first_line = max(text_task.text.split("\n")[:20], key=len)[:30]  # a text box shows no line breaks
    probe = st.text_input("Text to read", value=first_line, max_chars=200, key="modes_probe", persist_state="page")
    try:
        aligned = aligned_table(model, text_task, probe)
    except ValueError as e:
        st.error(f"This text cannot be read: {e}.")
    else:
        show_figure(
            per_step_bars(aligned["loss L_t"].to_numpy(), "Loss L_t at every step", "L_t = −log P(target)", aligned["reads x_t"].tolist())
        )
        st.dataframe(aligned.style.format({"P(target)": "{:.2f}", "loss L_t": "{:.2f}"}), hide_index=True, width="stretch")
        st.caption(
            f"After {run.step} steps of training. The target at step t is the input at step t + 1: the last character "
            "read has no target. On a training window, the loss is the mean of these L_t."
        )

    st.subheader("One to many: its own outputs as inputs")
    c = st.columns(4)
    start = c[0].selectbox(
        "Start character", range(len(text_task.vocab)), format_func=text_task.output_label, key="modes_start", persist_state="page"
    )
    length = int(c[1].slider("Characters to write", 5, 80, 30, key="modes_length", persist_state="page"))
    temperature = c[2].slider("Temperature", 0.1, 2.0, 0.7, 0.1, key="modes_temperature", persist_state="page")
    seed = int(c[3].number_input("Seed", 0, 10_000, 0, key="modes_seed", persist_state="page"))
    steps_table = one_to_many_table(model, text_task, text_task.vocab[start], length, temperature, seed)
    shown_start = text_task.output_label(start)
    st.metric(f"Written from “{shown_start}”", shown_start + "".join(steps_table.draws))
    st.dataframe(steps_table, hide_index=True, width="stretch")
    st.caption(
        "One input, the start; from then on each step reads what the step before drew. The temperature divides the scores "
        "before the softmax (the probabilities shown are those it draws from): low picks the likeliest character almost "
        "always, high draws nearly at random."
    )


def sequence_to_sequence() -> None:
    diagram("seq2seq", st)
    operation = st.radio(
        "The decoder must",
        list(seq2seq.OPERATIONS),
        format_func=seq2seq.OPERATIONS.get,
        horizontal=True,
        key="modes_s2s",
        persist_state="page",
    )
    st.markdown(
        f"An **encoder** (a GRU) reads a string of {seq2seq.MIN_LENGTH} to {seq2seq.MAX_LENGTH} letters "
        f"({', '.join(seq2seq.SYMBOLS)}); its last state is all the **decoder** (another GRU) gets. The decoder starts from "
        "<start> and writes one letter per step, reading its own last letter, until it writes <end>: the output's length "
        "is its own to decide. In training it reads the right letters instead (teacher forcing)."
    )
    if shown(f"seq2seq {operation}", "Train the encoder and decoder", "modes_s2s_train"):
        encoder_decoder(operation)


st.title("Inputs and outputs")
task = current_experiment().task
st.markdown(
    "The same recurrent layer can be wired to a task in several ways: what it reads at each step, and when it answers. "
    f"Your model in the sidebar ({task.title}) is **{MODES[task.mode].title.lower()}**. Each way, in the tabs below, is "
    "shown on a model trained for it."
)
st.table(pd.DataFrame([{"mode": m.title, "reads": m.reads, "writes": m.writes, "for example": m.examples} for m in MODES.values()]))
sections = {
    "Many to one": many_to_one,
    "Many to many, aligned, and one to many": character_model,
    "Sequence to sequence": sequence_to_sequence,
}
view, tab = open_tab(list(sections), MODES_VIEW)
with tab:
    sections[view]()
