"""RNN Explorer: the entry point. `streamlit run app.py`.

Sets the page up, draws the sidebar every page shares (training controls and the model
builder) and hands navigation to st.navigation; every view lives in pages/.
"""

import streamlit as st
import torch

from ui.checkpoint import checkpoint_panel
from ui.sidebar import model_builder
from ui.state import current_experiment
from ui.training import training_panel

torch.set_num_threads(1)  # per process: small models train fastest on one thread, and sessions share the cores

st.set_page_config(page_title="RNN Explorer", page_icon="🔁", layout="wide")

pages = {
    "Explore": [
        st.Page("pages/train.py", title="Train", default=True),
        st.Page("pages/hidden_states.py", title="Hidden states"),
        st.Page("pages/loss_over_time.py", title="Loss over time"),
        st.Page("pages/gradients.py", title="Gradients"),
        st.Page("pages/gates.py", title="Gates"),
    ],
    "Lessons": [
        st.Page("pages/worked_example.py", title="Worked example"),
        st.Page("pages/shapes.py", title="Shapes and parameters"),
        st.Page("pages/hello.py", title="The hello model"),
        st.Page("pages/stacked.py", title="Stacked and bidirectional"),
        st.Page("pages/vanishing_demo.py", title="Vanishing by hand"),
        st.Page("pages/inside_a_layer.py", title="Inside a layer"),
    ],
}
navigation = st.navigation(pages)

with st.sidebar:
    st.markdown("## RNN Explorer")
    training_panel()
    model_builder(current_experiment())
    checkpoint_panel(current_experiment())

diverged = current_experiment().trainer.diverged
if diverged is not None:  # on every page, above its title: the run stopped, and why
    st.error(diverged.message())

navigation.run()
