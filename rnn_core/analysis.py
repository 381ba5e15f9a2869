"""Small analyses of recorded states: a 2-D view of the trajectory of h_t, and which units stand out."""

from __future__ import annotations

import numpy as np


def pca_2d(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project states ``(T, H)`` on their two main directions: coordinates ``(T, 2)`` and the share of variance each explains.

    With one unit (or states that never move) the missing direction is all zeros and explains nothing.
    """
    values = np.asarray(values, dtype=float)
    centred = values - values.mean(axis=0, keepdims=True)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    coords = np.zeros((len(values), 2))
    k = min(2, vt.shape[0])
    coords[:, :k] = centred @ vt[:k].T
    total = float((singular**2).sum())
    explained = np.zeros(2)
    if total > 0:
        explained[:k] = singular[:k] ** 2 / total
    return coords, explained


def top_units(hidden: np.ndarray, k: int) -> list[int]:
    """The k units whose activation varies most over the probe sequences and time, ``hidden`` shaped ``(B, T, H)``."""
    spread = np.asarray(hidden, dtype=float).reshape(-1, hidden.shape[-1]).std(axis=0)  # (H,)
    return [int(u) for u in np.argsort(-spread, kind="stable")[:k]]
