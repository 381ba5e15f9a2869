"""Figures of the lessons: the ReLU demo's gradient by hand, the unrolled network's diagram, the ways inputs and outputs
are wired, and how far back each loss's gradient reaches."""

from __future__ import annotations

import math

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


ARROW_GAP = 0.22  # an arrow stops this far short of the nodes it joins, in rows (a row is one unit up)
ROW_PER_COLUMN_UNIT = 0.75  # a unit across (nodes stand 1.4–1.6 apart) looks about three quarters of a row long


def _arrows(segments: list[tuple[float, float, float, float, str]]) -> list[dict]:
    """Arrows ``(x0, y0, x1, y1, colour)`` in data coordinates, as one scatter trace per colour: a line per arrow,
    stopping short of both nodes, and an arrowhead at its end.

    Not as annotations: Plotly draws and measures each annotation on its own, which made the four wiring diagrams
    three times as slow to draw (127–169 ms against 44–50 ms in Chromium).
    """
    lines: dict[str, tuple[list, list, list]] = {}
    for x0, y0, x1, y1, colour in segments:
        share = ARROW_GAP / math.hypot((x1 - x0) * ROW_PER_COLUMN_UNIT, y1 - y0)  # the same gap for every length
        dx, dy = (x1 - x0) * share, (y1 - y0) * share
        xs, ys, sizes = lines.setdefault(colour, ([], [], []))
        xs += [float(x0 + dx), float(x1 - dx), None]
        ys += [float(y0 + dy), float(y1 - dy), None]
        sizes += [0, 13, 0]
    return [
        {"type": "scatter", "x": xs, "y": ys, "mode": "lines+markers", "line": {"color": colour, "width": 2}, "hoverinfo": "skip",
         "marker": {"symbol": "arrow", "angleref": "previous", "size": sizes, "color": colour}, "showlegend": False}
        for colour, (xs, ys, sizes) in lines.items()
    ]  # fmt: skip


def io_mode_diagram(title: str, columns: list[dict], feedback: bool = False) -> dict:
    """One way of wiring inputs and outputs, unrolled: a column per step, inputs at the bottom, states in the middle,
    outputs on top; a missing input or output is left out.

    Each column is ``{"input": label or None, "state": label, "output": label or None, "part": 0 or 1}``: part 1 (the
    decoder of an encoder–decoder) is drawn in the second colour. The state passes to the right within and across
    parts; with ``feedback`` each output is also the next step's input (a green arrow).
    """
    xs = np.arange(len(columns), dtype=float) * 1.4
    arrows, names, px, py, colours = [], [], [], [], []
    for t, (x, column) in enumerate(zip(xs, columns)):
        colour = COLOURS[column.get("part", 0)]
        for y, label, node in ((0.0, column["input"], "#666666"), (1.0, column["state"], colour), (2.0, column["output"], "#222222")):
            if label is not None:
                names.append(label), px.append(float(x)), py.append(y), colours.append(node)
        if column["input"] is not None:
            arrows.append((x, 0, x, 1, "#999999"))
        if column["output"] is not None:
            arrows.append((x, 1, x, 2, "#999999"))
        if t > 0:
            arrows.append((xs[t - 1], 1, x, 1, colour))
            if feedback and columns[t - 1]["output"] is not None and column["input"] is not None:
                arrows.append((xs[t - 1], 2, x, 0, COLOURS[2]))
    nodes = {
        "type": "scatter", "x": px, "y": py, "mode": "markers+text", "text": names, "textposition": "top right",
        "hoverinfo": "skip", "marker": {"size": 22, "color": "white", "line": {"width": 3, "color": colours}}, "showlegend": False,
    }  # fmt: skip
    return figure(
        title,
        [*_arrows(arrows), nodes],  # the nodes over the arrows' ends
        xaxis={"visible": False, "range": [-0.4, float(xs[-1]) + 0.9]},
        yaxis={"tickvals": [0, 1, 2], "ticktext": ["input", "state", "output"], "showgrid": False, "range": [-0.4, 2.6]},
        height=300,
        margin={"l": 70, "r": 10, "t": 50, "b": 10},
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
        arrows.append((x0, y0, x1, y1, colour))

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
        [*_arrows(arrows), nodes],  # the nodes over the arrows' ends
        xaxis={"visible": False, "range": [-0.5, float(xs[-1]) + 1.2]},
        yaxis={"tickvals": ticks, "ticktext": labels, "showgrid": False, "range": [-0.6, top + 0.6]},
        height=160 + 90 * (len(rows) + 2),
    )


def gradient_reach_chart(
    whole: np.ndarray, truncated: np.ndarray, loss_steps: np.ndarray, piece_starts: tuple[int, ...], title: str
) -> dict:
    """‖∂L_τ/∂h_t‖ over (t, τ), through the whole sequence (left) and truncated (right), on one log colour scale.

    ``whole`` and ``truncated`` are ``(R, T)``: a row per step τ that has a loss (``loss_steps``, from 0). A zero has no
    path behind it (t after τ, or a cut between them) and is left blank. Dotted lines mark where each backpropagated
    piece starts; steps are counted from 1 on the axes, as on every other page.
    """
    logs = [np.where(v > 0, np.log10(np.where(v > 0, v, 1.0)), np.nan) for v in (whole, truncated)]
    finite = np.concatenate([v[np.isfinite(v)] for v in logs]) if any(np.isfinite(v).any() for v in logs) else np.zeros(1)
    steps, taus = np.arange(1, whole.shape[1] + 1), loss_steps + 1
    traces, shapes = [], []
    for i, (values, name) in enumerate(zip(logs, ("whole sequence", "truncated"))):
        axis = "" if i == 0 else "2"
        traces.append(
            {
                "type": "heatmap", "z": typed(values), "x": typed(steps), "y": typed(taus), "coloraxis": "coloraxis",
                "xaxis": f"x{axis}", "yaxis": f"y{axis}", "name": name,
                "hovertemplate": "t=%{x}, τ=%{y}<br>log₁₀ ‖∂L_τ/∂h_t‖=%{z:.2f}<extra>" + name + "</extra>",
            }
        )  # fmt: skip
    for start in (s for s in piece_starts if s > 0):  # between steps start and start + 1, counted from 1
        shapes.append({"type": "line", "xref": "x2", "yref": "y2 domain", "x0": start + 0.5, "x1": start + 0.5, "y0": 0, "y1": 1,
                       "line": {"dash": "dot", "width": 2, "color": COLOURS[1]}})  # fmt: skip
    axis = {"title": text_spec("h_t: time step t"), "range": [0.5, steps[-1] + 0.5]}
    tau_axis = {"title": text_spec("loss L_τ at step τ"), "autorange": "reversed"}
    return figure(
        title,
        traces,
        coloraxis={"colorscale": "Viridis", "cmin": float(finite.min()), "cmax": float(finite.max()),
                   "colorbar": {"title": text_spec("log₁₀ ‖∂L_τ/∂h_t‖")}},
        xaxis={**axis, "domain": [0, 0.45]},
        xaxis2={**axis, "domain": [0.55, 1], "anchor": "y2"},
        yaxis=tau_axis,
        yaxis2={**tau_axis, "anchor": "x2", "title": text_spec("")},
        shapes=shapes,
        annotations=[
            {"text": "through the whole sequence", "xref": "x domain", "yref": "paper", "x": 0.5, "y": 1.0, "yanchor": "bottom",
             "showarrow": False},
            {"text": "truncated", "xref": "x2 domain", "yref": "paper", "x": 0.5, "y": 1.0, "yanchor": "bottom", "showarrow": False},
        ],
    )  # fmt: skip
