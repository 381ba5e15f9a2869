"""The slips in the course notes, one table per note, each correction computed by PyTorch when the page opens."""

from collections import Counter

import pandas as pd
import streamlit as st

import ui  # noqa: F401  (a fresh server's first page: see ui/__init__.py)
from rnn_core.lessons.errata import KINDS, NOTES, errata_table
from rnn_core.lessons.errata_checks import tanh_saturates_at

COUNTED = {
    "wrong number": "Wrong numbers",
    "wrong formula": "Wrong formulas",
    "wrong code": "Wrong code",
    "misleading wording": "Misleading wording",
}

st.title("Errata: the notes corrected")
st.markdown(
    "The course notes were read line by line against PyTorch and autograd. Below is every slip found: what the note "
    "says (in our words), what is right, and the page of this app that shows the right value live. Each number in the "
    "“correct” column is computed by PyTorch as this page opens (a forward pass, a gradient, a count of parameters or "
    "multiplications), not typed in; when a note and PyTorch disagree, trust PyTorch."
)
with st.spinner("Checking every correction with PyTorch…"):
    rows = pd.DataFrame(errata_table())
counts = Counter(rows.kind)
cols = st.columns(len(KINDS) + 1)
cols[0].metric("Slips found", len(rows))
for col, kind in zip(cols[1:], KINDS.values()):
    col.metric(COUNTED[kind], counts.get(kind, 0))

kinds = st.multiselect("Show", list(KINDS.values()), default=list(KINDS.values()), key="errata_kinds")
for note, title in NOTES.items():
    shown = rows[(rows.note == note) & rows.kind.isin(kinds)]
    if shown.empty:
        continue
    st.subheader(f"Note {note}: {title}")
    st.table(shown.drop(columns="note").set_index("where"))
st.caption(
    f"Not slips, but worth knowing: in float32, tanh of anything from about {tanh_saturates_at():.2f} up is exactly 1, so "
    "1 − h² is exactly 0 there and no gradient passes (the all-ones examples: see nn.RNN by hand); the notes' GRU is a valid GRU, but not "
    "PyTorch's (see Gates)."
)
