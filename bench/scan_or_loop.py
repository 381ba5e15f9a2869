"""Which way training solves a linear recurrence: the scan or the loop, forward and backward, for each of the four
cells at the app's batch (32 sequences, H = 32), timed side by side in the same run. rnn_core.nn.linear_layers picks
by ``scan_pays``; this shows the choice against the clock on this machine."""

from __future__ import annotations

import math
import statistics
import time

import torch

from rnn_core.config import ModelConfig, TrainConfig
from rnn_core.nn.by_cell import fused_layer
from rnn_core.nn.linear_layers import linear_scan, scan_pays_for, step_by_step

CELLS = ("mingru", "minlstm", "lru", "s6")
LENGTHS = (10, 40, 200)


def _forward_backward_ms(layer, x, h0, solve, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        layer.zero_grad(set_to_none=True)
        a, b, _ = layer.coefficients(x, 0)
        layer.read_out(solve(a, b, h0), x, 0).sum().backward()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def scan_or_loop(repeats: int = 15) -> list[dict]:
    batch, hidden = TrainConfig().batch_size, ModelConfig().hidden_size
    rows = []
    for cell in CELLS:
        torch.manual_seed(0)
        layer = fused_layer(cell, 8, hidden)
        h0 = torch.zeros((batch, *layer.state_shape), dtype=layer.state_dtype(torch.float32))
        numbers = batch * math.prod(layer.state_shape) * (2 if h0.is_complex() else 1)
        for T in LENGTHS:
            x = torch.randn(T, batch, 8)
            for solve in (step_by_step, linear_scan):
                _forward_backward_ms(layer, x, h0, solve, 2)  # warm-up
            loop = _forward_backward_ms(layer, x, h0, step_by_step, repeats)
            scan = _forward_backward_ms(layer, x, h0, linear_scan, repeats)
            chosen = "scan" if scan_pays_for(T, numbers) else "loop"
            rows.append({"cell": cell, "T": T, "numbers_per_step": numbers, "loop_ms": loop, "scan_ms": scan, "training_uses": chosen})
    return rows


def scan_or_loop_table(rows: list[dict]) -> str:
    lines = [
        "| cell | T | numbers per step | loop, ms | scan, ms | training uses | the faster? |",
        "|---|---:|---:|---:|---:|---|:---:|",
    ]
    for r in rows:
        faster = "scan" if r["scan_ms"] < r["loop_ms"] else "loop"
        close = abs(r["scan_ms"] - r["loop_ms"]) < 0.1 * min(r["scan_ms"], r["loop_ms"])  # within 10 %: a tie
        verdict = "yes" if r["training_uses"] == faster or close else "**no**"
        times = f"{r['loop_ms']:.2f} | {r['scan_ms']:.2f}"
        lines.append(f"| {r['cell']} | {r['T']} | {r['numbers_per_step']:,} | {times} | {r['training_uses']} | {verdict} |")
    return "\n".join(lines)
