"""Inputs and outputs: many to one, many to many, one to many and sequence to sequence, each on a model trained here."""

import numpy as np
import pandas as pd
import streamlit as st

import ui  # noqa: F401  (a fresh server's first page: see ui/__init__.py)
from rnn_core.config import CELL_TITLES, TEXT_TITLES, USER_DATA_CHOICES
from rnn_core.data.tasks import make_task
from rnn_core.lessons import seq2seq
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
from ui.keys import MODES_SHOWN, MODES_TEXT_MODEL, USER_TEXT
from ui.state import current_experiment, train_apart

OWN_TEXT = USER_DATA_CHOICES["text_source"][0]


@st.cache_data(show_spinner=False)
def many_to_one_run(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same for every student (fixed configuration and seed): trained once per server."""
    config, steps = MANY_TO_ONE[name]
    trainer = Trainer(config, make_task(config.task))
    trainer.run(steps)
    return trainer.history, readout_table(trainer.model, trainer.task)


@st.cache_data(show_spinner=False)
def seq2seq_run(operation: str) -> seq2seq.Seq2SeqRun:
    """The same for every student: trained once per server."""
    return seq2seq.train_seq2seq(operation)


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
    st.header("Many to one")
    left, right = st.columns([2, 3])
    diagram("many_to_one", left)
    name = right.radio(
        "Task", list(MANY_TO_ONE), format_func=lambda n: make_task(MANY_TO_ONE[n][0].task).title, horizontal=True, key="modes_m2o"
    )
    config, steps = MANY_TO_ONE[name]
    m2o = make_task(config.task)
    right.markdown(
        f"{m2o.description} The network reads all {m2o.seq_len} steps; the head reads only the last state h_T, and the "
        f"loss is counted there alone. Here: {CELL_TITLES[config.model.cell]}, {config.model.hidden_size} units, trained "
        f"{steps} steps (seed {config.seed}):"
    )
    with right:
        trained = shown(name, "Train it", "modes_m2o_train")
    if trained:
        with st.spinner(f"Training {steps} steps…"):
            history, readouts = many_to_one_run(name)
        left, right = st.columns(2)
        show_figure(loss_curve(history.step.to_numpy(), history.loss.to_numpy(), np.array([]), np.array([])), left)
        value = "the answer" if m2o.kind == "regression" else "P(odd)"
        series = {
            f"sequence {s} (target {rows.target.iloc[0]})": (rows.step.to_numpy(), rows.readout.to_numpy())
            for s, rows in readouts.groupby("sequence")
        }
        show_figure(
            overlay_lines(series, f"The head on every h_t: {value} if the sequence ended at t", "time step t", value, log_y=False), right
        )
        st.dataframe(readouts.pivot(index="sequence", columns="step", values="input"), width="stretch")
        st.caption(
            "The inputs of the four sequences drawn (marked numbers carry a *). Only the answer after the last step is "
            "trained; the head's reading of the states before it is what the model would say of a shorter sequence, which "
            "nothing asked it to get right. Parity sits at chance for a long time, then jumps: every bit matters, and "
            "there is no partial credit to follow."
        )


def character_model() -> None:
    st.header("Many to many, aligned, and one to many")
    st.markdown(
        "A character model reads a text one character at a time and, at **every** step, scores each character for the next "
        "one: many to many, one answer per input, the loss L_t at every step. The same model then **writes**: given one "
        "start character, it draws the next from its scores and reads its own draw as the next input: one to many."
    )
    sources = [s for s in TEXT_TITLES if s != OWN_TEXT] + [OWN_TEXT]
    source = st.selectbox("Text", sources, format_func=TEXT_TITLES.get, index=sources.index("grammar"), key="modes_text")
    user_text = None
    if source == OWN_TEXT:
        user_text = st.text_area("Your text", value=st.session_state.get(USER_TEXT, ""), height=100, key="modes_own_text") or None
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

    st.subheader("Many to many: an answer at every step")
    probe = st.text_input("Text to read", value=text_task.text[:30], max_chars=200, key="modes_probe")
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
            "read has no target. The training loss is the mean of these L_t."
        )

    st.subheader("One to many: its own outputs as inputs")
    c = st.columns(4)
    start = c[0].selectbox("Start character", range(len(text_task.vocab)), format_func=text_task.output_label, key="modes_start")
    length = int(c[1].slider("Characters to write", 5, 80, 30, key="modes_length"))
    temperature = c[2].slider("Temperature", 0.1, 2.0, 0.7, 0.1, key="modes_temperature")
    seed = int(c[3].number_input("Seed", 0, 10_000, 0, key="modes_seed"))
    steps_table = one_to_many_table(model, text_task, text_task.vocab[start], length, temperature, seed)
    shown_start = text_task.output_label(start)
    st.metric(f"Written from “{shown_start}”", shown_start + "".join(steps_table.draws))
    st.dataframe(steps_table, hide_index=True, width="stretch")
    st.caption(
        "One input, the start; from then on each step reads what the step before drew. The temperature divides the scores "
        "before the softmax: low picks the likeliest character almost always, high draws nearly at random."
    )


def sequence_to_sequence() -> None:
    st.header("Sequence to sequence")
    diagram("seq2seq", st)
    operation = st.radio("The decoder must", list(seq2seq.OPERATIONS), format_func=seq2seq.OPERATIONS.get, horizontal=True, key="modes_s2s")
    st.markdown(
        f"An **encoder** (a GRU) reads a string of {seq2seq.MIN_LENGTH} to {seq2seq.MAX_LENGTH} letters "
        f"({', '.join(seq2seq.SYMBOLS)}); its last state is all the **decoder** (another GRU) gets. The decoder starts from "
        "<start> and writes one letter per step, reading its own last letter, until it writes <end>: the output's length "
        "is its own to decide. In training it reads the right letters instead (teacher forcing)."
    )
    trained = shown(f"seq2seq {operation}", "Train the encoder and decoder", "modes_s2s_train")
    if not trained:
        return
    with st.spinner(f"Training {seq2seq.STEPS} steps…"):
        s2s = seq2seq_run(operation)
    left, right = st.columns(2)
    show_figure(
        overlay_lines(
            {"exact answers": (s2s.curve.step, s2s.curve.exact)}, "Test strings written exactly", "training step", "fraction", log_y=False
        ),
        left,
    )
    by_length = s2s.by_length.rename(columns={"packed": "encoder stops at the end", "not packed": "encoder reads the pads"})
    right.dataframe(by_length.style.format({c: "{:.0%}" for c in by_length.columns[1:]}), hide_index=True, width="stretch")
    right.caption(
        f"{seq2seq.TEST_SIZE} test strings, exact answers by length, after {seq2seq.STEPS} steps. The longest strings are "
        "hardest: the whole string must fit in one state."
    )

    st.subheader("Padding and masking")
    st.markdown(
        f"Strings of different lengths share a batch by **padding**: each is filled up to {seq2seq.MAX_LENGTH} with a pad "
        "(·), and its true length kept beside it. Two things must then ignore the pads. The **encoder** must stop at each "
        "string's own end: `pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)` makes the "
        "GRU's last state the state after the last real letter. And the **loss** must count real positions only: "
        "`cross_entropy(..., ignore_index=PAD)`."
    )
    strings = st.text_input("Strings of A…F, separated by commas", "ABC, FEDCBA, AB, ABCDEFAB", key="modes_strings")
    try:
        batch = seq2seq.encode_strings([s for s in strings.split(",") if s.strip()], operation)
    except ValueError as e:
        st.error(f"These strings cannot be used: {e}.")
        return
    st.dataframe(seq2seq.padded_table(batch), hide_index=True, width="stretch")
    st.dataframe(
        seq2seq.padding_effects(s2s.model(), batch).style.format(precision=3),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "Read on through the pads, the encoder's last state moves far from the one after the last letter, and the decoder "
        "writes garbage for every string but the longest (no pads, no change). On the test strings: "
        + ", ".join(f"length {n}: {v:.0%}" for n, v in zip(by_length["length"], by_length["encoder reads the pads"]))
        + ". Counted as targets, the pads add a loss for “answers” nobody asked for (after <end>), the more the shorter the "
        "string: the masked loss measures the answer alone."
    )


st.title("Inputs and outputs")
task = current_experiment().task
st.markdown(
    "The same recurrent layer can be wired to a task in several ways: what it reads at each step, and when it answers. "
    f"Your model in the sidebar ({task.title}) is **{MODES[task.mode].title.lower()}**. Each way below is shown on a "
    "model trained for it."
)
st.table(pd.DataFrame([{"mode": m.title, "reads": m.reads, "writes": m.writes, "for example": m.examples} for m in MODES.values()]))
many_to_one()
character_model()
sequence_to_sequence()
