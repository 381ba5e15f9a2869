"""Hidden states: what every unit does at every step, a few units up close, the path of h_t, and in bracket text the
unit that counts."""

import numpy as np
import streamlit as st

from rnn_core.data.tasks import Characters
from rnn_core.inspect.analysis import bracket_depth, depth_unit, pca_2d, top_units
from rnn_core.inspect.exports import export_rows, hidden_states_table
from rnn_core.nn.cell_facts import CELLS
from rnn_core.viz import overlay_lines, state_heatmap, text_activation, trajectory_2d, unit_lines
from ui.charts import csv_download, show_figure
from ui.controls import open_tab, sequence_layer_direction
from ui.keys import HIDDEN_VIEW
from ui.live import live_view, stop_page
from ui.replay import replay_snapshot
from ui.state import TURNS, Experiment, current_experiment

st.title("Hidden states")
st.markdown(
    "Every hidden unit's value h_t at every step of one probe sequence. Look for units that switch at a particular input, "
    "count, or hold a value for many steps: that is the network's memory at work."
)
exp = current_experiment()
if not exp.trainer.structure.recurrent:
    st.info("The windowing MLP keeps no state from step to step, so there is no h_t to show. Choose a recurrent cell in the sidebar.")
    stop_page()
facts = CELLS[exp.config.model.cell]
if facts.own_state:  # the LRU and the S6 layer: what the next layer and the head read is their output, not their state
    state = "complex state x_t, read out as Re(C x_t) + D u_t" if facts.mode == "LRU" else "H × N state h_t, read out as h_t C_t + D ⊙ u_t"
    st.caption(f"For the {facts.title}, h_t here is its output y_t, what the layer above and the head read. It carries a {state}.")

choice = sequence_layer_direction(exp, "hidden")


def where(snap) -> str:
    """The layer (and direction) and training step a chart shows."""
    return f"layer {choice.layer + 1}" + (", reverse" if choice.direction else "") + f", step {snap.step:,}"


def draw_every_unit(exp: Experiment) -> None:
    """h_t of every unit at every step of the chosen sequence."""
    snap = replay_snapshot(exp, "hidden_replay")
    row, i = choice.row, choice.sequence_in(snap)
    labels = exp.task.input_labels(exp.trainer.probe.x[i])
    show_figure(state_heatmap(snap.hidden[row, i], f"Hidden state h_t of every unit ({where(snap)})", "h", x_labels=labels))
    directions, rows = exp.trainer.structure.num_directions, export_rows(snap.hidden, row)
    csv_download(
        "Hidden states, every layer and sequence" if len(rows) == len(snap.hidden) else f"Hidden states, {where(snap)}",
        lambda: hidden_states_table(snap, directions, rows),
        f"hidden_states_step-{snap.step}",
        key="hidden_csv",
    )


def draw_units_up_close(exp: Experiment) -> None:
    """A few units over time (preselected: the most active), and for text the first one coloured over the characters."""
    snap = replay_snapshot(exp, "hidden_replay")
    task, probe = exp.task, exp.trainer.probe
    row, i = choice.row, choice.sequence_in(snap)
    values = snap.hidden[row, i]  # (T, H)
    units = st.multiselect(
        "Units up close",
        range(values.shape[1]),
        default=top_units(snap.hidden[row], k=min(3, values.shape[1])),
        key=f"hidden_units_{row}_{values.shape[1]}",
        persist_state="page",
        on_change=TURNS.asked,  # in the live fragment: a person's choice goes before the timers
        help="Preselected: the units whose value varies most over the probe sequences.",
    )
    if not units:
        st.info("Choose one or more units to follow them over time.")
        return
    show_figure(unit_lines(values, units, "Chosen units over time"))
    if isinstance(task, Characters):
        chars = [task.vocab[int(c)] for c in probe.x[i]]
        show_figure(text_activation(chars, values[:, units[0]], f"Unit {units[0]} over the text: red where it is high, blue where low"))


def draw_path(exp: Experiment) -> None:
    """The path of h_t through its two main directions."""
    snap = replay_snapshot(exp, "hidden_replay")
    row, i = choice.row, choice.sequence_in(snap)
    coords, explained = pca_2d(snap.hidden[row, i])
    labels = exp.task.input_labels(exp.trainer.probe.x[i])
    show_figure(trajectory_2d(coords, explained, labels, "The path of h_t (its two main directions)"))


def draw_counting_unit(exp: Experiment) -> None:
    """Bracket text: the unit that follows the nesting depth (in the LSTM's cell state when there is one)."""
    snap = replay_snapshot(exp, "hidden_replay")
    row, i = choice.row, choice.sequence_in(snap)
    texts = [[exp.task.vocab[int(c)] for c in x] for x in exp.trainer.probe.x]
    states, name = (snap.hidden, "h") if snap.cell is None else (snap.cell, "c")
    depths = np.stack([bracket_depth(chars) for chars in texts])
    unit, r = depth_unit(states[row], depths)
    st.markdown(
        f"Unit {unit} of {name}_t follows the nesting depth: correlation **r = {r:.2f}** over the probe sequences "
        "(a sequence may start inside brackets: its depth is counted from its first character, its lowest point as 0)."
    )
    steps = np.arange(1, depths.shape[1] + 1)
    series = {"nesting depth": (steps, depths[i]), f"{name}_t of unit {unit}": (steps, states[row, i, :, unit])}
    show_figure(overlay_lines(series, f"Nesting depth and unit {unit} (probe sequence #{i + 1})", "time step t", "value", log_y=False))


EVERY_UNIT, UP_CLOSE, PATH, COUNTING = "Every unit", "Units up close", "The path of h_t", "A unit that counts"
brackets = isinstance(exp.task, Characters) and exp.task.source == "brackets"
views = [EVERY_UNIT, UP_CLOSE, PATH] + ([COUNTING] if brackets else [])
view, tab = open_tab(views, HIDDEN_VIEW)
with tab:
    live_view({EVERY_UNIT: draw_every_unit, UP_CLOSE: draw_units_up_close, PATH: draw_path, COUNTING: draw_counting_unit}[view])
