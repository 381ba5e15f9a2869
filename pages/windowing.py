"""Windowing against recurrence: the notes' windowing MLP beside an LSTM on a dependency longer than the window."""

import streamlit as st

import ui  # noqa: F401  (a fresh server's first page: see ui/__init__.py)
from rnn_core.lessons.accuracy_runs import SMOOTHING
from rnn_core.lessons.windowing import BASE, DELAY, MODELS, STEPS, config_of, parameters_by_window, weights_per_position, windowing_runs
from rnn_core.viz import overlay_lines
from ui.charts import show_figure
from ui.keys import WINDOWING_SHOWN

WINDOWS = (1, 5, 10, 15, 20, 25, 30, 40)


@st.cache_data(show_spinner=False)
def runs():
    """The same for every student (fixed configurations and seed): trained once per server."""
    return windowing_runs(STEPS)


st.title("Windowing or recurrence")
short, long_enough = list(MODELS)[:2]
st.markdown(
    "Before recurrent networks, a sequence was fed to an ordinary network through a **window**: at step t an MLP sees "
    "x_{t−W+1} … x_t (zeros before the start) and nothing else. The sidebar offers it as the cell “MLP on windows”. "
    f"Here it meets an LSTM on the copy task after {DELAY} steps: the answer at the last step is the symbol of the "
    f"first, {DELAY} steps back. The same task, seed {BASE.seed}, learning rate {BASE.train.lr:g}, {STEPS} steps each:"
)
if st.button("Train all three", key="windowing_train", type="primary") or st.session_state.get(WINDOWING_SHOWN):
    st.session_state[WINDOWING_SHOWN] = True
    with st.spinner(f"Training three models for {STEPS} steps…"):
        curves, summary = runs()
    series = {label: (run.step, run.smoothed) for label, run in curves.groupby("model", sort=False)}
    show_figure(
        overlay_lines(series, f"Copy after {DELAY} steps: accuracy (mean of {SMOOTHING} steps)", "training step", "accuracy", log_y=False)
    )
    st.table(summary.set_index("model").style.format({summary.columns[-1]: "{:.0%}", "parameters": "{:,}"}))
    st.caption(f"Chance is 1 in {BASE.task.symbols}: {1 / BASE.task.symbols:.0%}.")

st.subheader("1. A fixed context")
window, steps = config_of(short).model.window, DELAY + 1
st.markdown(
    f"At the answer (step {steps}) the {short} sees steps {steps - window + 1}…{steps}; the symbol was at step 1. "
    "Whatever its weights, the symbol is not among its inputs, and it can only guess. A window is a hard limit chosen "
    "before training; a recurrent state has none (how much it keeps is learned: see the Gradients page for what that "
    "costs)."
)
st.subheader("2. Parameters grow with the window")
table = parameters_by_window(WINDOWS)
series = {name: (table["window W"], table[name]) for name in ("MLP on windows", "LSTM")}
show_figure(overlay_lines(series, "Parameters against the window", "window W (steps)", "parameters", log_y=False))
per_step = int(table["MLP on windows"].diff().iloc[1] / (WINDOWS[1] - WINDOWS[0]))
st.caption(
    f"Each step of window adds {per_step} weights to the MLP's first layer (hidden units × inputs per step); the "
    f"{long_enough.split(', ')[1]} that reaches the symbol costs {table.set_index('window W').loc[DELAY + 5, 'MLP on windows']:,}. "
    "The LSTM's count depends on neither the delay nor any window."
)
st.subheader("3. Nothing is shared across positions")
left, right = st.columns(2)
left.markdown(f"**{short}**: each position of the window meets its own weights")
left.dataframe(weights_per_position(config_of(short)), hide_index=True, width="stretch")
right.markdown("**LSTM**: one W_ih for every step")
right.dataframe(weights_per_position(config_of("LSTM")), hide_index=True, width="stretch")
st.caption(
    "What the MLP learns about a symbol 3 steps back tells it nothing about the same symbol 4 steps back: those are "
    "other weights, trained apart. The LSTM reads every step through the same weights and carries what matters on in "
    "its state, so a pattern learned at one position works at all of them."
)
