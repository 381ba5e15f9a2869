"""Truncated BPTT: where the gradient stops on the session's model, what the cut costs, and carrying the state across batches."""

import numpy as np
import streamlit as st

import ui  # noqa: F401  (a fresh server's first page: see ui/__init__.py)
from rnn_core.config import TrainConfig
from rnn_core.lessons.accuracy_runs import SMOOTHING
from rnn_core.lessons.truncation import COST_CONFIG, COST_PIECE, COST_STEPS, gradient_reach, truncation_cost
from rnn_core.train.trainer import tbptt_pieces
from rnn_core.viz import gradient_reach_chart, overlay_lines
from ui.charts import show_figure
from ui.keys import TRUNCATION_COST_SHOWN
from ui.live import stop_page
from ui.state import current_experiment

LABELS = {f.name: f.metadata["setting"].label for f in TrainConfig.__dataclass_fields__.values()}


@st.cache_data(show_spinner=False)
def cost_of_the_cut():
    """The same for every student (fixed configuration and seed): trained once per server."""
    return truncation_cost(COST_STEPS)


st.title("Truncated backpropagation through time")
exp = current_experiment()
trainer, task = exp.trainer, exp.task
T, length = task.seq_len, exp.config.train.tbptt
pieces = tbptt_pieces(trainer.probe, length if trainer.structure.recurrent else 0, task.many_to_one)
st.markdown(
    f"**What the sidebar's “{LABELS['tbptt']}” does.** With a length k, every training sequence is cut into pieces of "
    "k steps, and each piece is one optimiser step. The hidden state runs on from one piece into the next, so the "
    "forward pass is the same as without the cut; the backward pass stops at the piece's first step. A loss "
    "at step τ then teaches the weights only about what happened since its piece began. A piece with no target "
    "(the copy task's distractors) is run for its state and not trained on. For a task that answers once, after "
    "the whole sequence, the first T − k steps run without gradients and only the last k are backpropagated."
)
if not trainer.structure.recurrent:
    st.info("Your model is the windowing MLP: it has no state to carry and nothing to truncate. Choose a recurrent cell in the sidebar.")
    stop_page()
st.caption(
    f"Your run: sequences of T = {T} steps, "
    + (
        f"k = {length}: {len(pieces)} optimiser step(s) per batch."
        if 0 < length < T
        else f"k = {length}{' ≥ T' if length else ''}: the whole sequence, one optimiser step per batch."
    )
)

st.subheader("Where the gradient stops, on your model")
cut = st.slider(
    "Cut into pieces of k steps", 1, max(T - 1, 1), int(length if 0 < length < T else max(1, T // 4)), key="tbptt_lesson_k",
    help="Only for this picture: the sidebar's setting decides how your model trains.",
)  # fmt: skip
probe = trainer.probe
model = trainer.model
whole, truncated = gradient_reach(model, task, probe, 0), gradient_reach(model, task, probe, cut)
last = len(whole.loss_steps) - 1
tau = int(whole.loss_steps[last])
starts = np.arange(1, T + 1)
profile = {"through the whole sequence": (starts, whole.norms[last]), f"truncated, pieces of {cut}": (starts, truncated.norms[last])}
spec = overlay_lines(
    profile, f"‖∂L_τ/∂h_t‖ for the loss at τ = {tau + 1}, at training step {trainer.step:,}", "h_t: time step t", "‖∂L_τ/∂h_t‖ (log scale)"
)
show_figure(spec)
own_piece = tau + 1 - max(s for s in truncated.piece_starts if s <= tau)
st.caption(
    f"Through the whole sequence the gradient of L_τ is non-zero at {int((whole.norms[last] > 0).sum())} of the "
    f"{tau + 1} steps up to τ; truncated, at {int((truncated.norms[last] > 0).sum())}, and τ's own piece has "
    f"{own_piece} steps: before the piece's first step the line stops dead. Computed by autograd on your model's "
    "weights and the probe batch: a cut path gives exactly zero, which a log axis cannot show."
)
if len(whole.loss_steps) > 1:
    show_figure(
        gradient_reach_chart(
            whole.norms, truncated.norms, whole.loss_steps, truncated.piece_starts, "How far back each step's loss reaches"
        )
    )
    st.caption(
        "One row per loss L_τ, one column per hidden state h_t. Through the whole sequence every loss reaches all of "
        "the past, fading as it goes; truncated, the picture breaks into triangles, one per piece (the dotted lines "
        "mark where each starts). The gradient the optimiser sees is the sum over the rows: the long-range part, far "
        "below the diagonal, is what truncation throws away."
        + (
            f" Your model is large: {len(whole.loss_steps)} of its {whole.losses} losses are drawn, evenly spread from "
            "the first to the last, which keeps this page quick for everyone on the server."
            if len(whole.loss_steps) < whole.losses
            else ""
        )
    )

st.subheader("What the cut costs")
delay = COST_CONFIG.task.delay
st.markdown(
    f"On the copy task the answer at the end depends on the first step, {delay} steps back. Cut into pieces of "
    f"{COST_PIECE}, the first symbol and the answer are never in the same piece: no gradient can teach the LSTM to "
    f"store the symbol. The same LSTM (memory gate bias {COST_CONFIG.model.memory_gate_bias:g}, seed "
    f"{COST_CONFIG.seed}), trained {COST_STEPS} steps both ways:"
)
if st.button("Train both", key="tbptt_lesson_train", type="primary") or st.session_state.get(TRUNCATION_COST_SHOWN):
    st.session_state[TRUNCATION_COST_SHOWN] = True
    with st.spinner(f"Training two LSTMs for {COST_STEPS} steps…"):
        runs = cost_of_the_cut()
    series = {title: (run.step, run.smoothed) for title, run in runs.groupby("backpropagated", sort=False)}
    show_figure(
        overlay_lines(series, f"Copy after {delay} steps: accuracy (mean of {SMOOTHING} steps)", "training step", "accuracy", log_y=False)
    )
    final = runs.groupby("backpropagated", sort=False).smoothed.last()
    chance = 1 / COST_CONFIG.task.symbols
    cols = st.columns(len(final) + 1)
    for col, (title, value) in zip(cols, final.items()):
        col.metric(f"Accuracy at step {COST_STEPS}, {title}", f"{value:.0%}")
    cols[-1].metric("Chance (guessing one symbol of 4)", f"{chance:.0%}")
    st.caption(
        "The state still runs through every piece, so the truncated model could carry the symbol if its weights "
        "happened to keep it; nothing teaches them to. With a delay of 20 (try it in the sidebar) an untrained LSTM's "
        "open forget gate keeps a little of the symbol by itself, and truncated training creeps up slowly."
    )

st.subheader("Carrying the state from batch to batch")
streams = type(task).streams
st.markdown(
    "The notes' training loop goes one step further: it feeds one long series in consecutive windows and starts each "
    "window from the state the last one ended in, detached (`hidden = hidden.data`): truncated BPTT across batches. "
    f"The sidebar's “{LABELS['stateful']}” does this for the sine wave, your own series and the text tasks: each row "
    "of the batch reads its text or series on from where it stopped (round to the start at the end), so the state "
    "carries context longer than a sequence, while the gradient still stops at the window's first step. Other tasks' "
    "sequences are whole in themselves, and every batch starts from zeros."
)
if streams:
    st.caption(
        f"Your run ({task.title}): "
        + ("stateful, each batch goes on from the last." if exp.config.train.stateful else "each batch starts from zeros.")
    )
else:
    st.caption(f"Your run's task, {task.title}, has sequences whole in themselves: the option is not offered for it.")
