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


def bracket_depth(chars: list[str]) -> np.ndarray:
    """How deeply nested each position is. ``chars`` may start inside brackets, so the depth is counted from its start
    and shifted to make its lowest point 0."""
    depth = np.cumsum([(c == "(") - (c == ")") for c in chars]).astype(float)
    return depth - min(depth.min(), 0.0)


def depth_unit(values: np.ndarray, depths: np.ndarray) -> tuple[int, float]:
    """The unit whose value follows the nesting depth best, and its correlation averaged over the sequences.

    ``values`` is ``(B, T, H)``, ``depths`` ``(B, T)``. The sign is kept (a unit may count down); a sequence whose
    depth never changes says nothing and is left out.
    """
    values, depths = np.asarray(values, dtype=float), np.asarray(depths, dtype=float)
    per_sequence = []
    for v, d in zip(values, depths):
        if d.std() == 0:
            continue
        spread = v.std(axis=0)
        r = np.zeros(v.shape[1])
        moving = spread > 0
        r[moving] = ((v[:, moving] - v[:, moving].mean(axis=0)) * (d - d.mean())[:, None]).mean(axis=0) / (spread[moving] * d.std())
        per_sequence.append(r)
    if not per_sequence:
        return 0, 0.0
    mean = np.mean(per_sequence, axis=0)  # (H,)
    unit = int(np.argmax(np.abs(mean)))
    return unit, float(mean[unit])
