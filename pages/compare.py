"""Compare runs: kept runs overlaid on the loss, the gradient norm and the per-step views."""

import pandas as pd
import streamlit as st

from rnn_core.config import CELL_TITLES
from rnn_core.inspect.compare import MAX_KEPT_RUNS
from rnn_core.inspect.exports import runs_table
from ui.charts import csv_download
from ui.compare_view import chosen_runs, grad_norm_overlay, loss_overlay, reach_overlay, run_controls, step_loss_overlay
from ui.live import stop_page
from ui.presets_menu import preset_comparison
from ui.state import current_experiment

st.title("Compare runs")
st.markdown(
    "Every trained model you replace (a rebuild, a reset, a preset, a loaded checkpoint) is kept here with its settings, "
    f"up to the last {MAX_KEPT_RUNS}. Keep the current one too, or train a plain RNN, an LSTM and a GRU on the same task and seed, "
    "then choose which runs to overlay."
)
exp = current_experiment()
preset_comparison(exp)
run_controls(exp)
if not exp.runs:
    st.info(
        "No runs kept yet. Try **Compare RNN, LSTM and GRU** above, or train a model, change a setting in the sidebar and "
        "rebuild: the first run is kept here."
    )
    stop_page()


def describe(run) -> dict:
    """A row of the runs table: the run's settings, then how far it got."""
    row = run.settings | {"cell": CELL_TITLES[run.config.model.cell]}
    last = run.history.iloc[-1] if len(run.history) else None
    return row | {
        "steps": run.steps,
        "final loss": None if last is None else float(last.loss),
        "final accuracy": "–" if last is None or pd.isna(last.accuracy) else f"{last.accuracy:.0%}",
    }


st.dataframe(pd.DataFrame([describe(run) for run in exp.runs]), hide_index=True, width="stretch")
runs = chosen_runs(exp, "compare_overlay")
if not runs:
    st.info("Choose at least one run to overlay.")
    stop_page()
loss_overlay(runs)  # one chart per row: the legends name every run
grad_norm_overlay(runs)
recurrent = [run for run in runs if run.final is not None]
if recurrent:
    step_loss_overlay(recurrent)
    reach_overlay(recurrent)
csv_download("The chosen runs' training histories", lambda: runs_table(runs), "runs", key="compare_csv")
