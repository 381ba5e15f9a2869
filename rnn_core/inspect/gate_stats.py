"""How saturated gates are: the share of values that sit near 0 (closed) or near 1 (open)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnn_core.nn.cell_facts import GATES

BOUNDED_GATES = tuple(name for name, gate in GATES.items() if gate.bounded)  # sigmoid gates, not the tanh candidates


def saturation_table(gates: dict[str, np.ndarray], margin: float = 0.05) -> pd.DataFrame:
    """Per sigmoid gate: mean value and the % of values below ``margin`` or above ``1 - margin``."""
    rows = []
    for name, values in gates.items():
        if name not in BOUNDED_GATES:
            continue
        v = np.asarray(values, dtype=float).ravel()
        rows.append(
            {
                "gate": name,
                "mean": v.mean(),
                "% near 0 (closed)": 100 * (v < margin).mean(),
                "% near 1 (open)": 100 * (v > 1 - margin).mean(),
            }
        )
    return pd.DataFrame(rows).round(2)
