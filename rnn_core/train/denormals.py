"""Denormal numbers flushed to zero while a model trains, in the thread that trains it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

_TINY, _ONE = 1e-310, 1.0  # a denormal double, and a factor: names, so that Python does not fold the product beforehand


def flushing() -> bool:
    """Whether this thread flushes denormal numbers to zero now (x86's DAZ makes a denormal operand zero)."""
    return _TINY * _ONE == 0.0


@contextmanager
def flushing_denormals() -> Iterator[None]:
    """Numbers below float32's normal range (under 1.2e-38) flushed to zero meanwhile, as GPUs do, in this thread.

    On x86 each operation on such a denormal number takes a slow path. An S6 layer's state decays into them, which made
    its training 20 % slower than the same arithmetic without them. The setting is the thread's own (x86's MXCSR
    register), and is put back as it was after: left on, it changes what every later computation in that thread sees
    (Hypothesis, for one, refuses to draw floats in a thread that flushes them).
    """
    before = flushing()
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(before)
