"""Parallel in training, recurrent at run time: the session's linear recurrence (or a minGRU) by the loop and by the scan."""

import math

import streamlit as st
import torch

from rnn_core.config import CELL_TITLES
from rnn_core.lessons.parallel import TIMING_BATCH, both_ways, timings
from rnn_core.nn.by_cell import fused_layer
from rnn_core.nn.cell_facts import CELLS
from rnn_core.nn.linear_layers import SCAN_FEWEST_STEPS, SCAN_MOST_NUMBERS, scan_pays_for
from rnn_core.train.models import input_features
from rnn_core.train.trainer import seeded
from rnn_core.viz import heatmap_grid, overlay_lines, state_heatmap
from ui.charts import show_figure
from ui.keys import PARALLEL_TIMINGS
from ui.state import current_experiment

st.title("Parallel in training, recurrent at run time")
st.markdown(
    "A minGRU computes h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t with z_t = σ(W_z x_t + b_z) and h̃_t = W_h x_t + b_h. "
    "Neither z_t nor h̃_t reads h_{t−1}: every a_t = 1 − z_t and b_t = z_t ⊙ h̃_t is known as soon as the inputs are, "
    "before any h_t. So h_t = a_t ⊙ h_{t−1} + b_t can be solved for the whole sequence at once, by a **scan** "
    "(log₂ T vectorised steps, how it trains), or **one step after another** (how it runs on a stream, one x_t at a time). "
    "A GRU cannot take the first way: its z_t = σ(W_iz x_t + W_hz h_{t−1} + b_z) needs h_{t−1} first."
)

exp = current_experiment()
config, task = exp.config.model, exp.task
model = exp.trainer.model
linear = config.cell in CELLS and not CELLS[config.cell].reads_state
if linear:
    layer, title = model.twin(), CELL_TITLES[config.cell]
    st.caption(f"Your model's {title}, layer 1, with its trained weights ({exp.trainer.step:,} training steps so far).")
else:
    with seeded(0):  # the same untrained minGRU for everyone on these sizes
        layer = fused_layer("mingru", input_features(config, task), config.hidden_size)
    title = "minGRU"
    st.caption(
        f"Your model's cell, the {CELL_TITLES[config.cell]}, "
        + ("has no state at all" if config.cell == "mlp" else "reads h_{t−1} through W_hh at every step")
        + ": this page uses an untrained "
        f"minGRU of the same size (H = {config.hidden_size}) instead. Choose minGRU (or another linear recurrence) in "
        "the sidebar to see your own trained weights here."
    )

with torch.no_grad():
    x = model.encoder(exp.trainer.probe.x[:1])[0]  # the first probe sequence, as layer 1 reads it: (T, H_in)
ways = both_ways(layer, x)
labels = task.input_labels(exp.trainer.probe.x[0]) if task.tokens else None

st.subheader("One answer, two ways")
both = [
    state_heatmap(ways.loop, f"Step by step: h_t from h_{{t−1}}, {len(x)} steps", "h", x_labels=labels),
    state_heatmap(ways.scan, f"By the scan: all {len(x)} steps at once", "h", x_labels=labels),
]
show_figure(heatmap_grid(f"h_t of probe sequence #1, layer 1 ({title})", both))  # one figure: cheaper to draw than two
st.metric(
    "Largest difference between the two",
    f"{ways.largest_difference:.1e}",
    help="The same sums and products in another order: float32 rounding (about 1e-7 of each value) is all that differs.",
)
step = CELLS[config.cell if linear else "mingru"]  # its a_t, as the Gradients page names it
show_figure(
    state_heatmap(ways.step_coefficient, f"|a_t|, a_t = {step.step_coefficient}", "|a|", bounded=True, x_labels=labels)
)
st.caption(
    "What the step keeps of h_{t−1}, unit by unit, at every step. All of it was computed before the first h_t, which "
    "is what lets the scan combine steps in any grouping: (a₂, b₂) after (a₁, b₁) is (a₂a₁, a₂b₁ + b₂)."
)

st.subheader("The time each way takes as the sequence grows")
batch = st.radio(
    "Sequences at once", (1, TIMING_BATCH), horizontal=True, key="parallel_batch",
    help=f"1: one sequence, as a model reading a stream sees it; {TIMING_BATCH}: a training batch.",
)  # fmt: skip
st.markdown(
    "Measured here and now on this server, through the same layer, on random sequences (the fastest of 3 runs). "
    "The loop takes T small steps, one after another; the scan takes log₂ T big ones."
)
measured_on = (title, layer.input_size, layer.hidden_size, batch)  # measured once per layer and batch, again on request
kept = st.session_state.get(PARALLEL_TIMINGS)
if st.button("Measure again", key="parallel_measure") or kept is None or kept[0] != measured_on:
    kept = st.session_state[PARALLEL_TIMINGS] = (measured_on, timings(layer, batch=batch))
table = kept[1]
chart, numbers = st.columns([1, 1])
series = {"step by step": (table["T"], table.loop_ms), "by the scan": (table["T"], table.scan_ms)}
show_figure(overlay_lines(series, f"{title}: milliseconds for every output", "sequence length T", "ms (log scale)"), chart)
shown = table.rename(columns={"loop_ms": "loop (ms)", "scan_ms": "scan (ms)", "speed_up": "scan's speed-up"})
numbers.table(shown.style.format("{:.2f}", subset=shown.columns[1:]), hide_index=True)  # a few rows, all shown: plain HTML (as on Shapes)
longest = table.iloc[-1]
faster = (
    f"the scan is {longest.speed_up:.1f}× as fast as the loop"
    if longest.speed_up >= 1
    else f"the loop is {1 / longest.speed_up:.1f}× as fast as the scan"
)
steps = exp.config.train.tbptt if 0 < exp.config.train.tbptt < task.seq_len else task.seq_len
numbers = exp.config.train.batch_size * math.prod(layer.state_shape) * (2 if layer.state_dtype(torch.float32).is_complex else 1)
way = "the scan" if scan_pays_for(steps, numbers) else "the loop"
st.caption(
    f"At T = {int(longest['T'])}, {faster} here. The scan does more arithmetic than the loop (about log₂ T times as "
    "much) in far fewer steps: it wins where each of the loop's small steps costs more in overhead than in arithmetic "
    "(one sequence, a small state), and on parallel hardware such as a GPU, where a big step costs about what a small "
    f"one does. On one CPU thread, training takes the scan for at least {SCAN_FEWEST_STEPS} steps of at most "
    f"{SCAN_MOST_NUMBERS:,} numbers each (batch × state), the loop otherwise: here, {steps} steps of {numbers:,}, so "
    f"{way} (when your model is this layer). At run time, reading a stream one x_t at a time, each new h_t needs only "
    "h_{t−1}: one step of the loop, the same cost however long the stream has run, as for any RNN."
)
