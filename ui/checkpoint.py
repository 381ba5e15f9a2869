"""Save the session's model as a checkpoint file, or load one: in the sidebar, on every page.

Loading happens in the uploader's callback, before the sidebar's widgets are drawn, so that the
widgets can take the loaded configuration. A file that is refused changes nothing, and says why.
"""

from __future__ import annotations

import re

import streamlit as st

from rnn_core.train.checkpoints import read_checkpoint, restore_trainer, save_checkpoint
from ui import settings
from ui.keys import CHECKPOINT_OUTCOME, CHECKPOINT_UPLOAD, USER_COLUMN, USER_COLUMNS, USER_TEXT
from ui.sidebar import revert_widgets
from ui.state import SERVICE, Experiment, current_experiment


def checkpoint_file_name(exp: Experiment) -> str:
    """e.g. rnn-explorer_sine_lstm-32_step-300.pt: which model, on what, how far trained."""
    c = exp.config
    name = f"rnn-explorer_{c.task.name}_{c.model.cell}-{c.model.hidden_size}x{c.model.num_layers}_step-{exp.trainer.step}.pt"
    return re.sub(r"[^A-Za-z0-9_.-]", "-", name)


def _download(exp: Experiment) -> bytes:
    with exp.trainer.holding() as run:  # its step, history and weights from one report
        return save_checkpoint(run)


def _load() -> None:
    """The uploader's callback: read, check and restore, or leave everything as it was."""
    upload = st.session_state.get(CHECKPOINT_UPLOAD)
    if upload is None:
        return
    exp = current_experiment()
    try:
        checkpoint = read_checkpoint(upload.getvalue())
        trainer = restore_trainer(checkpoint, check=settings.LIMITS.check)  # every check, before anything changes
    except ValueError as e:
        st.session_state[CHECKPOINT_OUTCOME] = ("error", f"{upload.name} was not loaded: {e}. Your current model is unchanged.")
        return
    restore = {"state_dict": checkpoint.state_dict, "step": checkpoint.step, "rows": checkpoint.history}
    run = SERVICE.start(trainer.config, trainer.task, restore=restore)
    if checkpoint.user_text is not None:
        st.session_state[USER_TEXT] = checkpoint.user_text
    if checkpoint.user_series is not None:
        st.session_state[USER_COLUMNS] = {checkpoint.column: checkpoint.user_series}
        st.session_state[USER_COLUMN] = checkpoint.column
    exp.replace_trainer(run)
    revert_widgets(trainer.config)
    st.session_state[CHECKPOINT_OUTCOME] = ("success", f"Loaded {upload.name}: trained for {trainer.step:,} steps.")


def checkpoint_panel(exp: Experiment) -> None:
    with st.expander("Save or load the model", expanded=CHECKPOINT_OUTCOME in st.session_state):
        st.download_button(
            "Download the model (.pt)",
            data=lambda: _download(exp),
            file_name=checkpoint_file_name(exp),
            mime="application/octet-stream",
            on_click="ignore",
            key="download_checkpoint",
            width="stretch",
            help="The weights, the settings, the step and the loss history: load it here again, in any session.",
        )
        st.file_uploader("Load a checkpoint", type=["pt"], key=CHECKPOINT_UPLOAD, on_change=_load)
        if CHECKPOINT_OUTCOME in st.session_state:
            kind, message = st.session_state[CHECKPOINT_OUTCOME]
            (st.error if kind == "error" else st.success)(message)
