"""Deployment settings, read once from environment variables, with defaults for a laptop.

RNN_EXPLORER_REFRESH_SECONDS  how often live views redraw while training (default 1.0; a shared server may want 2)
RNN_EXPLORER_SLICE_SECONDS    how long each refresh trains before drawing (default 0.4)
"""

from __future__ import annotations

import os


def _seconds(name: str, default: float, low: float, high: float) -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError as e:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from e
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high} seconds, got {value}")
    return value


REFRESH_SECONDS = _seconds("RNN_EXPLORER_REFRESH_SECONDS", 1.0, 0.2, 30.0)
SLICE_SECONDS = _seconds("RNN_EXPLORER_SLICE_SECONDS", 0.4, 0.05, 5.0)
