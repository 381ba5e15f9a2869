"""Gates: what a gated cell's gates do at every step, how saturated they are, and the notes' gate equations beside PyTorch's."""

import streamlit as st
import torch

from rnn_core.data.tasks import Characters
from rnn_core.inspect.exports import export_rows, gates_table
from rnn_core.inspect.gate_stats import BOUNDED_GATES, saturation_table
from rnn_core.lessons.gate_equations import NOTES_FORMS, TORCH_FORMS, compare_forms, weight_blocks
from rnn_core.nn.cell_facts import CELLS
from rnn_core.viz import gate_histograms, heatmap_grid, state_heatmap, text_activation
from ui.charts import csv_download, show_figure
from ui.controls import open_tab, sequence_layer_direction
from ui.keys import GATES_VIEW
from ui.live import live_view, stop_page
from ui.replay import replay_snapshot
from ui.state import Experiment, current_experiment

st.title("Gates")
exp = current_experiment()
if not (exp.config.model.cell in CELLS and CELLS[exp.config.model.cell].gates):
    gated = ", ".join(c.title for c in CELLS.values() if c.gates)
    st.info(f"Only gated cells ({gated}) have gates. Choose one in the sidebar (and Rebuild) to see them at work.")
    stop_page()
facts = CELLS[exp.config.model.cell]
# what the cells whose gates read x_t alone do differently from the LSTM's and GRU's
LINEAR_GATES = {
    "mingru": "In a minGRU the update gate z_t is the share of h_{t−1} that is *replaced*, so there memory is z_t near 0. "
    "Its gates read x_t alone, and the candidate h̃_t is a plain linear map of x_t, not squashed into (−1, 1).",
    "minlstm": "A minLSTM keeps f_t / (f_t + i_t) of h_{t−1}. Its gates read x_t alone, and the candidate h̃_t is a "
    "plain linear map of x_t, not squashed into (−1, 1).",
}
if facts.mode == "S6":
    st.markdown(
        "The selective state-space layer has one gate, the step size **Δ_t** > 0, one per channel and step, computed from "
        "x_t alone. Its state keeps exp(Δ_t·A) of h_{t−1} (A < 0) and writes Δ_t·u_t in: a large Δ_t forgets and lets "
        "this input in, a Δ_t near 0 keeps the state and passes over the input. Choosing that per input is the *selection*."
    )
else:
    st.markdown(
        "Gates are numbers between 0 and 1, one per unit and step, that decide what a cell keeps, writes and shows. "
        "A forget (LSTM) or update (GRU) gate near 1 for many steps is memory being held. " + LINEAR_GATES.get(exp.config.model.cell, "")
    )
gates_of_cell = {g.name: g for g in facts.gates}


def gate_panels(snap, row: int, i: int, labels: list[str]) -> list[dict]:
    """A heatmap of each gate, then of the LSTM's cell state, for one layer-direction (``row``) and probe sequence."""
    panels = []
    for name, values in list(snap.gates.items()) + ([("c", snap.cell)] if snap.cell is not None else []):
        gate = gates_of_cell.get(name)
        title = f"{gate.title}: {gate.role}" if gate else "Cell state c_t: the long-term memory"
        positive = bool(gate and gate.positive)
        panels.append(state_heatmap(values[row, i], title, name, bounded=name in BOUNDED_GATES, x_labels=labels, positive=positive))
    return panels


def grid_title(step: int, i: int) -> str:
    """What the grid shows, short enough for one line on a projector: the layer (and direction), sequence and step."""
    direction = ("forward", "reverse")[choice.direction] + ", " if choice.num_directions == 2 else ""
    return f"The gates: layer {choice.layer + 1}, {direction}probe sequence #{i + 1}, training step {step:,}"


def equation_lines(equations: tuple[str, ...]) -> str:
    """Equations in monospace, one to a line, each form in its own column. Inline code, not a code block
    (``st.code``): a block wrapped an equation across lines in a half-width column, and loads Streamlit's syntax
    highlighter into the browser (0.3 s of script in a CPU profile of a session's first visit to this page)."""
    return "  \n".join(f"`{equation}`" for equation in equations)


def draw_steps(exp: Experiment) -> None:
    """Every gate at every step of one sequence, and over the text for a character task."""
    snap = replay_snapshot(exp, "gates_replay")
    row = choice.row
    i = choice.sequence_in(snap)
    labels = exp.task.input_labels(exp.trainer.probe.x[i])
    show_figure(heatmap_grid(grid_title(snap.step, i), gate_panels(snap, row, i, labels)))
    directions = exp.trainer.structure.num_directions
    rows = export_rows(next(iter(snap.gates.values())), row)
    label = "Gates, every layer and sequence" if len(rows) == len(snap.hidden) else f"Gates, layer {choice.layer + 1}"
    csv_download(label, lambda: gates_table(snap, directions, rows), f"gates_step-{snap.step}", key="gates_csv")
    if isinstance(exp.task, Characters):
        chars = [exp.task.vocab[int(c)] for c in exp.trainer.probe.x[i]]
        gate = facts.memory_gate or facts.gate_names[0]  # the gate that holds or lets go of the memory
        values = snap.gates[gate][row, i]  # (T, H)
        if gates_of_cell[gate].positive:
            unit = int(values.std(axis=0).argmax())
            title = f"Δ_t of channel {unit} over the text (the channel whose Δ_t varies most): bright lets the character in"
        else:
            unit = int(abs(values - 0.5).mean(axis=0).argmax())
            title = f"The {gate} gate of unit {unit} over the text (the unit whose gate is most decided)"
        facts_of_gate = gates_of_cell[gate]
        show_figure(text_activation(chars, values[:, unit], title, bounded=facts_of_gate.bounded, positive=facts_of_gate.positive))


def draw_saturation(exp: Experiment) -> None:
    """How the sigmoid gates' values spread over every probe sequence, and how many sit near 0 or 1."""
    snap = replay_snapshot(exp, "gates_replay")
    sigmoid_gates = {name: values[choice.row] for name, values in snap.gates.items() if name in BOUNDED_GATES}
    left, right = st.columns([3, 2])
    show_figure(gate_histograms(sigmoid_gates, f"How the gates spread (step {snap.step:,}, all probe sequences)"), left)
    right.markdown("**Saturation**")
    right.dataframe(saturation_table(sigmoid_gates), hide_index=True, width="stretch")
    right.caption("Saturated gates (near 0 or 1) pass almost no gradient through their own weights: they learn slowly.")


def equations(exp: Experiment) -> None:
    """The notes' gate equations beside PyTorch's, where the notes' weights sit in the model, and what each form gives."""
    cell = exp.config.model.cell
    left, right = st.columns(2)
    left.markdown("**The notes**: one weight per gate, on the concatenation [h_{t−1}, x_t]")
    left.markdown(equation_lines(NOTES_FORMS[cell]))
    right.markdown("**PyTorch**: a weight on x_t and one on h_{t−1} per gate, and two biases")
    right.markdown(equation_lines(TORCH_FORMS[cell]))
    model = exp.trainer.model
    weights = {name: p.detach() for name, p in model.rnn.named_parameters()}
    st.markdown(f"Where the notes' weights sit in your model's layer 1 (H = {exp.config.model.hidden_size}):")
    st.dataframe(weight_blocks(cell, weights, exp.config.model.hidden_size), hide_index=True, width="stretch")
    with torch.no_grad():
        x = model.encoder(exp.trainer.probe.x[:1])[0]  # probe sequence #1 as layer 1 reads it
    forms = compare_forms(cell, weights, x)
    if cell == "lstm":
        st.metric("Largest |h_t| difference, the notes' form against PyTorch's (probe sequence #1)", f"{forms.same_model:.1e}")
        st.caption(
            "One model written twice: W_f [h_{t−1}, x_t] + b_f is W_hf h_{t−1} + W_if x_t + (b_if + b_hf). Only float32 "
            "rounding differs. PyTorch's g_t is the notes' C̃_t, and its order of blocks is [i | f | g | o]."
        )
    else:
        cols = st.columns(2)
        cols[0].metric("The notes' z_t, r after the product as PyTorch: largest |h_t| difference", f"{forms.same_model:.1e}")
        cols[1].metric("The notes' r_t ⊙ h_{t−1} before the product: largest |h_t| difference", f"{forms.r_before_product:.2f}")
        st.caption(
            "Two differences. The notes' z_t is the share of h_{t−1} replaced, PyTorch's the share kept: the notes' z_t is "
            "PyTorch's 1 − z_t, computed from the same weights negated. Only a relabelling: the same states, to float32 "
            "rounding. But PyTorch (and cuDNN) apply r_t after the product, r_t ⊙ (W_hn h_{t−1} + b_hn), where the notes "
            "apply it before, W (r_t ⊙ h_{t−1}): that is a different model. The same weights give other states, as far "
            f"apart as {forms.r_before_product:.2f} here (PyTorch's h_t reach ±{float(forms.states.abs().max()):.2f}); "
            "each form trains its own weights."
        )


EVERY_STEP, SATURATION, EQUATIONS = "At every step", "How saturated", "The notes' equations and PyTorch's"
views = [EVERY_STEP]
if any(g.name in BOUNDED_GATES for g in facts.gates):  # the S6 layer's Δ_t is no sigmoid: it does not saturate
    views.append(SATURATION)
if exp.config.model.cell in NOTES_FORMS:
    views.append(EQUATIONS)
view, tab = open_tab(views, GATES_VIEW)
with tab:
    if view == EQUATIONS:
        equations(exp)
    else:
        choice = sequence_layer_direction(exp, "gates")  # read by the draw functions, in the tabs that show one sequence and layer
        live_view(draw_steps if view == EVERY_STEP else draw_saturation)
