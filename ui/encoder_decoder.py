"""The Inputs and outputs lesson's last section: an encoder and a decoder, and what padding and masking do to them
(rnn_core/lessons/seq2seq.py). Apart from the page, which it would have doubled."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rnn_core.lessons import seq2seq
from rnn_core.viz import overlay_lines
from ui.charts import show_figure

PACKED, READS_PADS, MISMATCH = "trained packed", "trained on the pads", "trained packed, run on the pads"


@st.cache_data(show_spinner=False)
def trained(operation: str, packed: bool) -> seq2seq.Seq2SeqRun:
    """The same for every student (fixed configuration and seed): trained once per server."""
    return seq2seq.train_seq2seq(operation, packed)


def exact_by_length(packed: seq2seq.Seq2SeqRun, reads_pads: seq2seq.Seq2SeqRun) -> pd.DataFrame:
    table = packed.by_length.rename(columns={"as trained": PACKED, "run reading the pads": MISMATCH})
    table.insert(2, READS_PADS, reads_pads.by_length["as trained"])
    return table


def encoder_decoder(operation: str) -> None:
    """Both models trained on ``operation``: how often they are right, then a batch the student types, padded."""
    with st.spinner(f"Training two encoder–decoders, {seq2seq.STEPS:,} steps each (about 15 s, once for the whole server)…"):
        packed, reads_pads = trained(operation, True), trained(operation, False)
    left, right = st.columns(2)
    curves = {PACKED: (packed.curve.step, packed.curve.exact), READS_PADS: (reads_pads.curve.step, reads_pads.curve.exact)}
    show_figure(overlay_lines(curves, "Test strings written exactly", "training step", "fraction", log_y=False), left)
    table = exact_by_length(packed, reads_pads)
    right.dataframe(table.style.format({c: "{:.0%}" for c in table.columns[1:]}), hide_index=True, width="stretch")
    right.caption(
        f"{seq2seq.TEST_SIZE} random test strings after {seq2seq.STEPS:,} steps, exact answers by length, for a model "
        "trained packed, one trained reading the pads, and the first run on pads it never saw (the short strings "
        "were surely seen in training: there are only 6ᴸ of length L). The longest are hardest: the whole "
        "string must fit in one state."
    )

    st.subheader("Padding and masking")
    st.markdown(
        f"Strings of different lengths share a batch by **padding**: each is filled up to {seq2seq.MAX_LENGTH} with a pad "
        "(·), and its true length is kept beside it. Then two things must not mistake a pad for a letter.\n\n"
        "- The **encoder** should stop at each string's own end. PyTorch's `pack_padded_sequence(embedded, lengths, "
        "batch_first=True, enforce_sorted=False)` hands the GRU each string without its pads (a *packed* sequence), so its "
        "last state is the state after the last real letter, exactly as if the string had been read alone.\n"
        "- The **loss** must count real positions only: `cross_entropy(scores, targets, ignore_index=PAD)`. A pad is "
        "never an answer; counted, the easy pads after <end> would dilute the mean and teach the decoder to write pads."
    )
    strings = st.text_input("Strings of A…F, separated by commas", "ABC, FEDCBA, AB, ABCDEFAB", key="modes_strings", persist_state="page")
    try:
        batch = seq2seq.encode_strings([s for s in strings.split(",") if s.strip()], operation)
    except ValueError as e:
        st.error(f"These strings cannot be used: {e}.")
        return
    st.dataframe(seq2seq.padded_table(batch), hide_index=True, width="stretch")
    st.dataframe(
        seq2seq.padding_effects(packed.model(), reads_pads.model(), batch).style.format(precision=2), hide_index=True, width="stretch"
    )
    reads = table[MISMATCH]
    st.caption(
        "Run on the pads it was trained without, the packed model's last encoder state moves far from the one after the "
        "last letter, and its decoder goes wrong on every string but the longest (no pads, no change): often the right "
        "letters, then no <end>. On the test strings, lengths "
        + ", ".join(f"{n}: {v:.0%}" for n, v in zip(table["length"], reads))
        + ". A model trained reading the pads learns to look past them, mostly: it loses the most on long strings, whose "
        "state has the least room to spare."
    )
