"""Figures of the lessons: the ReLU demo's gradient by hand, and the unrolled network's diagram."""

from __future__ import annotations

import numpy as np

from rnn_core.viz.theme import COLOURS, figure, text_spec, typed


def vanishing_by_hand_chart(lengths: np.ndarray, gradients: np.ndarray, w_h: float) -> dict:
    """The vanishing-by-hand lesson: ∂L/∂h_0 by autograd against the formula 2·w_h^L, over the sequence length L.

    Gradients of exactly 0 (float32's rounding, not the maths) cannot sit on the log axis and are left out.
    """
    keep = gradients > 0
    formula = np.arange(1, 11)
    traces = [
        {
            "type": "scatter",
            "x": typed(lengths[keep]),
            "y": typed(gradients[keep]),
            "mode": "lines+markers",
            "line": {"width": 3},
            "name": "autograd",
        },
        {"type": "scatter", "x": typed(formula), "y": typed(2 * w_h**formula), "mode": "lines", "line": {"dash": "dot"}, "name": "2·w_h^L"},
    ]
    return figure(
        f"∂L/∂h_0 against the sequence length (w_h = {w_h:g})",
        traces,
        xaxis={"title": text_spec("sequence length L")},
        yaxis={"title": text_spec("∂L/∂h_0 (log scale)"), "type": "log", "exponentformat": "power"},
    )


def unrolled_diagram(num_layers: int, bidirectional: bool, steps: int, input_size: int, hidden_size: int, output_size: int) -> dict:
    """Which state feeds which, unrolled over ``steps``: inputs at the bottom, one row per layer and direction, outputs on top.

    Forward states pass to the right (h_{t−1} → h_t), reverse states to the left (h_{t+1} → h_t); every layer above the
    first reads both directions of the layer below at the same step.
    """
    D = 2 if bidirectional else 1
    rows = {}  # (layer, direction) -> y position
    y = 1.0
    for layer in range(num_layers):
        for d in range(D):
            rows[(layer, d)] = y
            y += 1.0
    top = y
    xs = np.arange(steps, dtype=float) * 1.6
    arrows = []

    def arrow(x0, y0, x1, y1, colour):
        arrows.append(
            {
                "x": float(x1),
                "y": float(y1),
                "ax": float(x0),
                "ay": float(y0),
                "xref": "x",
                "yref": "y",
                "axref": "x",
                "ayref": "y",
                "showarrow": True,
                "arrowhead": 2,
                "arrowsize": 1.2,
                "arrowwidth": 2,
                "arrowcolor": colour,
                "standoff": 14,
                "startstandoff": 14,
            }
        )

    for t, x in enumerate(xs):
        for (layer, d), yy in rows.items():
            below = [0.0] if layer == 0 else [rows[(layer - 1, k)] for k in range(D)]
            for yb in below:
                arrow(x, yb, x, yy, "#999999")
            if d == 0 and t > 0:
                arrow(xs[t - 1], yy, x, yy, COLOURS[0])
            if d == 1 and t < steps - 1:
                arrow(xs[t + 1], yy, x, yy, COLOURS[1])
        for k in range(D):
            arrow(x, rows[(num_layers - 1, k)], x, top, "#999999")
    names, px, py, colours = [], [], [], []
    for t, x in enumerate(xs):
        names.append(f"x_{t + 1}")
        px.append(float(x)), py.append(0.0), colours.append("#666666")
        for (layer, d), yy in rows.items():
            names.append(f"h{'←' if d else '→'}<sup>{layer + 1}</sup>_{t + 1}")
            px.append(float(x)), py.append(yy), colours.append(COLOURS[d])
        names.append(f"ŷ_{t + 1}")
        px.append(float(x)), py.append(top), colours.append("#222222")
    nodes = {
        "type": "scatter",
        "x": px,
        "y": py,
        "mode": "markers+text",
        "text": names,
        "textposition": "top right",
        "hoverinfo": "skip",
        "marker": {"size": 22, "color": "white", "line": {"width": 3, "color": colours}},
        "showlegend": False,
    }
    ticks = [0.0] + list(rows.values()) + [top]
    labels = (
        [f"input x_t ({input_size})"]
        + [f"layer {k + 1} {'reverse' if d else 'forward'} ({hidden_size})" for (k, d) in rows]
        + [f"output ŷ_t ({output_size}, from {D * hidden_size})"]
    )
    title = f"{num_layers} layer(s), {'both directions' if D == 2 else 'forward only'}, unrolled over {steps} steps"
    return figure(
        title,
        [nodes],
        annotations=arrows,
        xaxis={"visible": False, "range": [-0.5, float(xs[-1]) + 1.2]},
        yaxis={"tickvals": ticks, "ticktext": labels, "showgrid": False, "range": [-0.6, top + 0.6]},
        height=160 + 90 * (len(rows) + 2),
    )
