"""Every session-state key the app reads or writes by name, in one place.

A widget's own key, used only to tell that widget apart (``"grad_layer"``, ``"hello_seed"``), stays beside the widget;
a key that two pieces of code meet at lives here. Plain strings, no Streamlit: tests import them freely.
"""

from __future__ import annotations

EXPERIMENT = "experiment"  # the session's Experiment: its run, its configuration, the runs kept for comparison
PROGRESS_BOX = "progress_box"  # the sidebar container the session's timer redraws the progress in (this run's)
LIVE_THIS_RUN = "live_this_run"  # whether this run's page drew a live view (its timer then refreshes the sidebar too)
LINK = "link"  # what the session's link asked for: {"problems": [...], "steps": int, "config": ExperimentConfig}
PRESENTING = "presenting"  # the sidebar's presentation toggle (also set by a link's ``present=1``)
GO_TO_PAGE = "preset_page"  # set by a preset's button, followed by app.py once the sidebar is drawn
PRESET_COMPARISON = "preset_comparison"  # a comparing preset's key, until Compare runs has trained its cells side by side
CHECKPOINT_UPLOAD = "upload_checkpoint"  # the checkpoint file uploader
CHECKPOINT_OUTCOME = "checkpoint_outcome"  # (kind, message) of the last checkpoint load, shown until the next one
USER_TEXT = "user_text"  # the student's own text (uploaded, pasted, or from a checkpoint)
USER_COLUMNS = "user_columns"  # the numeric columns of the student's own CSV: {name: values}
USER_COLUMN = "user_column"  # which of those columns is the series (its selectbox)
HELLO_MODEL = "hello_trainer"  # the Hello page's own small model, trained on the page
PLOTLY_EARLY = "plotly_early"  # this session's browser was sent the hidden chart that has it load Plotly (ui/first_paint.py)
CONFIG_WIDGET_PREFIX = "cfg__"  # the sidebar's configuration widgets: see config_widget


def config_widget(section: str, name: str) -> str:
    """The key of the sidebar widget for one configuration field, e.g. ``config_widget("model", "cell")``."""
    return f"{CONFIG_WIDGET_PREFIX}{section}__{name}"
PARALLEL_TIMINGS = "parallel_timings"  # the Parallel lesson's last timings table, and which layer they were measured on
TRUNCATION_COST_SHOWN = "truncation_cost_shown"  # the Truncated BPTT lesson has trained its two copy-task LSTMs in this session
WINDOWING_SHOWN = "windowing_shown"  # the Windowing lesson has trained its three copy-task models in this session
GATES_VIEW = "gates_view"  # the Gates page's open tab (ui.controls.open_tab)
GRADIENTS_VIEW = "gradients_view"  # the Gradients page's open tab
HIDDEN_VIEW = "hidden_view"  # the Hidden states page's open tab
# a live page's tabs, by its file: where a preset sets its story's tab (ui/presets_menu.py)
PAGE_TABS = {"pages/gates.py": GATES_VIEW, "pages/gradients.py": GRADIENTS_VIEW, "pages/hidden_states.py": HIDDEN_VIEW}
MODEL_DETAILS = "train_model_details"  # whether the Train page's "The model" expander is open (its table is drawn only then)
MODES_TEXT_MODEL = "modes_text_model"  # the Inputs and outputs lesson's character model, trained on the page
MODES_VIEW = "modes_view"  # the Inputs and outputs lesson's open tab (ui.controls.open_tab)
MODES_SHOWN = "modes_shown"  # which of the Inputs and outputs lesson's fixed models this session has trained: a set of names
