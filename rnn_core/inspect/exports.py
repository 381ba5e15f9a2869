"""What the views show, as tidy tables for CSV: one row per observation, one column per quantity.

Long tables (a row per layer, direction, sequence, step and unit) reload into pandas, R or a
spreadsheet without knowing the model's shape, and pivot back to any view. Rows count from 1
(t = 1 .. T, layer 1 ..) as the pages do; units count from 0, as the heatmaps label them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnn_core.inspect.compare import RunSummary
from rnn_core.inspect.probes import ProbeSnapshot

MAX_TABLE_ROWS = 250_000  # about 10 MB of CSV, built in a second: a bigger model exports the layer on screen


def export_rows(values: np.ndarray, shown: int) -> list[int]:
    """Which layer-direction rows of ``values`` (``(LD, B, T, H)``) a CSV holds: all of them, or for a model too big
    for that, the one on screen."""
    return list(range(len(values))) if values.size <= MAX_TABLE_ROWS else [shown]


def _layer_direction(rows: int, num_directions: int) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``rows`` layer-direction rows (layer-major, as recordings store them): layer (1-based) and direction."""
    index = np.arange(rows)
    return index // num_directions + 1, np.where(index % num_directions == 0, "forward", "reverse")


def _long(arrays: dict[str, np.ndarray], num_directions: int, rows: list[int] | None) -> pd.DataFrame:
    """Arrays of one shape ``(LD, B, T, H)`` as one long table: layer, direction, sequence, t, unit, then a column each;
    only the layer-direction ``rows`` (all when None)."""
    first = next(iter(arrays.values()))
    rows = list(range(len(first))) if rows is None else rows
    arrays = {name: np.asarray(values)[rows] for name, values in arrays.items()}
    _, B, T, H = first.shape
    layer, direction = _layer_direction(len(first), num_directions)
    layer, direction = layer[rows], direction[rows]
    grid = np.indices((len(rows), B, T, H)).reshape(4, -1)
    frame = pd.DataFrame(
        {"layer": layer[grid[0]], "direction": direction[grid[0]], "sequence": grid[1] + 1, "t": grid[2] + 1, "unit": grid[3]}
    )
    for name, values in arrays.items():
        frame[name] = values.reshape(-1)
    return frame


def hidden_states_table(snapshot: ProbeSnapshot, num_directions: int, rows: list[int] | None = None) -> pd.DataFrame:
    """h_t (and the LSTM's c_t) of every unit at every step of every probe sequence, for the layer-direction ``rows``."""
    arrays = {"h": snapshot.hidden} if snapshot.cell is None else {"h": snapshot.hidden, "c": snapshot.cell}
    return _long(arrays, num_directions, rows)


def gates_table(snapshot: ProbeSnapshot, num_directions: int, rows: list[int] | None = None) -> pd.DataFrame:
    """Every gate's value per unit, step and probe sequence, for the layer-direction ``rows``; empty without gates."""
    if not snapshot.gates:
        return pd.DataFrame(columns=["layer", "direction", "sequence", "t", "unit"])
    return _long(dict(snapshot.gates), num_directions, rows)


def gradients_table(snapshot: ProbeSnapshot, num_directions: int) -> pd.DataFrame:
    """Per layer-direction and step: ‖∂L/∂h_t‖, ‖∂L_τ/∂h_t‖ (τ in its own column, so tables of two runs stack), the step
    Jacobian's spectral radius and ‖∂ŷ_τ/∂x_t‖."""
    LD, T = snapshot.grad_norm.shape
    layer, direction = _layer_direction(LD, num_directions)
    rows, steps = np.indices((LD, T)).reshape(2, -1)
    return pd.DataFrame(
        {
            "layer": layer[rows],
            "direction": direction[rows],
            "t": steps + 1,
            "tau": snapshot.loss_step + 1,
            "grad_norm_total_loss": snapshot.grad_norm.reshape(-1),
            "grad_norm_loss_at_tau": snapshot.grad_norm_last.reshape(-1),
            "step_jacobian_spectral_radius": snapshot.jacobian_radius.reshape(-1),
            "input_sensitivity": snapshot.input_sensitivity[steps],
        }
    )


def step_loss_table(snapshot: ProbeSnapshot) -> pd.DataFrame:
    """L_t at each step, averaged over the probe sequences (empty where no prediction counts)."""
    return pd.DataFrame({"t": np.arange(1, len(snapshot.step_loss) + 1), "loss": snapshot.step_loss})


def runs_table(runs: list[RunSummary]) -> pd.DataFrame:
    """The kept runs' training histories, one after another, with the settings that tell them apart."""
    frames = []
    for run in runs:
        frame = run.history.copy()
        for i, (name, value) in enumerate(run.settings.items()):
            frame.insert(i, name, value)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV without the index; floats to 9 significant digits, so that float32 values (every recorded one) reload
    exactly."""
    return frame.to_csv(index=False, float_format="%.9g").encode("utf-8")
