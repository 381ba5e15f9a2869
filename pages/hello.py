"""The "hello" character model: one-hot inputs, four steps of scores, one training step, then training and sampling."""

import streamlit as st

from rnn_core.config import ExperimentConfig, ModelConfig, TaskConfig, TrainConfig
from rnn_core.data.tasks import make_task
from rnn_core.inspect.generate import sample_text
from rnn_core.lessons.notes import hello_step
from rnn_core.train.trainer import Trainer
from rnn_core.viz import loss_curve
from ui.charts import show_figure
from ui.keys import HELLO_MODEL
from ui.state import train_apart

st.title('The "hello" model')
st.markdown(
    "A character model with the vocabulary h, e, l, o, one-hot inputs, 3 hidden units and 4 output scores (43 parameters). "
    'It reads "hell" one character at a time and, at every step, scores each character for what comes next: '
    'the targets are "ello".'
)
c = st.columns(3)
seed = int(c[0].number_input("Seed (starting weights)", 0, 10_000, 0, key="hello_seed"))
lr = c[1].number_input("Learning rate of the single step", 0.0, 10.0, 1.0, 0.1, key="hello_lr")
config = ExperimentConfig(
    task=TaskConfig(name="characters", text_source="hello"),
    model=ModelConfig(cell="rnn_tanh", hidden_size=3),
    train=TrainConfig(lr=0.05, probe_every=1000),
    seed=seed,
)
untrained = Trainer(config, make_task(config.task))
step = hello_step(untrained.model, untrained.task, lr)

left, right = st.columns(2)
left.markdown("**Inputs, one-hot** (one row per step)")
left.dataframe(step.one_hot, width="stretch")
right.markdown("**Scores at each step**, before training (target: " + ", ".join(step.targets) + ")")
right.dataframe(step.scores_before.round(3), width="stretch")

st.subheader("One training step")
st.markdown(
    "The loss is the cross-entropy of the target at each step, averaged over the 4 steps. Its gradient with respect to "
    "the scores is **softmax − one-hot** (÷ 4): negative for the correct character, positive for the others. "
    "A step against the gradient therefore pushes every correct score up and the others down, *through the weights*."
)
left, right = st.columns(2)
left.markdown("**∂L/∂scores**, from autograd")
left.dataframe(step.score_gradient.round(3), width="stretch")
right.markdown("**Change in the scores** after one step")
right.dataframe((step.scores_after - step.scores_before).round(3), width="stretch")
c = st.columns(2)
c[0].metric("Loss before", f"{step.loss_before:.4f}")
c[1].metric("Loss after one step", f"{step.loss_after:.4f}", delta=f"{step.loss_after - step.loss_before:.4f}", delta_color="inverse")
st.caption(
    "The scores do not move exactly as their gradient says: the same weights produce every step's scores, so a change "
    "that helps one step can lower a correct score at another. What a small enough step guarantees is a lower loss."
)

st.subheader("Train until it spells hello")
c = st.columns([1, 1, 2])
steps = int(c[0].number_input("Steps", 10, 2000, 300, 10, key="hello_steps"))
if c[1].button("Train", key="hello_train", type="primary"):
    with st.spinner(f"Training {steps} steps…"):
        st.session_state[HELLO_MODEL] = train_apart(config, make_task(config.task), steps)
trainer = st.session_state.get(HELLO_MODEL)
if trainer is None or trainer.config != config:
    st.info("Press **Train** to train this model with Adam (learning rate 0.05), then sample from it.")
else:
    history = trainer.history
    show_figure(loss_curve(history.step.to_numpy(), history.loss.to_numpy(), [], []))
    temperature = st.slider("Sampling temperature", 0.1, 2.0, 0.5, 0.1, key="hello_temperature")
    text = sample_text(trainer.model, trainer.task, "h", 4, temperature=temperature, seed=seed)
    st.metric(f"Sampled from 'h' after {trainer.step} steps", text)
